using ILGPU;

namespace CrossPropertyILGPU.Kernels.Ops;

/// <summary>
/// Dense (fully connected) layer, forward and backward. Shapes, row-major:
/// x [M,K] input batch · w [K,N] weight (Keras kernel layout, in × out) · b [N] bias ·
/// y [M,N] output; dy, dx, dw, db are the gradients of the same shapes. M = batch,
/// K = in-features, N = out-features.
/// <para>
/// The three products are one tiled, register-blocked GEMM (<see cref="GemmTileLoop"/>) with the
/// operands read in place — x·w, dy·wᵀ, xᵀ·dy, no transposed copies — and the rest of the op
/// fused into the epilogue, so each is one launch:
/// <list type="bullet">
/// <item>forward: + bias, optional ReLU;</item>
/// <item>input gradient: optional accumulation, optional mask [x &gt; 0] — the backward ReLU of the
/// layer that produced x, which then needs no launch of its own;</item>
/// <item>parameter gradients: dw and db together — xᵀ gets an extra row of ones, whose output row
/// is Σ_m dy[m, :].</item>
/// </list>
/// Kernels are generic over the block tile, micro-tile and schedule (<see cref="GemmTileConfiguration"/>):
/// large tiles on CUDA, one-thread or two-thread tiles on ILGPU's CPU accelerator; the schedule is
/// the SGEMM variant (<see cref="GemmVariant"/>). vector != 0 (set by the host when every operand
/// view starts 16-byte aligned and K and N are multiples of 4) lets the vectorised schedules read
/// operands as <see cref="Float4"/>; otherwise they fall back to scalar loads. Every output is
/// summed over p in increasing order by one thread: deterministic, no atomics.
/// </para>
/// Beside each kernel is its scalar reference (double accumulation), the test oracle.
/// </summary>
public static class DenseKernels
{
    // ---- forward: y[M,N] = x[M,K]·w[K,N] + b[N], optional fused ReLU -----------------------------

    /// <summary>
    /// Forward kernel; grid (⌈N/BN⌉, ⌈M/BM⌉), group <see cref="GemmTileLoop.Threads{TTile, TMicro}"/>.
    /// relu != 0 fuses max(·, 0).
    /// </summary>
    public static void TiledForward<TTile, TMicro, TSchedule>(
        ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        int m, int k, int n, int relu, int vector)
        where TTile : struct, IGemmTile
        where TMicro : struct, IMicroTile
        where TSchedule : struct, IGemmSchedule
    {
        var aShared = SharedMemory.Allocate<float>(default(TSchedule).Buffers * default(TTile).SharedA);
        var bShared = SharedMemory.Allocate<float>(default(TSchedule).Buffers * default(TTile).SharedB);
        var acc = GemmTileLoop.Multiply<TTile, TMicro, TSchedule, RowMajorOperand, RowMajorOperand>(
            new RowMajorOperand(x, m, k, vector), new RowMajorOperand(w, k, n, vector), aShared, bShared, Grid.IdxY, Grid.IdxX, Group.IdxX);
        GemmTileLoop.Store<TTile, TMicro, TSchedule, ForwardEpilogue>(acc, new ForwardEpilogue(b, y, m, n, relu), Grid.IdxY, Grid.IdxX, Group.IdxX);
    }

    private readonly struct ForwardEpilogue(ArrayView<float> bias, ArrayView<float> y, int rows, int columns, int relu) : IGemmEpilogue
    {
        private readonly ArrayView<float> _bias = bias;
        private readonly ArrayView<float> _y = y;
        private readonly int _rows = rows;
        private readonly int _columns = columns;
        private readonly int _relu = relu;

        public void Store(int row, int column, float value)
        {
            if (row < _rows && column < _columns)
            {
                var v = value + _bias[column];
                _y[row * _columns + column] = _relu != 0 && v < 0f ? 0f : v;
            }
        }
    }

