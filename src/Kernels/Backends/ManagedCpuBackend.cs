using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Kernels.Ops;

namespace CrossPropertyILGPU.Kernels.Backends;

/// <summary>
/// The production CPU backend: host <see cref="float"/> arrays, every op a
/// <see cref="Vector{T}"/> loop, and <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>
/// over contiguous chunks of the output once an op is large enough to pay for the hand-off
/// (ILGPU.md §3: managed SIMD is 20–60× faster than ILGPU's CPU accelerator on the same machine).
/// <para>
/// Dense ops are GEMMs in the i-k-j (row-axpy) order, vectorised over the output columns, four
/// rows and four k at a time, on weight panels narrow enough to stay in L2 while the batch streams
/// past them; the input gradient is four vectorised dot products at a time against weight rows that
/// stay in L1. Single-threaded on the 1024×1024 layer at batch 32 that is about 40–55 GFLOP/s on a
/// Zen 4 core (AVX-512 machine, 256-bit vectors); register-blocked tiles are a later step.
/// </para>
/// <para>
/// Deterministic: every output element is computed by exactly one chunk, with the same operations
/// in the same order whichever chunk, vector lane or scalar tail it falls in (multiply then add,
/// never a fused multiply-add in one place and not the other). Results are therefore bit-identical
/// from run to run and for any <see cref="MaxDegreeOfParallelism"/>. Dropout draws
/// <see cref="DropoutMask"/> exactly as the ILGPU kernels do, and the loss sum is a serial float
/// sum in index order, like the ILGPU kernel's.
/// </para>
/// </summary>
public sealed class ManagedCpuBackend : ComputeBackend
{
    /// <summary>
    /// Least work (in flops) a parallel chunk gets: a <see cref="Parallel.For(int, int, Action{int})"/>
    /// hand-off costs microseconds, so smaller ops run on the calling thread.
    /// </summary>
    internal const long MinChunkFlops = 64 * 1024;

    // Up to this many chunks per thread: more than one, so a thread delayed by another process does
    // not hold the whole op up while the others idle.
    private const int ChunksPerThread = 4;

    // Floats of the B panel (depth rows × panel columns) the GEMM keeps hot while every row of A
    // passes over it: 256 KB, a quarter of a Zen 4 core's L2.
    private const int PanelFloats = 64 * 1024;

    private static readonly int Lanes = Vector<float>.Count;

    private readonly ParallelOptions _parallel;

    /// <summary>Creates the backend using every logical core.</summary>
    public ManagedCpuBackend()
        : this(Environment.ProcessorCount)
    {
    }

