using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CrossPropertyILGPU.Kernels.Backends.Cpu;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Kernels.Ops;

namespace CrossPropertyILGPU.Kernels.Backends;

/// <summary>
/// The production CPU backend: host <see cref="float"/> arrays, the three dense products on a
/// packed, register-blocked SGEMM (<see cref="Sgemm"/>: AVX-512, AVX2 or 128-bit, chosen at run
/// time) with bias and ReLU fused into it, elementwise ops as vector loops, and a persistent pool
/// of worker threads (<see cref="CpuWorkerPool"/>) so ops are split across cores without handing
/// work to the .NET thread pool (docs/ILGPU.md §3: ILGPU's CPU accelerator is a simulator, 40–60×
/// slower than managed SIMD).
/// <para>
/// Nothing is allocated per op once a model's shapes have been seen: every op fills a job object
/// the backend keeps, and the packing scratch of each worker grows only when a larger shape comes.
/// </para>
/// <para>
/// Deterministic: every output element is computed by exactly one chunk, with the same operations
/// in the same order whichever chunk, tile or tail it falls in (the GEMM: one fused multiply-add per
/// k in ascending k for every element, edge tiles included). Results are therefore bit-identical
/// from run to run, for any <see cref="MaxDegreeOfParallelism"/>, and for a sample whatever else is
/// in its batch. They may differ in the last bits between machines with different vector widths
/// (the reductions of the loss and bias gradient group differently). Dropout draws
/// <see cref="DropoutMask"/> exactly as the ILGPU kernels do, and the loss sum is a serial float sum
/// in index order, like the ILGPU kernel's.
/// </para>
/// </summary>
public sealed class ManagedCpuBackend : ComputeBackend
{
    /// <summary>
    /// Least work (in flops) a parallel chunk gets: handing a chunk to another core costs about a
    /// microsecond even with spinning workers, so smaller ops run on the calling thread.
    /// </summary>
    internal const long MinChunkFlops = 64 * 1024;

    // Elementwise ops: up to this many chunks per thread, so a thread delayed by another process
    // does not hold the whole op up while the others idle.
    private const int ChunksPerThread = 4;

    // About three 64-bit multiplies and a dozen shifts and xors per element.
    private const double DropoutFlops = 16;

    private static readonly int Lanes = Vector<float>.Count;

    private readonly int _gemmLanes;
    private readonly GemmJob _gemm;
    private readonly ElementwiseJob _elementwise;
    private readonly float[][] _packedA;
    private readonly float[][] _packedB;
    private CpuWorkerPool? _pool;

    /// <summary>Creates the backend using every logical core.</summary>
    public ManagedCpuBackend()
        : this(Environment.ProcessorCount)
    {
    }

    /// <summary>Creates the backend using at most <paramref name="maxDegreeOfParallelism"/> threads per op.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDegreeOfParallelism"/> is below 1.</exception>
    public ManagedCpuBackend(int maxDegreeOfParallelism)
        : this(maxDegreeOfParallelism, SimdWidth.Lanes)
    {
    }

