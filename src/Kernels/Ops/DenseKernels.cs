using ILGPU;

namespace CrossPropertyILGPU.Kernels.Ops;

/// <summary>
/// Dense (fully connected) layer, forward and backward. Shapes, row-major:
/// x [M,K] input batch · w [K,N] weight (Keras kernel layout, in × out) · b [N] bias ·
/// y [M,N] output; dy, dx, dw, db are the gradients of the same shapes. M = batch,
/// K = in-features, N = out-features.
/// <para>
/// Each kernel computes one output element per work item with a K-, N- or M-long dot product:
/// simple, deterministic (no atomics, fixed summation order) and correct at any shape. The
/// reduction over the batch for db and dw is done by the thread that owns the output, so no
/// cross-thread reduction is needed. Register-blocked tiles come with the GPU-speed issue; these
/// are the correctness baseline every later kernel is tested against.
/// </para>
/// Beside each kernel is its scalar reference (double accumulation), the test oracle.
/// </summary>
public static class DenseKernels
{
    // ---- forward: y[M,N] = x[M,K]·w[K,N] + b[N], optional fused ReLU -----------------------------

    /// <summary>Forward kernel; work item i = output element (i / N, i % N). relu != 0 fuses max(·, 0).</summary>
    public static void Forward(
        Index1D thread, WorkSplit split,
        ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        int k, int n, int relu)
    {
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            var row = i / n;
            var col = i - row * n;
            var xRow = row * k;
            var acc = b[col];
            for (var p = 0; p < k; p++)
            {
                acc += x[xRow + p] * w[p * n + col];
            }
            y[i] = relu != 0 && acc < 0f ? 0f : acc;
        }
    }

    /// <summary>Scalar reference of <see cref="Forward"/>.</summary>
    public static void ForwardReference(
        ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y,
        int m, int k, int n, bool relu)
    {
        for (var row = 0; row < m; row++)
        {
            for (var col = 0; col < n; col++)
            {
                double acc = b[col];
                for (var p = 0; p < k; p++)
                {
                    acc += (double)x[row * k + p] * w[p * n + col];
                }
                y[row * n + col] = relu && acc < 0 ? 0f : (float)acc;
            }
        }
    }

    // ---- backward, input: dx[M,K] (+)= dy[M,N]·wᵀ ------------------------------------------------

    /// <summary>Input-gradient kernel; work item i = dx element (i / K, i % K).</summary>
    public static void BackwardInput(
        Index1D thread, WorkSplit split,
        ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx,
        int k, int n, int accumulate)
    {
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            var row = i / k;
            var p = i - row * k;
            var dyRow = row * n;
            var wRow = p * n;
            var acc = 0f;
            for (var j = 0; j < n; j++)
            {
                acc += dy[dyRow + j] * w[wRow + j];
            }
            dx[i] = accumulate != 0 ? dx[i] + acc : acc;
        }
    }

    /// <summary>Scalar reference of <see cref="BackwardInput"/>.</summary>
    public static void BackwardInputReference(
        ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, int m, int k, int n, bool accumulate)
    {
        for (var row = 0; row < m; row++)
        {
            for (var p = 0; p < k; p++)
            {
                var acc = accumulate ? dx[row * k + p] : 0.0;
                for (var j = 0; j < n; j++)
                {
                    acc += (double)dy[row * n + j] * w[p * n + j];
                }
                dx[row * k + p] = (float)acc;
            }
        }
    }

    // ---- backward, weight: dw[K,N] (+)= xᵀ·dy ----------------------------------------------------

    /// <summary>Weight-gradient kernel; work item i = dw element (i / N, i % N), summing over the batch.</summary>
    public static void BackwardWeight(
        Index1D thread, WorkSplit split,
        ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw,
        int m, int k, int n, int accumulate)
    {
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            var p = i / n;
            var col = i - p * n;
            var acc = 0f;
            for (var row = 0; row < m; row++)
            {
                acc += x[row * k + p] * dy[row * n + col];
            }
            dw[i] = accumulate != 0 ? dw[i] + acc : acc;
        }
    }

    /// <summary>Scalar reference of <see cref="BackwardWeight"/>.</summary>
    public static void BackwardWeightReference(
        ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, int m, int k, int n, bool accumulate)
    {
        for (var p = 0; p < k; p++)
        {
            for (var col = 0; col < n; col++)
            {
                var acc = accumulate ? dw[p * n + col] : 0.0;
                for (var row = 0; row < m; row++)
                {
                    acc += (double)x[row * k + p] * dy[row * n + col];
                }
                dw[p * n + col] = (float)acc;
            }
        }
    }

    // ---- backward, bias: db[N] (+)= Σ_m dy[m,N] ----------------------------------------------------

    /// <summary>Bias-gradient kernel; work item i = db[i], the reduction of column i over the batch.</summary>
    public static void BackwardBias(
        Index1D thread, WorkSplit split,
        ArrayView<float> dy, ArrayView<float> db,
        int m, int n, int accumulate)
    {
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            var acc = 0f;
            for (var row = 0; row < m; row++)
            {
                acc += dy[row * n + i];
            }
            db[i] = accumulate != 0 ? db[i] + acc : acc;
        }
    }

    /// <summary>Scalar reference of <see cref="BackwardBias"/>.</summary>
    public static void BackwardBiasReference(ReadOnlySpan<float> dy, Span<float> db, int m, int n, bool accumulate)
    {
        for (var col = 0; col < n; col++)
        {
            var acc = accumulate ? db[col] : 0.0;
            for (var row = 0; row < m; row++)
            {
                acc += dy[row * n + col];
            }
            db[col] = (float)acc;
        }
    }
}