    /// <summary>Scalar reference of <see cref="TiledForward{TTile, TMicro, TSchedule}"/>.</summary>
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

    /// <summary>
    /// y[i] = y[i] + b[i % N], then ReLU when relu != 0: the forward's epilogue as its own launch, for
    /// a GEMM that cannot fuse it (cuBLAS). y is [M,N].
    /// </summary>
    public static void BiasActivation(
        Index1D thread, WorkSplit split,
        ArrayView<float> b, ArrayView<float> y, int n, int relu)
    {
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            var v = y[i] + b[i % n];
            y[i] = relu != 0 && v < 0f ? 0f : v;
        }
    }

    /// <summary>Scalar reference of <see cref="BiasActivation"/>.</summary>
    public static void BiasActivationReference(ReadOnlySpan<float> b, Span<float> y, int n, bool relu)
    {
        for (var i = 0; i < y.Length; i++)
        {
            var v = y[i] + b[i % n];
            y[i] = relu && v < 0f ? 0f : v;
        }
    }

    // ---- backward, input: dx[M,K] = mask ⊙ (dx (if accumulating) + dy[M,N]·wᵀ) ---------------------

    /// <summary>
    /// Input-gradient kernel; grid (⌈K/BN⌉, ⌈M/BM⌉). accumulate != 0 adds to dx; useMask != 0 then
    /// zeroes the elements where mask[M,K] ≤ 0 (mask is x, the ReLU output of the previous layer).
    /// </summary>
    public static void TiledBackwardInput<TTile, TMicro, TSchedule>(
        ArrayView<float> dy, ArrayView<float> w, ArrayView<float> mask, ArrayView<float> dx,
        int m, int k, int n, int accumulate, int useMask, int vector)
        where TTile : struct, IGemmTile
        where TMicro : struct, IMicroTile
        where TSchedule : struct, IGemmSchedule
    {
        var aShared = SharedMemory.Allocate<float>(default(TSchedule).Buffers * default(TTile).SharedA);
        var bShared = SharedMemory.Allocate<float>(default(TSchedule).Buffers * default(TTile).SharedB);
        // wᵀ [N,K] read in place from w [K,N]: element (p, j) at j·N + p.
        var acc = GemmTileLoop.Multiply<TTile, TMicro, TSchedule, RowMajorOperand, TransposedOperand>(
            new RowMajorOperand(dy, m, n, vector), new TransposedOperand(w, n, n, k, vector), aShared, bShared, Grid.IdxY, Grid.IdxX, Group.IdxX);
        GemmTileLoop.Store<TTile, TMicro, TSchedule, InputGradientEpilogue>(
            acc, new InputGradientEpilogue(mask, dx, m, k, accumulate, useMask), Grid.IdxY, Grid.IdxX, Group.IdxX);
    }

    private readonly struct InputGradientEpilogue(ArrayView<float> mask, ArrayView<float> dx, int rows, int columns, int accumulate, int useMask) : IGemmEpilogue
    {
        private readonly ArrayView<float> _mask = mask;
        private readonly ArrayView<float> _dx = dx;
        private readonly int _rows = rows;
        private readonly int _columns = columns;
        private readonly int _accumulate = accumulate;
        private readonly int _useMask = useMask;

        public void Store(int row, int column, float value)
        {
            if (row < _rows && column < _columns)
            {
                var i = row * _columns + column;
                var v = _accumulate != 0 ? _dx[i] + value : value;
                _dx[i] = _useMask != 0 && !(_mask[i] > 0f) ? 0f : v;
            }
        }
    }

    /// <summary>Scalar reference of <see cref="TiledBackwardInput{TTile, TMicro, TSchedule}"/> without the mask.</summary>
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

    /// <summary>Scalar reference of <see cref="TiledBackwardInput{TTile, TMicro, TSchedule}"/> with the mask [mask &gt; 0] on the total.</summary>
    public static void BackwardInputMaskedReference(
        ReadOnlySpan<float> dy, ReadOnlySpan<float> w, ReadOnlySpan<float> mask, Span<float> dx, int m, int k, int n, bool accumulate)
    {
        BackwardInputReference(dy, w, dx, m, k, n, accumulate);
        for (var i = 0; i < dx.Length; i++)
        {
            dx[i] = mask[i] > 0f ? dx[i] : 0f;
        }
    }

    // ---- backward, parameters: dw[K,N] (+)= xᵀ·dy and db[N] (+)= Σ_m dy[m,N] ------------------------

    /// <summary>
    /// Weight- and bias-gradient kernel: the GEMM [xᵀ; 1ᵀ]·dy with K + 1 output rows when
    /// withBias != 0 (row K is db), K rows otherwise; grid (⌈N/BN⌉, ⌈(K+1)/BM⌉).
    /// accumulateWeight / accumulateBias != 0 add to dw / db instead of overwriting.
    /// </summary>
    public static void TiledBackwardParameters<TTile, TMicro, TSchedule>(
        ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, ArrayView<float> db,
        int m, int k, int n, int withBias, int accumulateWeight, int accumulateBias, int vector)
        where TTile : struct, IGemmTile
        where TMicro : struct, IMicroTile
        where TSchedule : struct, IGemmSchedule
    {
        var aShared = SharedMemory.Allocate<float>(default(TSchedule).Buffers * default(TTile).SharedA);
        var bShared = SharedMemory.Allocate<float>(default(TSchedule).Buffers * default(TTile).SharedB);
        // xᵀ [K(+1), M] read in place from x [M,K]; the extra row reads as ones.
        var acc = GemmTileLoop.Multiply<TTile, TMicro, TSchedule, TransposedOperand, RowMajorOperand>(
            new TransposedOperand(x, k, withBias != 0 ? k + 1 : k, m, vector), new RowMajorOperand(dy, m, n, vector),
            aShared, bShared, Grid.IdxY, Grid.IdxX, Group.IdxX);
        GemmTileLoop.Store<TTile, TMicro, TSchedule, ParameterGradientEpilogue>(
            acc, new ParameterGradientEpilogue(dw, db, k, n, withBias, accumulateWeight, accumulateBias), Grid.IdxY, Grid.IdxX, Group.IdxX);
    }

    private readonly struct ParameterGradientEpilogue(
        ArrayView<float> dw, ArrayView<float> db, int k, int n, int withBias, int accumulateWeight, int accumulateBias) : IGemmEpilogue
    {
        private readonly ArrayView<float> _dw = dw;
        private readonly ArrayView<float> _db = db;
        private readonly int _k = k;
        private readonly int _n = n;
        private readonly int _withBias = withBias;
        private readonly int _accumulateWeight = accumulateWeight;
        private readonly int _accumulateBias = accumulateBias;

        public void Store(int row, int column, float value)
        {
            if (column >= _n)
            {
                return;
            }
            if (row < _k)
            {
                var i = row * _n + column;
                _dw[i] = _accumulateWeight != 0 ? _dw[i] + value : value;
            }
            else if (row == _k && _withBias != 0)
            {
                _db[column] = _accumulateBias != 0 ? _db[column] + value : value;
            }
        }
    }

    /// <summary>Scalar reference of the weight half of <see cref="TiledBackwardParameters{TTile, TMicro, TSchedule}"/>.</summary>
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

    // ---- backward, bias alone: db[N] (+)= Σ_m dy[m,N] ------------------------------------------------

    /// <summary>
    /// Bias-gradient kernel; work item i = db[i], the reduction of column i over the batch. The
    /// training step gets db from <see cref="TiledBackwardParameters{TTile, TMicro, TSchedule}"/>; this serves the
    /// stand-alone op and the cuBLAS path.
    /// </summary>
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

    /// <summary>Scalar reference of <see cref="BackwardBias"/> and of the bias half of <see cref="TiledBackwardParameters{TTile, TMicro, TSchedule}"/>.</summary>
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
