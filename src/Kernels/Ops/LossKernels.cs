using ILGPU;

namespace CrossPropertyILGPU.Kernels.Ops;

/// <summary>
/// Regression losses, value and gradient in one launch. prediction, target, grad are [n]
/// (one output per sample); lossSum is [1] and accumulates across batches so the trainer reads the
/// epoch loss back once per epoch instead of once per step.
/// <para>For the batch loss L = (1/n) Σ l(e_i), e_i = prediction_i − target_i:
/// MAE: l = |e|, ∂L/∂p_i = sign(e_i)/n (0 when e_i = 0, as TensorFlow's sign);
/// MSE: l = e², ∂L/∂p_i = 2·e_i/n.</para>
/// <para>The sum Σ l(e_i) is taken by thread 0 alone in index order after it has done its share of
/// the gradient: deterministic (no atomics), one launch, and at ElemNet's batch sizes (≤ 1024) a
/// short serial loop.</para>
/// </summary>
public static class LossKernels
{
    /// <summary>Kind 0 = MAE, 1 = MSE; invN = 1/n.</summary>
    public static void ValueAndGradient(
        Index1D thread, WorkSplit split,
        ArrayView<float> prediction, ArrayView<float> target, ArrayView<float> grad, ArrayView<float> lossSum,
        int kind, float invN)
    {
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            var e = prediction[i] - target[i];
            grad[i] = (kind == 0 ? Sign(e) : 2f * e) * invN;
        }
        if (thread == 0)
        {
            var sum = 0f;
            for (var i = 0; i < split.Total; i++)
            {
                var e = prediction[i] - target[i];
                sum += kind == 0 ? (e < 0f ? -e : e) : e * e;
            }
            lossSum[0] += sum;
        }
    }

    /// <summary>Scalar reference of <see cref="ValueAndGradient"/> (double accumulation).</summary>
    public static void ValueAndGradientReference(
        ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> grad, Span<float> lossSum, bool mae)
    {
        var n = prediction.Length;
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            var e = (double)prediction[i] - target[i];
            // Not Math.Sign: it throws on NaN, and a diverging run must reach the trainer's check.
            grad[i] = (float)((mae ? (e > 0 ? 1.0 : e < 0 ? -1.0 : 0.0) : 2.0 * e) / n);
            sum += mae ? Math.Abs(e) : e * e;
        }
        lossSum[0] = (float)(lossSum[0] + sum);
    }

    private static float Sign(float e) => e > 0f ? 1f : e < 0f ? -1f : 0f;
}
