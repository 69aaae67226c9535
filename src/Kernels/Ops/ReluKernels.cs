using ILGPU;

namespace CrossPropertyILGPU.Kernels.Ops;

/// <summary>
/// The ReLU backward mask, elementwise over n floats: y, dy, dx all [n]. The forward is fused into
/// the dense forward (<see cref="DenseKernels"/>), as is the mask in the usual case (the next
/// layer's input gradient); this kernel masks a gradient no fused op has masked. It masks with the
/// forward *output* (y &gt; 0 exactly when x &gt; 0), so the input need not be kept.
/// </summary>
public static class ReluKernels
{
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
