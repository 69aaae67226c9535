using ILGPU;

namespace CrossPropertyILGPU.Kernels.Ops;

/// <summary>
/// Regression losses over K targets with missing labels, value and gradient in one launch.
/// <code>
/// prediction [n, K], target [n, K], grad [n, K] (row-major, K = outputs), lossSum [K]
/// </code>
/// A target entry that is NaN is unlabelled: it contributes nothing to the loss or its gradient
/// (its grad is 0). With n_k the labelled rows of target k in the batch and e_ik = p_ik − t_ik,
/// the batch loss is the mean over targets of each target's mean over its labelled rows:
/// <code>
/// L = (1/K) Σ_k [n_k &gt; 0] (1/n_k) Σ_{i labelled for k} l(e_ik)
/// ∂L/∂p_ik = l'(e_ik) / (K·n_k) for a labelled entry, 0 for an unlabelled one
/// MAE: l = |e|, l' = sign(e) (0 when e = 0, as TensorFlow's sign);  MSE: l = e², l' = 2e
/// lossSum[k] += Σ_{i labelled for k} l(e_ik)   (the un-normalised sum; the trainer divides)
/// </code>
/// Why this definition: targets are standardised, so weighting each target equally whatever its
/// label count keeps a sparsely labelled target from being drowned by a dense one (a mean over all
/// labelled entries would weight targets by their label counts); dividing by K keeps the loss on a
/// single target's scale, and it is the quantity the trainer selects epochs by (mean over targets
/// of the per-target MAE). A target with no label in the batch contributes 0 and no NaN. For K = 1
/// with every row labelled it is exactly the single-target loss L = (1/n) Σ l(e_i), computed with
/// the same float operations, so the loss and gradient are bit-identical to the unmasked kernel.
/// <para>Each thread counts its own column's labels (n reads of the targets, at ElemNet's batch
/// sizes ≤ 1024 the length of the serial sum below), so the gradient needs no second launch. The
/// sums are taken by thread 0 alone, target by target in index order, after it has done its share
/// of the gradient: deterministic (no atomics), one launch.</para>
/// </summary>
public static class LossKernels
{
    /// <summary>
    /// Kind 0 = MAE, 1 = MSE; <paramref name="outputs"/> = K; <paramref name="invFull"/> = 1/(n·K),
    /// computed on the host and used when every row of a target is labelled, so an unmasked batch is
    /// scaled exactly as the single-target kernel always scaled it, on every device.
    /// </summary>
    public static void ValueAndGradient(
        Index1D thread, WorkSplit split,
        ArrayView<float> prediction, ArrayView<float> target, ArrayView<float> grad, ArrayView<float> lossSum,
        int kind, int outputs, float invFull)
    {
        var total = split.Total;
        var rows = total / outputs;
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            var t = target[i];
            if (float.IsNaN(t))
            {
                grad[i] = 0f;
                continue;
            }
            var labelled = 0;
            for (var r = i % outputs; r < total; r += outputs)
            {
                if (!float.IsNaN(target[r]))
                {
                    labelled++;
                }
            }
            var scale = labelled == rows ? invFull : 1f / (labelled * outputs);
            var e = prediction[i] - t;
            grad[i] = (kind == 0 ? Sign(e) : 2f * e) * scale;
        }
        if (thread == 0)
        {
            for (var k = 0; k < outputs; k++)
            {
                var sum = 0f;
                for (var i = k; i < total; i += outputs)
                {
                    var t = target[i];
                    if (!float.IsNaN(t))
                    {
                        var e = prediction[i] - t;
                        sum += kind == 0 ? (e < 0f ? -e : e) : e * e;
                    }
                }
                lossSum[k] += sum;
            }
        }
    }

    /// <summary>Scalar reference of <see cref="ValueAndGradient"/> (double accumulation); <paramref name="outputs"/> = K.</summary>
    public static void ValueAndGradientReference(
        ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> grad, Span<float> lossSum, bool mae, int outputs = 1)
    {
        var total = prediction.Length;
        for (var k = 0; k < outputs; k++)
        {
            var labelled = 0;
            for (var i = k; i < total; i += outputs)
            {
                labelled += float.IsNaN(target[i]) ? 0 : 1;
            }
            var n = labelled * outputs;
            var sum = 0.0;
            for (var i = k; i < total; i += outputs)
            {
                if (float.IsNaN(target[i]))
                {
                    grad[i] = 0f;
                    continue;
                }
                var e = (double)prediction[i] - target[i];
                // Not Math.Sign: it throws on NaN, and a diverging run must reach the trainer's check.
                grad[i] = (float)((mae ? (e > 0 ? 1.0 : e < 0 ? -1.0 : 0.0) : 2.0 * e) / n);
                sum += mae ? Math.Abs(e) : e * e;
            }
            lossSum[k] = (float)(lossSum[k] + sum);
        }
    }

    private static float Sign(float e) => e > 0f ? 1f : e < 0f ? -1f : 0f;
}