    /// <summary>Creates the backend using at most <paramref name="maxDegreeOfParallelism"/> threads per op.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDegreeOfParallelism"/> is below 1.</exception>
    public ManagedCpuBackend(int maxDegreeOfParallelism)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDegreeOfParallelism, 1);
        MaxDegreeOfParallelism = maxDegreeOfParallelism;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        Device = Describe(maxDegreeOfParallelism);
    }

    /// <inheritdoc />
    public override DeviceInfo Device { get; }

    /// <summary>Most threads one op uses.</summary>
    public int MaxDegreeOfParallelism { get; }

    /// <summary>The <see cref="DeviceInfo"/> of a managed CPU backend using <paramref name="maxDegreeOfParallelism"/> threads.</summary>
    internal static DeviceInfo Describe(int maxDegreeOfParallelism)
    {
        var simd = Vector.IsHardwareAccelerated
            ? $"Vector<float> width {Vector<float>.Count}"
            : $"Vector<float> width {Vector<float>.Count}, not hardware-accelerated";
        return new DeviceInfo(
            DeviceKind.Cpu, BackendFactory.CpuModelName(), 0, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, 1, 1,
            Environment.ProcessorCount,
            $"managed SIMD ({simd}), {maxDegreeOfParallelism} thread{(maxDegreeOfParallelism == 1 ? "" : "s")}");
    }

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
        var (k, n) = (inFeatures, outFeatures);
        For2D(batch, n, Lanes, 2.0 * k, (r0, r1, c0, c1) =>
        {
            ref var y0 = ref Ref(y);
            ref var b0 = ref Ref(b);
            for (var r = r0; r < r1; r++)
            {
                CopyRow(ref Unsafe.Add(ref b0, c0), ref At(ref y0, r, n, c0), c1 - c0);
            }
            Gemm(ref At(ref Ref(x), r0, k, 0), k, 1, ref Unsafe.Add(ref Ref(w), c0), n,
                ref At(ref y0, r0, n, c0), n, r1 - r0, k, c1 - c0);
            if (relu)
            {
                for (var r = r0; r < r1; r++)
                {
                    ref var row = ref At(ref y0, r, n, c0);
                    ReluSelect(ref row, ref row, c1 - c0);
                }
            }
        });
    }

    /// <inheritdoc />
    protected override void DenseBackwardInputCore(BufferView dy, BufferView w, BufferView dx, int batch, int inFeatures, int outFeatures, bool accumulate)
    {
        var (k, n) = (inFeatures, outFeatures);
        // Columns of dx are rows of w: split them in fours so each chunk's weight rows stay in L1.
        For2D(batch, k, 4, 2.0 * n, (r0, r1, c0, c1) =>
            BackwardInput(ref Ref(dy), ref Ref(w), ref Ref(dx), k, n, r0, r1, c0, c1, accumulate));
    }

    /// <inheritdoc />
    protected override void DenseBackwardWeightCore(BufferView x, BufferView dy, BufferView dw, int batch, int inFeatures, int outFeatures, bool accumulate)
    {
        var (m, k, n) = (batch, inFeatures, outFeatures);
        // dw[K,N] = xᵀ·dy: the same GEMM with A = xᵀ read through its strides (row step 1, column step K).
        For2D(k, n, Lanes, 2.0 * m, (r0, r1, c0, c1) =>
        {
            ref var dw0 = ref Ref(dw);
            if (!accumulate)
            {
                for (var r = r0; r < r1; r++)
                {
                    MemoryMarshal.CreateSpan(ref At(ref dw0, r, n, c0), c1 - c0).Clear();
                }
            }
            Gemm(ref Unsafe.Add(ref Ref(x), r0), 1, k, ref Unsafe.Add(ref Ref(dy), c0), n,
                ref At(ref dw0, r0, n, c0), n, r1 - r0, m, c1 - c0);
        });
    }

    /// <inheritdoc />
    protected override void DenseBackwardBiasCore(BufferView dy, BufferView db, int batch, int outFeatures, bool accumulate)
    {
        var n = outFeatures;
        For(n, Lanes, batch, (c0, c1) =>
        {
            ref var db0 = ref Unsafe.Add(ref Ref(db), c0);
            ref var dy0 = ref Unsafe.Add(ref Ref(dy), c0);
            if (!accumulate)
            {
                MemoryMarshal.CreateSpan(ref db0, c1 - c0).Clear();
            }
            // Row by row, so dy streams in memory order; each db[j] still adds the batch in order.
            for (var r = 0; r < batch; r++)
            {
                AddRow(ref At(ref dy0, r, n, 0), ref db0, c1 - c0);
            }
        });
    }

    // ---- elementwise ----------------------------------------------------------------------------
    // Each chunk reads element i of every input before writing element i of the output, so an output
    // that is exactly an input (the only aliasing validation lets through) is safe.

    /// <inheritdoc />
    protected override void ReluForwardCore(BufferView x, BufferView y) =>
        For(y.Length, Lanes, 1, (s, e) => ReluSelect(ref Unsafe.Add(ref Ref(x), s), ref Unsafe.Add(ref Ref(y), s), e - s));

    /// <inheritdoc />
    protected override void ReluBackwardCore(BufferView y, BufferView dy, BufferView dx, bool accumulate) =>
        For(dx.Length, Lanes, 2, (s, e) => ReluMask(
            ref Unsafe.Add(ref Ref(y), s), ref Unsafe.Add(ref Ref(dy), s), ref Unsafe.Add(ref Ref(dx), s), e - s, accumulate));

    /// <inheritdoc />
    protected override void DropoutForwardCore(BufferView x, BufferView y, float keepProbability, ulong seed, ulong trainingStep) =>
        ApplyDropoutMask(x, y, keepProbability, seed, trainingStep, accumulate: false);

    /// <inheritdoc />
    protected override void DropoutBackwardCore(BufferView dy, BufferView dx, float keepProbability, ulong seed, ulong trainingStep, bool accumulate) =>
        ApplyDropoutMask(dy, dx, keepProbability, seed, trainingStep, accumulate);

    // Forward (x → y) and backward (dy → dx) apply the same mask and scale; only accumulate differs.
    private void ApplyDropoutMask(BufferView source, BufferView destination, float keepProbability, ulong seed, ulong trainingStep, bool accumulate)
    {
        var key = DropoutMask.Key(seed, trainingStep);
        var threshold = DropoutMask.Threshold(keepProbability);
        var scale = 1f / keepProbability;
        For(destination.Length, Lanes, DropoutFlops, (s, e) =>
        {
            var from = Span(source);
            var to = Span(destination);
            for (var i = s; i < e; i++)
            {
                var value = DropoutMask.Keeps(key, i, threshold) ? from[i] * scale : 0f;
                to[i] = accumulate ? to[i] + value : value;
            }
        });
    }

    /// <inheritdoc />
    protected override void LossCore(LossKind kind, BufferView prediction, BufferView target, BufferView grad, BufferView lossSum)
    {
        var n = prediction.Length;
        var mae = kind == LossKind.Mae;
        var invN = 1f / n;
        For(n, Lanes, 4, (s, e) => LossGradient(
            ref Unsafe.Add(ref Ref(prediction), s), ref Unsafe.Add(ref Ref(target), s), ref Unsafe.Add(ref Ref(grad), s),
            e - s, mae, invN));

        // The value: one serial float sum in index order, as the ILGPU kernel's thread 0 takes it, so
        // the two agree bit for bit; n is a batch (≤ 1024 for ElemNet), a microsecond of work.
        var p = Span(prediction);
        var t = Span(target);
        var sum = 0f;
        for (var i = 0; i < n; i++)
        {
            var err = p[i] - t[i];
            sum += mae ? (err < 0f ? -err : err) : err * err;
        }
        Span(lossSum)[0] += sum;
    }

    /// <inheritdoc />
    protected override void AdamCore(BufferView parameters, BufferView gradients, BufferView firstMoment, BufferView secondMoment, AdamStep update)
    {
        // The ILGPU kernel receives α_t as a float; so does this loop, for the same rounding.
        var stepSize = (float)update.StepSize;
        var (beta1, beta2, epsilon) = (update.Beta1, update.Beta2, update.Epsilon);
        For(parameters.Length, Lanes, 12, (s, e) => AdamUpdate(
            ref Unsafe.Add(ref Ref(parameters), s), ref Unsafe.Add(ref Ref(gradients), s),
            ref Unsafe.Add(ref Ref(firstMoment), s), ref Unsafe.Add(ref Ref(secondMoment), s),
            e - s, stepSize, beta1, beta2, epsilon));
    }

    /// <inheritdoc />
    protected override void FillCore(BufferView destination, float value) =>
        For(destination.Length, Lanes, 1, (s, e) => Span(destination)[s..e].Fill(value));

    /// <inheritdoc />
    protected override void CopyCore(BufferView source, BufferView destination) =>
        For(destination.Length, Lanes, 1, (s, e) => Span(source)[s..e].CopyTo(Span(destination)[s..e]));

    /// <inheritdoc />
    protected override void ScaleCore(BufferView values, float factor) =>
        For(values.Length, Lanes, 1, (s, e) => ScaleInPlace(ref Unsafe.Add(ref Ref(values), s), e - s, factor));

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        // Host arrays only; the GC owns them.
    }

    // ---- work splitting ---------------------------------------------------------------------------

    // About three 64-bit multiplies and a dozen shifts and xors per element.
    private const double DropoutFlops = 16;

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over contiguous chunks of [0, count) whose bounds are
    /// multiples of <paramref name="grain"/>: on the calling thread when the op is small, else in parallel.
    /// </summary>
    private void For(int count, int grain, double flopsPerItem, Action<int, int> body)
    {
        var grains = ((long)count + grain - 1) / grain;
        var chunks = ChunkCount(grains, flopsPerItem * count);
        if (chunks <= 1)
        {
            if (count > 0)
            {
                body(0, count);
            }
            return;
        }
        Parallel.For(0, chunks, _parallel, c => body(Bound(c, chunks, count, grain), Bound(c + 1, chunks, count, grain)));
    }

    /// <summary>
    /// Runs <paramref name="body"/>(row0, row1, col0, col1) over a grid of blocks of a rows × cols
    /// output, splitting columns (in multiples of <paramref name="columnGrain"/>) before rows: a column
    /// block reads only its own part of the weights.
    /// </summary>
    private void For2D(int rows, int columns, int columnGrain, double flopsPerElement, Action<int, int, int, int> body)
    {
        var columnGrains = ((long)columns + columnGrain - 1) / columnGrain;
        var chunks = ChunkCount(rows * columnGrains, flopsPerElement * rows * columns);
        if (chunks <= 1)
        {
            body(0, rows, 0, columns);
            return;
        }
        var columnChunks = (int)Math.Min(chunks, columnGrains);
        var rowChunks = Math.Min(rows, (chunks + columnChunks - 1) / columnChunks);
        Parallel.For(0, rowChunks * columnChunks, _parallel, t =>
        {
            var (r, c) = Math.DivRem(t, columnChunks);
            body(Bound(r, rowChunks, rows, 1), Bound(r + 1, rowChunks, rows, 1),
                Bound(c, columnChunks, columns, columnGrain), Bound(c + 1, columnChunks, columns, columnGrain));
        });
    }

    /// <summary>How many chunks: one per <see cref="MinChunkFlops"/> of work, at most one per grain and a few per thread.</summary>
    private int ChunkCount(long grains, double flops)
    {
        if (MaxDegreeOfParallelism == 1)
        {
            return 1;
        }
        var byWork = flops / MinChunkFlops;
        var most = Math.Min(grains, (long)MaxDegreeOfParallelism * ChunksPerThread);
        return (int)Math.Max(1, Math.Min(most, (long)byWork));
    }

    /// <summary>Start of chunk <paramref name="chunk"/> of <paramref name="chunks"/> over [0, count), on a grain boundary.</summary>
    private static int Bound(int chunk, int chunks, int count, int grain)
    {
        var grains = ((long)count + grain - 1) / grain;
        return (int)Math.Min(count, chunk * grains / chunks * grain);
    }

    // ---- SIMD loops -------------------------------------------------------------------------------
    // They take refs to the first element and lengths that validation has already checked against
    // the views, so the inner loops carry no bounds checks. Every vector loop has a scalar tail that
    // performs the same float operations in the same order as one lane.

    /// <summary>
    /// C[i, 0..cols) += Σ_p A(i, p)·B[p, 0..cols) for i &lt; rows, p &lt; depth in ascending order, where
    /// A(i, p) = a[i·aRow + p·aColumn] and B, C are row-major with leading dimensions ldb, ldc.
    /// i-k-j order: four rows of C take four rows of B per step (each B load feeds four axpys, each C
    /// vector is loaded and stored once per four k), and B is cut into column panels of about
    /// <see cref="PanelFloats"/> floats so it stays in cache while every row of A passes over it.
    /// Remainder rows and k take the one-row / one-k loops, which round identically.
    /// </summary>
    private static void Gemm(
        ref float a, int aRow, int aColumn, ref float b, int ldb, ref float c, int ldc, int rows, int depth, int columns)
    {
        var panel = Math.Max(Lanes, PanelFloats / Math.Max(1, depth) / Lanes * Lanes);
        for (var c0 = 0; c0 < columns; c0 += panel)
        {
            var width = Math.Min(panel, columns - c0);
            ref var bPanel = ref Unsafe.Add(ref b, c0);
            var i = 0;
            for (; i + 4 <= rows; i += 4)
            {
                ref var cRow = ref At(ref c, i, ldc, c0);
                ref var aRows = ref Unsafe.Add(ref a, (nint)i * aRow);
                var p = 0;
                for (; p + 4 <= depth; p += 4)
                {
                    AxpyRows4Depth4(ref Unsafe.Add(ref aRows, (nint)p * aColumn), aRow, aColumn, ref At(ref bPanel, p, ldb, 0), ldb, ref cRow, ldc, width);
                }
                for (; p < depth; p++)
                {
                    ref var ap = ref Unsafe.Add(ref aRows, (nint)p * aColumn);
                    AxpyRows4(
                        ap, Unsafe.Add(ref ap, aRow), Unsafe.Add(ref ap, 2 * (nint)aRow), Unsafe.Add(ref ap, 3 * (nint)aRow),
                        ref At(ref bPanel, p, ldb, 0), ref cRow, ldc, width);
                }
            }
            for (; i < rows; i++)
            {
                ref var cRow = ref At(ref c, i, ldc, c0);
                ref var aRows = ref Unsafe.Add(ref a, (nint)i * aRow);
                for (var p = 0; p < depth; p++)
                {
                    AxpyRow(Unsafe.Add(ref aRows, (nint)p * aColumn), ref At(ref bPanel, p, ldb, 0), ref cRow, width);
                }
            }
        }
    }

    /// <summary>
    /// Four steps of <see cref="AxpyRows4"/> at once: c_r[j] += a(r, q)·b_q[j] for q = 0..3 in order, with
    /// a(r, q) = a[r·aRow + q·aColumn] and b_q = b + q·ldb. Each C vector is loaded and stored once per
    /// four steps instead of every step; the additions happen in the same order, so the bits do not change.
    /// </summary>
    private static void AxpyRows4Depth4(ref float a, int aRow, int aColumn, ref float b, int ldb, ref float c, int ldc, int count)
    {
        ref var c1 = ref Unsafe.Add(ref c, ldc);
        ref var c2 = ref Unsafe.Add(ref c, 2 * (nint)ldc);
        ref var c3 = ref Unsafe.Add(ref c, 3 * (nint)ldc);
        ref var b1 = ref Unsafe.Add(ref b, ldb);
        ref var b2 = ref Unsafe.Add(ref b, 2 * (nint)ldb);
        ref var b3 = ref Unsafe.Add(ref b, 3 * (nint)ldb);
        ref var a1 = ref Unsafe.Add(ref a, aRow);
        ref var a2 = ref Unsafe.Add(ref a, 2 * (nint)aRow);
        ref var a3 = ref Unsafe.Add(ref a, 3 * (nint)aRow);
        nint q1 = aColumn, q2 = 2 * (nint)aColumn, q3 = 3 * (nint)aColumn;
        var (s00, s01, s02, s03) = (a, Unsafe.Add(ref a, q1), Unsafe.Add(ref a, q2), Unsafe.Add(ref a, q3));
        var (s10, s11, s12, s13) = (a1, Unsafe.Add(ref a1, q1), Unsafe.Add(ref a1, q2), Unsafe.Add(ref a1, q3));
        var (s20, s21, s22, s23) = (a2, Unsafe.Add(ref a2, q1), Unsafe.Add(ref a2, q2), Unsafe.Add(ref a2, q3));
        var (s30, s31, s32, s33) = (a3, Unsafe.Add(ref a3, q1), Unsafe.Add(ref a3, q2), Unsafe.Add(ref a3, q3));
        var n = (nuint)count;
        nuint j = 0;
        if (n >= (nuint)Lanes)
        {
            var (v00, v01, v02, v03) = (new Vector<float>(s00), new Vector<float>(s01), new Vector<float>(s02), new Vector<float>(s03));
            var (v10, v11, v12, v13) = (new Vector<float>(s10), new Vector<float>(s11), new Vector<float>(s12), new Vector<float>(s13));
            var (v20, v21, v22, v23) = (new Vector<float>(s20), new Vector<float>(s21), new Vector<float>(s22), new Vector<float>(s23));
            var (v30, v31, v32, v33) = (new Vector<float>(s30), new Vector<float>(s31), new Vector<float>(s32), new Vector<float>(s33));
            for (; j + (nuint)Lanes <= n; j += (nuint)Lanes)
            {
                var (w0, w1, w2, w3) = (Vector.LoadUnsafe(ref b, j), Vector.LoadUnsafe(ref b1, j), Vector.LoadUnsafe(ref b2, j), Vector.LoadUnsafe(ref b3, j));
                (Vector.LoadUnsafe(ref c, j) + (v00 * w0) + (v01 * w1) + (v02 * w2) + (v03 * w3)).StoreUnsafe(ref c, j);
                (Vector.LoadUnsafe(ref c1, j) + (v10 * w0) + (v11 * w1) + (v12 * w2) + (v13 * w3)).StoreUnsafe(ref c1, j);
                (Vector.LoadUnsafe(ref c2, j) + (v20 * w0) + (v21 * w1) + (v22 * w2) + (v23 * w3)).StoreUnsafe(ref c2, j);
                (Vector.LoadUnsafe(ref c3, j) + (v30 * w0) + (v31 * w1) + (v32 * w2) + (v33 * w3)).StoreUnsafe(ref c3, j);
            }
        }
        for (; j < n; j++)
        {
            var (w0, w1, w2, w3) = (Unsafe.Add(ref b, j), Unsafe.Add(ref b1, j), Unsafe.Add(ref b2, j), Unsafe.Add(ref b3, j));
            Unsafe.Add(ref c, j) = Unsafe.Add(ref c, j) + (s00 * w0) + (s01 * w1) + (s02 * w2) + (s03 * w3);
            Unsafe.Add(ref c1, j) = Unsafe.Add(ref c1, j) + (s10 * w0) + (s11 * w1) + (s12 * w2) + (s13 * w3);
            Unsafe.Add(ref c2, j) = Unsafe.Add(ref c2, j) + (s20 * w0) + (s21 * w1) + (s22 * w2) + (s23 * w3);
            Unsafe.Add(ref c3, j) = Unsafe.Add(ref c3, j) + (s30 * w0) + (s31 * w1) + (s32 * w2) + (s33 * w3);
        }
    }

    /// <summary>c_r[j] += a_r·b[j] for the four rows c_r = c + r·ldc, r &lt; 4.</summary>
    private static void AxpyRows4(float a0, float a1, float a2, float a3, ref float b, ref float c, int ldc, int count)
    {
        ref var c1 = ref Unsafe.Add(ref c, ldc);
        ref var c2 = ref Unsafe.Add(ref c, 2 * (nint)ldc);
        ref var c3 = ref Unsafe.Add(ref c, 3 * (nint)ldc);
        var (v0, v1, v2, v3) = (new Vector<float>(a0), new Vector<float>(a1), new Vector<float>(a2), new Vector<float>(a3));
        var n = (nuint)count;
        nuint j = 0;
        for (; j + (nuint)Lanes <= n; j += (nuint)Lanes)
        {
            var bv = Vector.LoadUnsafe(ref b, j);
            (Vector.LoadUnsafe(ref c, j) + (v0 * bv)).StoreUnsafe(ref c, j);
            (Vector.LoadUnsafe(ref c1, j) + (v1 * bv)).StoreUnsafe(ref c1, j);
            (Vector.LoadUnsafe(ref c2, j) + (v2 * bv)).StoreUnsafe(ref c2, j);
            (Vector.LoadUnsafe(ref c3, j) + (v3 * bv)).StoreUnsafe(ref c3, j);
        }
        for (; j < n; j++)
        {
            var bj = Unsafe.Add(ref b, j);
            Unsafe.Add(ref c, j) += a0 * bj;
            Unsafe.Add(ref c1, j) += a1 * bj;
            Unsafe.Add(ref c2, j) += a2 * bj;
            Unsafe.Add(ref c3, j) += a3 * bj;
        }
    }

    /// <summary>c[j] += a·b[j].</summary>
    private static void AxpyRow(float a, ref float b, ref float c, int count)
    {
        var va = new Vector<float>(a);
        var n = (nuint)count;
        nuint j = 0;
        for (; j + (nuint)Lanes <= n; j += (nuint)Lanes)
        {
            (Vector.LoadUnsafe(ref c, j) + (va * Vector.LoadUnsafe(ref b, j))).StoreUnsafe(ref c, j);
        }
        for (; j < n; j++)
        {
            Unsafe.Add(ref c, j) += a * Unsafe.Add(ref b, j);
        }
    }

    /// <summary>
    /// dx[r, p] (+)= dy[r, :]·w[p, :] for rows [r0, r1) and columns p in [p0, p1): four weight rows at
    /// a time (16 KB at N = 1024, held in L1) against every dy row of the chunk.
    /// </summary>
    private static void BackwardInput(
        ref float dy, ref float w, ref float dx, int k, int n, int r0, int r1, int p0, int p1, bool accumulate)
    {
        var p = p0;
        for (; p + 4 <= p1; p += 4)
        {
            ref var w0 = ref At(ref w, p, n, 0);
            for (var r = r0; r < r1; r++)
            {
                var (s0, s1, s2, s3) = Dot4(ref At(ref dy, r, n, 0), ref w0, n);
                ref var d = ref At(ref dx, r, k, p);
                Store(ref d, s0, accumulate);
                Store(ref Unsafe.Add(ref d, 1), s1, accumulate);
                Store(ref Unsafe.Add(ref d, 2), s2, accumulate);
                Store(ref Unsafe.Add(ref d, 3), s3, accumulate);
            }
        }
        for (; p < p1; p++)
        {
            ref var wp = ref At(ref w, p, n, 0);
            for (var r = r0; r < r1; r++)
            {
                Store(ref At(ref dx, r, k, p), Dot(ref At(ref dy, r, n, 0), ref wp, n), accumulate);
            }
        }
    }

    private static void Store(ref float destination, float value, bool accumulate) =>
        destination = accumulate ? destination + value : value;

    /// <summary>
    /// x·w_r for the four consecutive rows w_r = w + r·n. Each sum has the structure of
    /// <see cref="Dot"/> exactly (one vector accumulator, <see cref="Vector.Sum{T}(Vector{T})"/>, then
    /// the scalar tail), so a column gives the same bits whichever of the two computes it.
    /// </summary>
    private static (float, float, float, float) Dot4(ref float x, ref float w, int n)
    {
        ref var w1 = ref Unsafe.Add(ref w, n);
        ref var w2 = ref Unsafe.Add(ref w, 2 * (nint)n);
        ref var w3 = ref Unsafe.Add(ref w, 3 * (nint)n);
        var (a0, a1, a2, a3) = (Vector<float>.Zero, Vector<float>.Zero, Vector<float>.Zero, Vector<float>.Zero);
        var count = (nuint)n;
        nuint j = 0;
        for (; j + (nuint)Lanes <= count; j += (nuint)Lanes)
        {
            var xv = Vector.LoadUnsafe(ref x, j);
            a0 += xv * Vector.LoadUnsafe(ref w, j);
            a1 += xv * Vector.LoadUnsafe(ref w1, j);
            a2 += xv * Vector.LoadUnsafe(ref w2, j);
            a3 += xv * Vector.LoadUnsafe(ref w3, j);
        }
        var (s0, s1, s2, s3) = (Vector.Sum(a0), Vector.Sum(a1), Vector.Sum(a2), Vector.Sum(a3));
        for (; j < count; j++)
        {
            var xj = Unsafe.Add(ref x, j);
            s0 += xj * Unsafe.Add(ref w, j);
            s1 += xj * Unsafe.Add(ref w1, j);
            s2 += xj * Unsafe.Add(ref w2, j);
            s3 += xj * Unsafe.Add(ref w3, j);
        }
        return (s0, s1, s2, s3);
    }

    /// <summary>x·w over n floats: lane-wise vector sums, their horizontal sum, then the tail in order.</summary>
    private static float Dot(ref float x, ref float w, int n)
    {
        var acc = Vector<float>.Zero;
        var count = (nuint)n;
        nuint j = 0;
        for (; j + (nuint)Lanes <= count; j += (nuint)Lanes)
        {
            acc += Vector.LoadUnsafe(ref x, j) * Vector.LoadUnsafe(ref w, j);
        }
        var sum = Vector.Sum(acc);
        for (; j < count; j++)
        {
            sum += Unsafe.Add(ref x, j) * Unsafe.Add(ref w, j);
        }
        return sum;
    }

    /// <summary>destination[j] = source[j] (the two never overlap: bias into an output row).</summary>
    private static void CopyRow(ref float source, ref float destination, int count) =>
        MemoryMarshal.CreateReadOnlySpan(ref source, count).CopyTo(MemoryMarshal.CreateSpan(ref destination, count));

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

    /// <summary>y = x &lt; 0 ? 0 : x (a select, not a max, so NaN passes through like the kernel's).</summary>
    private static void ReluSelect(ref float x, ref float y, int count)
    {
        var n = (nuint)count;
        nuint j = 0;
        for (; j + (nuint)Lanes <= n; j += (nuint)Lanes)
        {
            var v = Vector.LoadUnsafe(ref x, j);
            Vector.ConditionalSelect(Vector.LessThan(v, Vector<float>.Zero), Vector<float>.Zero, v).StoreUnsafe(ref y, j);
        }
        for (; j < n; j++)
        {
            var v = Unsafe.Add(ref x, j);
            Unsafe.Add(ref y, j) = v < 0f ? 0f : v;
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

    /// <summary>values[j] *= factor.</summary>
    private static void ScaleInPlace(ref float values, int count, float factor)
    {
        var f = new Vector<float>(factor);
        var n = (nuint)count;
        nuint j = 0;
        for (; j + (nuint)Lanes <= n; j += (nuint)Lanes)
        {
            (Vector.LoadUnsafe(ref values, j) * f).StoreUnsafe(ref values, j);
        }
        for (; j < n; j++)
        {
            Unsafe.Add(ref values, j) *= factor;
        }
    }

    // ---- buffers ----------------------------------------------------------------------------------

    private static Span<float> Span(BufferView view) =>
        ((HostBuffer)view.Buffer).Data.AsSpan(view.Offset, view.Length);

    /// <summary>The first float of <paramref name="view"/>.</summary>
    private static ref float Ref(BufferView view) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(((HostBuffer)view.Buffer).Data), view.Offset);

    /// <summary>Element (row, column) of a row-major matrix with <paramref name="stride"/> floats per row.</summary>
    private static ref float At(ref float origin, int row, int stride, int column) =>
        ref Unsafe.Add(ref origin, ((nint)row * stride) + column);

    private sealed class HostBuffer(ManagedCpuBackend owner, int length) : DeviceBuffer(owner, length)
    {
        public float[] Data { get; } = new float[length];

        protected override void Dispose(bool disposing)
        {
        }
    }
}
