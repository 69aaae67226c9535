using ILGPU;

namespace CrossPropertyILGPU.Kernels.Ops;

/// <summary>
/// Adam over a range of the flat parameter buffer: parameters, gradients, m, v are [count] views
/// of four buffers in the same layout, so the whole model updates in one launch and freezing a
/// layer is leaving its range out. The update is TensorFlow's (see <c>AdamStep</c>):
/// m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − α_t·m/(√v + ε), with α_t, the bias-corrected
/// step size, computed once per step on the host.
/// </summary>
public static class AdamKernels
{
    /// <summary>One Adam update of every element in the views.</summary>
    public static void Update(
        Index1D thread, WorkSplit split,
        ArrayView<float> parameters, ArrayView<float> gradients, ArrayView<float> firstMoment, ArrayView<float> secondMoment,
        float stepSize, float beta1, float beta2, float epsilon)
    {
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            var g = gradients[i];
            var m = beta1 * firstMoment[i] + (1f - beta1) * g;
            var v = beta2 * secondMoment[i] + (1f - beta2) * g * g;
            firstMoment[i] = m;
            secondMoment[i] = v;
            parameters[i] -= stepSize * m / (MathF.Sqrt(v) + epsilon);
        }
    }

    /// <summary>
    /// <see cref="Update"/> with the step size read from <paramref name="scalars"/>[<paramref name="slot"/>]
    /// (its float bits) instead of a kernel argument: a CUDA graph freezes kernel arguments at capture,
    /// so a replayed step finds its α_t in device memory, written by the host before each replay. The
    /// arithmetic is <see cref="Update"/>'s, so both give the same bits for the same α_t.
    /// </summary>
    public static void UpdateDeviceStep(
        Index1D thread, WorkSplit split,
        ArrayView<float> parameters, ArrayView<float> gradients, ArrayView<float> firstMoment, ArrayView<float> secondMoment,
        ArrayView<uint> scalars, int slot, float beta1, float beta2, float epsilon)
    {
        var stepSize = Interop.IntAsFloat(scalars[slot]);
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            var g = gradients[i];
            var m = beta1 * firstMoment[i] + (1f - beta1) * g;
            var v = beta2 * secondMoment[i] + (1f - beta2) * g * g;
            firstMoment[i] = m;
            secondMoment[i] = v;
            parameters[i] -= stepSize * m / (MathF.Sqrt(v) + epsilon);
        }
    }

    /// <summary>Scalar reference of <see cref="Update"/> (double arithmetic, float storage).</summary>
    public static void UpdateReference(
        Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> firstMoment, Span<float> secondMoment,
        double stepSize, double beta1, double beta2, double epsilon)
    {
        for (var i = 0; i < parameters.Length; i++)
        {
            double g = gradients[i];
            var m = beta1 * firstMoment[i] + (1.0 - beta1) * g;
            var v = beta2 * secondMoment[i] + (1.0 - beta2) * g * g;
            firstMoment[i] = (float)m;
            secondMoment[i] = (float)v;
            parameters[i] = (float)(parameters[i] - stepSize * m / (Math.Sqrt(v) + epsilon));
        }
    }

    /// <summary>
    /// Decoupled weight decay toward an anchor (AdamW's decay when the anchor is zero, L2-SP's pull
    /// toward the source model's weights when it is those weights): p ← p − rate·(p − anchor), with
    /// rate = α·λ computed on the host. Parameters and anchor are [count] views in the same layout.
    /// Applied apart from Adam so its strength does not depend on the gradient's scale.
    /// </summary>
    public static void DecayToward(Index1D thread, WorkSplit split, ArrayView<float> parameters, ArrayView<float> anchor, float rate)
    {
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            var p = parameters[i];
            parameters[i] = p - rate * (p - anchor[i]);
        }
    }

    /// <summary><see cref="DecayToward"/> with the rate read from <paramref name="scalars"/>[<paramref name="slot"/>] (float bits), for CUDA graphs.</summary>
    public static void DecayTowardDeviceRate(Index1D thread, WorkSplit split, ArrayView<float> parameters, ArrayView<float> anchor, ArrayView<uint> scalars, int slot)
    {
        var rate = Interop.IntAsFloat(scalars[slot]);
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            var p = parameters[i];
            parameters[i] = p - rate * (p - anchor[i]);
        }
    }

    /// <summary>Scalar reference of <see cref="DecayToward"/> (double arithmetic, float storage).</summary>
    public static void DecayTowardReference(Span<float> parameters, ReadOnlySpan<float> anchor, double rate)
    {
        for (var i = 0; i < parameters.Length; i++)
        {
            double p = parameters[i];
            parameters[i] = (float)(p - rate * (p - anchor[i]));
        }
    }
}