    /// <summary>Creates the backend with the GEMM at a given vector width (16, 8 or 4 floats), so tests can cover every width the machine has.</summary>
    internal ManagedCpuBackend(int maxDegreeOfParallelism, int gemmLanes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDegreeOfParallelism, 1);
        if (gemmLanes is not (16 or 8 or 4) || gemmLanes > SimdWidth.Lanes)
        {
            throw new ArgumentOutOfRangeException(nameof(gemmLanes), gemmLanes, $"This machine's GEMM widths are 4 … {SimdWidth.Lanes} floats.");
        }
        MaxDegreeOfParallelism = maxDegreeOfParallelism;
        _gemmLanes = gemmLanes;
        _gemm = new GemmJob(this);
        _elementwise = new ElementwiseJob();
        _packedA = new float[maxDegreeOfParallelism][];
        _packedB = new float[maxDegreeOfParallelism][];
        Device = Describe(maxDegreeOfParallelism);
    }

    /// <inheritdoc />
    public override DeviceInfo Device { get; }

    /// <summary>Most threads one op uses.</summary>
    public int MaxDegreeOfParallelism { get; }

    /// <summary>When set, every op adds its time and work here (for the benchmarks' step profile).</summary>
    public CpuOpProfile? Profile { get; set; }

    /// <summary>The <see cref="DeviceInfo"/> of a managed CPU backend using <paramref name="maxDegreeOfParallelism"/> threads.</summary>
    internal static DeviceInfo Describe(int maxDegreeOfParallelism) =>
        new(
            DeviceKind.Cpu, BackendFactory.CpuModelName(), 0, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, 1, 1,
            Environment.ProcessorCount,
            $"managed SIMD ({SimdWidth.Name}), {maxDegreeOfParallelism} thread{(maxDegreeOfParallelism == 1 ? "" : "s")}");

    // ---- memory --------------------------------------------------------------------------------

    /// <inheritdoc />
    protected override DeviceBuffer AllocateCore(int length) => new HostBuffer(this, length);

    /// <inheritdoc />
    protected override void UploadCore(BufferView destination, ReadOnlySpan<float> source) => source.CopyTo(Span(destination));

    /// <inheritdoc />
    protected override void DownloadCore(BufferView source, Span<float> destination) => Span(source).CopyTo(destination);

    /// <inheritdoc />
    protected override void SynchronizeCore()
    {
        // Every op has finished when it returns.
    }

    // ---- dense: validation has already run in ComputeBackend ------------------------------------

    /// <inheritdoc />
    protected override void DenseForwardCore(BufferView x, BufferView w, BufferView b, BufferView y, int batch, int inFeatures, int outFeatures, bool relu)
    {
        // y[M,N] = b + x[M,K]·w[K,N], ReLU fused into the last depth block.
        var p = _gemm.Problem;
        p.A = Matrix(x, inFeatures, 1);
        p.B = Matrix(w, outFeatures, 1);
        (p.Bias, p.BiasOffset) = (Array(b), b.Offset);
        RunGemm(CpuOp.DenseForward, y, batch, outFeatures, inFeatures, GemmStart.Bias, relu);
    }

    /// <inheritdoc />
    protected override void DenseBackwardInputCore(BufferView dy, BufferView w, BufferView dx, int batch, int inFeatures, int outFeatures, bool accumulate)
    {
        // dx[M,K] (+)= dy[M,N]·wᵀ: B(p, j) = w[j, p], read through its strides and packed transposed.
        var p = _gemm.Problem;
        p.A = Matrix(dy, outFeatures, 1);
        p.B = Matrix(w, 1, outFeatures);
        RunGemm(CpuOp.DenseInputGradient, dx, batch, inFeatures, outFeatures, accumulate ? GemmStart.Accumulate : GemmStart.Zero, relu: false);
    }

    /// <inheritdoc />
    protected override void DenseBackwardInputMaskedCore(BufferView dy, BufferView w, BufferView mask, BufferView dx, int batch, int inFeatures, int outFeatures, bool accumulate)
    {
        // The input gradient with the producing layer's backward ReLU applied as the GEMM stores
        // each tile: no second pass over dx.
        var p = _gemm.Problem;
        p.A = Matrix(dy, outFeatures, 1);
        p.B = Matrix(w, 1, outFeatures);
        RunGemm(CpuOp.DenseInputGradient, dx, batch, inFeatures, outFeatures, accumulate ? GemmStart.Accumulate : GemmStart.Zero, relu: false, mask);
    }

    /// <inheritdoc />
    protected override void DenseBackwardWeightCore(BufferView x, BufferView dy, BufferView dw, int batch, int inFeatures, int outFeatures, bool accumulate)
    {
        // dw[K,N] (+)= xᵀ·dy: A(i, p) = x[p, i], so depth is the batch.
        var p = _gemm.Problem;
        p.A = Matrix(x, 1, inFeatures);
        p.B = Matrix(dy, outFeatures, 1);
        RunGemm(CpuOp.DenseWeightGradient, dw, inFeatures, outFeatures, batch, accumulate ? GemmStart.Accumulate : GemmStart.Zero, relu: false);
    }

    /// <inheritdoc />
    protected override void DenseBackwardBiasCore(BufferView dy, BufferView db, int batch, int outFeatures, bool accumulate)
    {
        var job = _elementwise.Set(ElementwiseKind.BiasGradient, dy, db, default, default, outFeatures, accumulate);
        job.Rows = batch;
        RunElementwise(CpuOp.DenseBiasGradient, outFeatures, batch, 4.0 * batch);
    }

    // ---- elementwise ----------------------------------------------------------------------------
    // Each chunk reads element i of every input before writing element i of the output, so an output
    // that is exactly an input (the only aliasing validation lets through) is safe.

    /// <inheritdoc />
    protected override void ReluBackwardCore(BufferView y, BufferView dy, BufferView dx, bool accumulate)
    {
        _elementwise.Set(ElementwiseKind.ReluBackward, y, dy, dx, default, dx.Length, accumulate);
        RunElementwise(CpuOp.Relu, dx.Length, 2, accumulate ? 16 : 12);
    }

    /// <inheritdoc />
    protected override void DropoutForwardCore(BufferView x, BufferView y, float keepProbability, ulong seed, ulong trainingStep) =>
        ApplyDropoutMask(x, y, keepProbability, seed, trainingStep, accumulate: false);

    /// <inheritdoc />
    protected override void DropoutBackwardCore(BufferView dy, BufferView dx, float keepProbability, ulong seed, ulong trainingStep, bool accumulate) =>
        ApplyDropoutMask(dy, dx, keepProbability, seed, trainingStep, accumulate);

    // Forward (x → y) and backward (dy → dx) apply the same mask and scale; only accumulate differs.
    private void ApplyDropoutMask(BufferView source, BufferView destination, float keepProbability, ulong seed, ulong trainingStep, bool accumulate)
    {
        var job = _elementwise.Set(ElementwiseKind.Dropout, source, destination, default, default, destination.Length, accumulate);
        job.Key = DropoutMask.Key(seed, trainingStep);
        job.Threshold = DropoutMask.Threshold(keepProbability);
        job.Scale = 1f / keepProbability;
        RunElementwise(CpuOp.Dropout, destination.Length, DropoutFlops, accumulate ? 12 : 8);
    }

    /// <inheritdoc />
    protected override void LossCore(LossKind kind, BufferView prediction, BufferView target, BufferView grad, BufferView lossSum, int outputs)
    {
        var started = Profile is null ? 0 : Stopwatch.GetTimestamp();
        var n = prediction.Length;
        var mae = kind == LossKind.Mae;
        var p = Span(prediction);
        var t = Span(target);
        var g = Span(grad);
        var sums = Span(lossSum);
        // n is a batch (≤ 1024 rows for ElemNet): a microsecond of work, on the calling thread.
        if (outputs == 1 && !HasNaN(t))
        {
            // One target, every row labelled (no NaN): the vector loop.
            LossGradient(ref Ref(prediction), ref Ref(target), ref Ref(grad), n, mae, 1f / n);
        }
        else
        {
            // Masked, target by target, with the kernel's float operations: labelled entries get
            // l'(e)/(K·n_k) (the host's 1/(n·K) when all n rows are labelled), unlabelled ones 0.
            var rows = n / outputs;
            var invFull = 1f / n;
            for (var k = 0; k < outputs; k++)
            {
                var labelled = 0;
                for (var i = k; i < n; i += outputs)
                {
                    labelled += float.IsNaN(t[i]) ? 0 : 1;
                }
                var scale = labelled == rows ? invFull : 1f / (labelled * outputs);
                for (var i = k; i < n; i += outputs)
                {
                    var e = p[i] - t[i];
                    g[i] = float.IsNaN(t[i]) ? 0f : (mae ? (e > 0f ? 1f : e < 0f ? -1f : 0f) : 2f * e) * scale;
                }
            }
        }

        // The values: per target one serial float sum in index order over the labelled rows, as the
        // ILGPU kernel's thread 0 takes it, so the two agree bit for bit.
        for (var k = 0; k < outputs; k++)
        {
            var sum = 0f;
            for (var i = k; i < n; i += outputs)
            {
                if (!float.IsNaN(t[i]))
                {
                    var err = p[i] - t[i];
                    sum += mae ? (err < 0f ? -err : err) : err * err;
                }
            }
            sums[k] += sum;
        }
        Profile?.Add(CpuOp.Loss, Stopwatch.GetTimestamp() - started, 12.0 * n);
    }

    /// <inheritdoc />
    protected override void AdamCore(BufferView parameters, BufferView gradients, BufferView firstMoment, BufferView secondMoment, AdamStep update)
    {
        // One pass over the four buffers (16 bytes read and 12 written per parameter: memory-bound).
        // The ILGPU kernel receives α_t as a float; so does this loop, for the same rounding.
        var job = _elementwise.Set(ElementwiseKind.Adam, parameters, gradients, firstMoment, secondMoment, parameters.Length, accumulate: false);
        job.Scale = (float)update.StepSize;
        (job.Beta1, job.Beta2, job.Epsilon) = (update.Beta1, update.Beta2, update.Epsilon);
        RunElementwise(CpuOp.Adam, parameters.Length, 12, 28);
    }

    /// <inheritdoc />
    protected override void DecayTowardCore(BufferView parameters, BufferView anchor, float rate)
    {
        _elementwise.Set(ElementwiseKind.Decay, parameters, anchor, default, default, parameters.Length, accumulate: false).Scale = rate;
        RunElementwise(CpuOp.Adam, parameters.Length, 3, 12);
    }

    /// <inheritdoc />
    protected override void FillCore(BufferView destination, float value)
    {
        _elementwise.Set(ElementwiseKind.Fill, destination, default, default, default, destination.Length, accumulate: false).Scale = value;
        RunElementwise(CpuOp.FillCopy, destination.Length, 1, 4);
    }

    /// <inheritdoc />
    protected override void CopyCore(BufferView source, BufferView destination)
    {
        _elementwise.Set(ElementwiseKind.Copy, source, destination, default, default, destination.Length, accumulate: false);
        RunElementwise(CpuOp.FillCopy, destination.Length, 1, 8);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pool?.Dispose();
        }
    }

    // ---- running ops ------------------------------------------------------------------------------

    /// <summary>Runs the GEMM set up in <see cref="GemmJob.Problem"/> into <paramref name="c"/>: C[m,n] (start)= A·B over depth k, then ReLU or the <paramref name="mask"/> (laid out like C) when given.</summary>
    private void RunGemm(CpuOp op, BufferView c, int m, int n, int k, GemmStart start, bool relu, BufferView mask = default)
    {
        var started = Profile is null ? 0 : Stopwatch.GetTimestamp();
        var p = _gemm.Problem;
        (p.C, p.COffset, p.M, p.N, p.K, p.Start, p.Relu) = (Array(c), c.Offset, m, n, k, start, relu);
        (p.Mask, p.MaskOffset) = mask.Buffer is null ? (null, 0) : (Array(mask), mask.Offset);
        var strips = Sgemm.Strips(n, _gemmLanes);
        // Column chunks: each packs its own part of B and all of A, so more chunks than threads
        // would only repeat A's packing.
        var chunks = (int)Math.Min(strips, Math.Min(MaxDegreeOfParallelism, 2.0 * m * n * k / MinChunkFlops));
        chunks = Math.Max(1, chunks);
        _gemm.Strips = strips;
        var stripsPerChunk = (strips + chunks - 1) / chunks;
        var packedB = Sgemm.PackedBFloats(stripsPerChunk * Sgemm.NR(_gemmLanes), _gemmLanes);
        // Any worker of the pool may claim a chunk, so each that can run needs its scratch.
        for (var worker = 0; worker < (chunks > 1 ? MaxDegreeOfParallelism : 1); worker++)
        {
            _packedA[worker] ??= new float[Sgemm.PackedAFloats];
            if (_packedB[worker] is null || _packedB[worker].Length < packedB)
            {
                _packedB[worker] = new float[packedB];
            }
        }
        Run(_gemm, chunks);
        Profile?.Add(op, Stopwatch.GetTimestamp() - started, 2.0 * m * n * k);
    }

    /// <summary>Runs the elementwise job set up in <see cref="_elementwise"/> over <paramref name="count"/> items (work for the profile: <paramref name="bytesPerItem"/>).</summary>
    private void RunElementwise(CpuOp op, int count, double flopsPerItem, double bytesPerItem)
    {
        var started = Profile is null ? 0 : Stopwatch.GetTimestamp();
        var grains = ((long)count + Lanes - 1) / Lanes;
        var chunks = 1;
        if (MaxDegreeOfParallelism > 1)
        {
            var most = Math.Min(grains, (long)MaxDegreeOfParallelism * ChunksPerThread);
            chunks = (int)Math.Max(1, Math.Min(most, (long)(flopsPerItem * count / MinChunkFlops)));
        }
        if (count > 0)
        {
            Run(_elementwise, chunks);
        }
        Profile?.Add(op, Stopwatch.GetTimestamp() - started, bytesPerItem * count);
    }

    private void Run(CpuJob job, int chunks)
    {
        if (chunks <= 1)
        {
            job.Execute(0, 1, 0);
            return;
        }
        var pool = _pool ??= new CpuWorkerPool(MaxDegreeOfParallelism);
        pool.Run(job, chunks);
    }

    /// <summary>Start of chunk <paramref name="chunk"/> of <paramref name="chunks"/> over [0, count), on a <paramref name="grain"/> boundary.</summary>
    private static int Bound(int chunk, int chunks, int count, int grain)
    {
        var grains = ((long)count + grain - 1) / grain;
        return (int)Math.Min(count, chunk * grains / chunks * grain);
    }

    /// <summary>One GEMM in column-strip chunks, each with its worker's packing scratch.</summary>
    private sealed class GemmJob(ManagedCpuBackend owner) : CpuJob
    {
        public GemmProblem Problem { get; } = new();

        public int Strips { get; set; }

        public override void Execute(int chunk, int chunks, int worker) =>
            Sgemm.RunChunk(
                Problem, Bound(chunk, chunks, Strips, 1), Bound(chunk + 1, chunks, Strips, 1), owner._gemmLanes,
                owner._packedA[worker], owner._packedB[worker]);
    }

    private enum ElementwiseKind
    {
        ReluBackward,
        Dropout,
        Adam,
        Decay,
        Fill,
        Copy,
        BiasGradient,
    }

    /// <summary>
    /// Every elementwise op as one job: the op's kind, its operand views and scalars, and the number
    /// of items (elements, or columns for the bias gradient), split into contiguous chunks.
    /// </summary>
    private sealed class ElementwiseJob : CpuJob
    {
        private ElementwiseKind _kind;
        private BufferView _a;
        private BufferView _b;
        private BufferView _c;
        private BufferView _d;
        private int _count;
        private bool _accumulate;

        public ulong Key { get; set; }

        public uint Threshold { get; set; }

        public float Scale { get; set; }

        public float Beta1 { get; set; }

        public float Beta2 { get; set; }

        public float Epsilon { get; set; }

        public int Rows { get; set; }

        public ElementwiseJob Set(ElementwiseKind kind, BufferView a, BufferView b, BufferView c, BufferView d, int count, bool accumulate)
        {
            (_kind, _a, _b, _c, _d, _count, _accumulate) = (kind, a, b, c, d, count, accumulate);
            return this;
        }

        public override void Execute(int chunk, int chunks, int worker)
        {
            var s = Bound(chunk, chunks, _count, Lanes);
            var n = Bound(chunk + 1, chunks, _count, Lanes) - s;
            if (n <= 0)
            {
                return;
            }
            switch (_kind)
            {
                case ElementwiseKind.ReluBackward:
                    ReluMask(ref At(_a, s), ref At(_b, s), ref At(_c, s), n, _accumulate);
                    break;
                case ElementwiseKind.Dropout:
                    DropoutSpan(ref At(_a, s), ref At(_b, s), s, n, Key, Threshold, Scale, _accumulate);
                    break;
                case ElementwiseKind.Adam:
                    AdamUpdate(ref At(_a, s), ref At(_b, s), ref At(_c, s), ref At(_d, s), n, Scale, Beta1, Beta2, Epsilon);
                    break;
                case ElementwiseKind.Decay:
                    DecayToward(ref At(_a, s), ref At(_b, s), n, Scale);
                    break;
                case ElementwiseKind.Fill:
                    MemoryMarshal.CreateSpan(ref At(_a, s), n).Fill(Scale);
                    break;
                case ElementwiseKind.Copy:
                    MemoryMarshal.CreateReadOnlySpan(ref At(_a, s), n).CopyTo(MemoryMarshal.CreateSpan(ref At(_b, s), n));
                    break;
                case ElementwiseKind.BiasGradient:
                    BiasGradient(ref At(_a, s), ref At(_b, s), Rows, _count, n, _accumulate);
                    break;
            }
        }

        private static ref float At(BufferView view, int index) => ref Unsafe.Add(ref Ref(view), index);
    }

    // ---- SIMD loops -------------------------------------------------------------------------------
    // They take refs to the first element and lengths that validation has already checked against
    // the views, so the inner loops carry no bounds checks. Every vector loop has a scalar tail that
    // performs the same float operations in the same order as one lane.

    /// <summary>db[j] (+)= Σ_r dy[r, j] for the columns of a chunk, rows in order (dy streams in memory order).</summary>
    private static void BiasGradient(ref float dy, ref float db, int rows, int stride, int count, bool accumulate)
    {
        if (!accumulate)
        {
            MemoryMarshal.CreateSpan(ref db, count).Clear();
        }
        for (var r = 0; r < rows; r++)
        {
            AddRow(ref Unsafe.Add(ref dy, (nint)r * stride), ref db, count);
        }
    }

    /// <summary>
    /// Dropout over items [first, first+count): y (+)= keep(i) ? x·scale : 0. With 64-bit vector
    /// multiplies (AVX-512DQ) the counter hash runs 8 lanes at a time; the draw is the scalar
    /// <see cref="DropoutMask.Uniform24(ulong, int)"/> bit for bit.
    /// </summary>
    private static void DropoutSpan(ref float x, ref float y, int first, int count, ulong key, uint threshold, float scale, bool accumulate)
    {
        var j = 0;
        if (Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512DQ.IsSupported)
        {
            var laneIndex = Vector512.Create(1UL, 2, 3, 4, 5, 6, 7, 8);
            var (limit, factor) = (Vector512.Create(threshold), Vector512.Create(scale));
            for (; j + 16 <= count; j += 16)
            {
                var base0 = (ulong)(uint)(first + j);
                var low = DropoutMask.Uniform24(key, Vector512.Create(base0) + laneIndex);
                var high = DropoutMask.Uniform24(key, Vector512.Create(base0 + 8) + laneIndex);
                var keep = Vector512.LessThan(Vector512.Narrow(low, high), limit).AsSingle();
                var value = Vector512.ConditionalSelect(keep, Vector512.LoadUnsafe(ref x, (nuint)j) * factor, Vector512<float>.Zero);
                (accumulate ? Vector512.LoadUnsafe(ref y, (nuint)j) + value : value).StoreUnsafe(ref y, (nuint)j);
            }
        }
        for (; j < count; j++)
        {
            var value = DropoutMask.Keeps(key, first + j, threshold) ? Unsafe.Add(ref x, j) * scale : 0f;
            Store(ref Unsafe.Add(ref y, j), value, accumulate);
        }
    }

    private static void Store(ref float destination, float value, bool accumulate) =>
        destination = accumulate ? destination + value : value;

    /// <summary>destination[j] += source[j].</summary>
    private static void AddRow(ref float source, ref float destination, int count)
    {
        var n = (nuint)count;
        nuint j = 0;
        for (; j + (nuint)Lanes <= n; j += (nuint)Lanes)
        {
            (Vector.LoadUnsafe(ref destination, j) + Vector.LoadUnsafe(ref source, j)).StoreUnsafe(ref destination, j);
        }
        for (; j < n; j++)
        {
            Unsafe.Add(ref destination, j) += Unsafe.Add(ref source, j);
        }
    }

    /// <summary>dx (+)= y &gt; 0 ? dy : 0.</summary>
    private static void ReluMask(ref float y, ref float dy, ref float dx, int count, bool accumulate)
    {
        var n = (nuint)count;
        nuint j = 0;
        for (; j + (nuint)Lanes <= n; j += (nuint)Lanes)
        {
            var g = Vector.ConditionalSelect(
                Vector.GreaterThan(Vector.LoadUnsafe(ref y, j), Vector<float>.Zero), Vector.LoadUnsafe(ref dy, j), Vector<float>.Zero);
            (accumulate ? Vector.LoadUnsafe(ref dx, j) + g : g).StoreUnsafe(ref dx, j);
        }
        for (; j < n; j++)
        {
            var g = Unsafe.Add(ref y, j) > 0f ? Unsafe.Add(ref dy, j) : 0f;
            Store(ref Unsafe.Add(ref dx, j), g, accumulate);
        }
    }

    private static bool HasNaN(ReadOnlySpan<float> values)
    {
        foreach (var v in values)
        {
            if (float.IsNaN(v))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>grad = (MAE ? sign(e) : 2e)·invN with e = prediction − target and sign(0) = sign(NaN) = 0, as the kernel.</summary>
    private static void LossGradient(ref float prediction, ref float target, ref float grad, int count, bool mae, float invN)
    {
        var scale = new Vector<float>(invN);
        var (one, zero) = (Vector<float>.One, Vector<float>.Zero);
        var n = (nuint)count;
        nuint j = 0;
        for (; j + (nuint)Lanes <= n; j += (nuint)Lanes)
        {
            var e = Vector.LoadUnsafe(ref prediction, j) - Vector.LoadUnsafe(ref target, j);
            var g = mae
                ? Vector.ConditionalSelect(Vector.GreaterThan(e, zero), one, Vector.ConditionalSelect(Vector.LessThan(e, zero), -one, zero))
                : new Vector<float>(2f) * e;
            (g * scale).StoreUnsafe(ref grad, j);
        }
        for (; j < n; j++)
        {
            var e = Unsafe.Add(ref prediction, j) - Unsafe.Add(ref target, j);
            var g = mae ? (e > 0f ? 1f : e < 0f ? -1f : 0f) : 2f * e;
            Unsafe.Add(ref grad, j) = g * invN;
        }
    }

    /// <summary>The kernel's Adam update, operation for operation in float (MathF.Sqrt and Vector.SquareRoot are both IEEE-exact).</summary>
    private static void AdamUpdate(
        ref float parameters, ref float gradients, ref float firstMoment, ref float secondMoment, int count,
        float stepSize, float beta1, float beta2, float epsilon)
    {
        var (b1, c1) = (new Vector<float>(beta1), new Vector<float>(1f - beta1));
        var (b2, c2) = (new Vector<float>(beta2), new Vector<float>(1f - beta2));
        var (alpha, eps) = (new Vector<float>(stepSize), new Vector<float>(epsilon));
        var n = (nuint)count;
        nuint j = 0;
        for (; j + (nuint)Lanes <= n; j += (nuint)Lanes)
        {
            var g = Vector.LoadUnsafe(ref gradients, j);
            var m = (b1 * Vector.LoadUnsafe(ref firstMoment, j)) + (c1 * g);
            var v = (b2 * Vector.LoadUnsafe(ref secondMoment, j)) + (c2 * g * g);
            m.StoreUnsafe(ref firstMoment, j);
            v.StoreUnsafe(ref secondMoment, j);
            (Vector.LoadUnsafe(ref parameters, j) - (alpha * m / (Vector.SquareRoot(v) + eps))).StoreUnsafe(ref parameters, j);
        }
        for (; j < n; j++)
        {
            var g = Unsafe.Add(ref gradients, j);
            var m = (beta1 * Unsafe.Add(ref firstMoment, j)) + ((1f - beta1) * g);
            var v = (beta2 * Unsafe.Add(ref secondMoment, j)) + ((1f - beta2) * g * g);
            Unsafe.Add(ref firstMoment, j) = m;
            Unsafe.Add(ref secondMoment, j) = v;
            Unsafe.Add(ref parameters, j) -= stepSize * m / (MathF.Sqrt(v) + epsilon);
        }
    }

    /// <summary>The kernel's decay p ← p − rate·(p − anchor), operation for operation in float.</summary>
    private static void DecayToward(ref float parameters, ref float anchor, int count, float rate)
    {
        var r = new Vector<float>(rate);
        var n = (nuint)count;
        nuint j = 0;
        for (; j + (nuint)Lanes <= n; j += (nuint)Lanes)
        {
            var p = Vector.LoadUnsafe(ref parameters, j);
            (p - (r * (p - Vector.LoadUnsafe(ref anchor, j)))).StoreUnsafe(ref parameters, j);
        }
        for (; j < n; j++)
        {
            var p = Unsafe.Add(ref parameters, j);
            Unsafe.Add(ref parameters, j) = p - (rate * (p - Unsafe.Add(ref anchor, j)));
        }
    }

    // ---- buffers ----------------------------------------------------------------------------------

    private static float[] Array(BufferView view) => ((HostBuffer)view.Buffer).Data;

    private static StridedMatrix Matrix(BufferView view, int rowStride, int columnStride) =>
        new(Array(view), view.Offset, rowStride, columnStride);

    private static Span<float> Span(BufferView view) => Array(view).AsSpan(view.Offset, view.Length);

    /// <summary>The first float of <paramref name="view"/>.</summary>
    private static ref float Ref(BufferView view) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Array(view)), view.Offset);

    private sealed class HostBuffer(ManagedCpuBackend owner, int length) : DeviceBuffer(owner, length)
    {
        public float[] Data { get; } = new float[length];

        protected override void Dispose(bool disposing)
        {
        }
    }
}
