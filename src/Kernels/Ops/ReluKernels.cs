using ILGPU;

namespace CrossPropertyILGPU.Kernels.Ops;

/// <summary>
/// ReLU, forward and backward, elementwise over n floats: x, y, dy, dx all [n].
/// The backward pass masks with the forward *output* (y &gt; 0 exactly when x &gt; 0), so the
/// input need not be kept. NaN passes through the forward (NaN &lt; 0 is false) so a diverging run
/// stays visible instead of being silently zeroed.
/// </summary>
public static class ReluKernels
{
    /// <summary>y[i] = max(x[i], 0).</summary>
    public static void Forward(Index1D thread, WorkSplit split, ArrayView<float> x, ArrayView<float> y)
    {
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            var v = x[i];
            y[i] = v < 0f ? 0f : v;
        }
    }

    /// <summary>dx[i] (+)= y[i] &gt; 0 ? dy[i] : 0.</summary>
    public static void Backward(
        Index1D thread, WorkSplit split, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int accumulate)
    {
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            var g = y[i] > 0f ? dy[i] : 0f;
            dx[i] = accumulate != 0 ? dx[i] + g : g;
        }
    }

    /// <summary>Scalar reference of <see cref="Forward"/>.</summary>
    public static void ForwardReference(ReadOnlySpan<float> x, Span<float> y)
    {
        for (var i = 0; i < x.Length; i++)
        {
            y[i] = x[i] < 0f ? 0f : x[i];
        }
    }

    /// <summary>Scalar reference of <see cref="Backward"/>.</summary>
    public static void BackwardReference(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool accumulate)
    {
        for (var i = 0; i < y.Length; i++)
        {
            var g = y[i] > 0f ? dy[i] : 0f;
            dx[i] = accumulate ? (float)((double)dx[i] + g) : g;
        }
    }
}
