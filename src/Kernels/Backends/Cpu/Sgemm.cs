using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CrossPropertyILGPU.Kernels.Backends.Cpu;

/// <summary>
/// A matrix inside a float array: element (i, j) at <c>Data[Offset + i·RowStride + j·ColumnStride]</c>.
/// Strides let one GEMM read x, xᵀ, w and wᵀ in place: the three dense products differ only in them.
/// </summary>
internal readonly record struct StridedMatrix(float[] Data, int Offset, int RowStride, int ColumnStride)
{
    /// <summary>Element (i, j).</summary>
    public ref float At(int i, int j) => ref Data[Offset + (i * RowStride) + (j * ColumnStride)];
}

/// <summary>What C holds before the products are added.</summary>
internal enum GemmStart
{
    /// <summary>C = A·B.</summary>
    Zero,

    /// <summary>C += A·B.</summary>
    Accumulate,

    /// <summary>C = bias + A·B, the bias a row vector broadcast down the rows.</summary>
    Bias,
}

/// <summary>
/// One GEMM, C[M,N] (start)= A[M,K]·B[K,N] then optionally ReLU or a ReLU mask, described once and then run in
/// column chunks by <see cref="Sgemm.RunChunk"/>; the backend keeps one per op and refills it, so
/// nothing is allocated per call.
/// </summary>
internal sealed class GemmProblem
{
    public StridedMatrix A;
    public StridedMatrix B;
    public float[] C = [];
    public int COffset;
    public int M;
    public int N;
    public int K;
    public GemmStart Start;
    public float[] Bias = [];
    public int BiasOffset;
    public bool Relu;

    /// <summary>
    /// When set, the result is multiplied by [mask &gt; 0] elementwise (the backward ReLU of the layer
    /// whose output is the mask, laid out like C), after everything else.
    /// </summary>
    public float[]? Mask;
    public int MaskOffset;

    /// <summary>C's row stride: C is row-major and dense.</summary>
    public int Ldc => N;
}

/// <summary>
/// The CPU SGEMM: cache-blocked (Goto/BLIS loop order), packed, register-blocked.
/// <para>
/// For a column chunk of C, depth is cut into blocks of <see cref="KC"/>; for each, the chunk's
/// part of B is packed into strips of <see cref="NR"/> columns (p-major, so the micro-kernel reads
/// it sequentially, and a strip — KC × NR floats, 32 KB — stays in L1), then A is packed in blocks
/// of <see cref="MC"/> rows (MR-row slivers, p-major), and the micro-kernel computes each
/// MR × NR tile of C in registers: per depth step two vector loads of B, MR broadcasts of A and
/// 2·MR fused multiply-adds. Packing is what makes strided operands (xᵀ, wᵀ) as fast as dense ones,
/// and it keeps a 4 KB-strided weight column from thrashing the caches.
/// </para>
/// <para>
/// Tiles at the ragged edges (M or N not a multiple of the tile) run the same micro-kernel on a
/// zero-padded copy, so every element of C is computed by the same sequence of operations — bias
/// or zero or C first, then one fused multiply-add per k in ascending k — wherever it lies. That
/// is why results do not depend on the thread count or on the other rows of a batch.
/// </para>
/// </summary>
internal static class Sgemm
{
    /// <summary>Rows of C per micro-tile.</summary>
    public const int MR = 8;

    /// <summary>Depth per packed block: a B strip of KC × NR floats fits L1.</summary>
    public const int KC = 256;

    /// <summary>Rows of A per packed block (KC × MC floats, 128 KB, in L2).</summary>
    public const int MC = 128;

    /// <summary>Columns of C per micro-tile: two vectors.</summary>
    public static int NR(int lanes) => 2 * lanes;

    /// <summary>Floats of packed-A scratch one worker needs.</summary>
    public const int PackedAFloats = MC * KC;

    /// <summary>Floats of packed-B scratch one worker needs for a chunk of <paramref name="columns"/> columns.</summary>
    public static int PackedBFloats(int columns, int lanes) => RoundUp(columns, NR(lanes)) * KC;

    /// <summary>Column strips of <paramref name="n"/> columns at this width.</summary>
    public static int Strips(int n, int lanes) => (n + NR(lanes) - 1) / NR(lanes);

    /// <summary>
    /// Computes the columns of strips [<paramref name="strip0"/>, <paramref name="strip1"/>) of C,
    /// with the given per-worker scratch.
    /// </summary>
    public static void RunChunk(GemmProblem problem, int strip0, int strip1, int lanes, float[] packedA, float[] packedB)
    {
        switch (lanes)
        {
            case 16:
                RunChunk<Simd512, Vector512<float>>(problem, strip0, strip1, packedA, packedB);
                break;
            case 8:
                RunChunk<Simd256, Vector256<float>>(problem, strip0, strip1, packedA, packedB);
                break;
            default:
                RunChunk<Simd128, Vector128<float>>(problem, strip0, strip1, packedA, packedB);
                break;
        }
    }

    private static void RunChunk<TSimd, TVector>(GemmProblem problem, int strip0, int strip1, float[] packedA, float[] packedB)
        where TSimd : struct, ISimdFloat<TVector>
        where TVector : struct
    {
        var nr = NR(TSimd.Lanes);
        var (m, n, k) = (problem.M, problem.N, problem.K);
        var j0 = strip0 * nr;
        var j1 = Math.Min(n, strip1 * nr);
        if (j0 >= j1)
        {
            return;
        }
        if (k == 0)
        {
            // No products: C is its start, then ReLU.
            StartOnly(problem, j0, j1);
            return;
        }
        Span<float> tile = stackalloc float[MR * 32];
        Span<float> maskTile = stackalloc float[MR * 32];
        Span<float> biasRow = stackalloc float[32];
        for (var pc = 0; pc < k; pc += KC)
        {
            var kc = Math.Min(KC, k - pc);
            var first = pc == 0;
            var last = pc + kc == k;
            PackB(problem.B, pc, kc, j0, j1, nr, packedB);
            for (var ic = 0; ic < m; ic += MC)
            {
                var mc = Math.Min(MC, m - ic);
                PackA(problem.A, ic, mc, pc, kc, packedA);
                for (var jr = j0; jr < j1; jr += nr)
                {
                    ref var bStrip = ref packedB[(jr - j0) / nr * kc * nr];
                    for (var ir = ic; ir < ic + mc; ir += MR)
                    {
                        ref var aSliver = ref packedA[(ir - ic) / MR * kc * MR];
                        Tile<TSimd, TVector>(problem, ref aSliver, ref bStrip, kc, ir, jr, nr, first, last, tile, maskTile, biasRow);
                    }
                }
            }
        }
    }

    /// <summary>One MR × NR tile of C for one depth block: in place when whole, through a padded copy at the edges.</summary>
    private static void Tile<TSimd, TVector>(
        GemmProblem problem, ref float aSliver, ref float bStrip, int kc, int row, int column, int nr,
        bool firstBlock, bool lastBlock, Span<float> tile, Span<float> maskTile, Span<float> biasRow)
        where TSimd : struct, ISimdFloat<TVector>
        where TVector : struct
    {
        var rows = Math.Min(MR, problem.M - row);
        var columns = Math.Min(nr, problem.N - column);
        var ldc = problem.Ldc;
        var start = firstBlock ? problem.Start : GemmStart.Accumulate;
        var epilogue = !lastBlock ? Epilogue.None : problem.Mask is not null ? Epilogue.Mask : problem.Relu ? Epilogue.Relu : Epilogue.None;
        var whole = rows == MR && columns == nr;
        ref var c = ref problem.C[problem.COffset + (row * ldc) + column];
        ref var mask = ref Zeros[0];
        nint ldm = 0;
        if (epilogue == Epilogue.Mask)
        {
            if (whole)
            {
                mask = ref problem.Mask![problem.MaskOffset + (row * ldc) + column];
                ldm = ldc;
            }
            else
            {
                maskTile.Clear();
                for (var r = 0; r < rows; r++)
                {
                    new ReadOnlySpan<float>(problem.Mask, problem.MaskOffset + ((row + r) * ldc) + column, columns).CopyTo(maskTile.Slice(r * nr, columns));
                }
                mask = ref maskTile[0];
                ldm = nr;
            }
        }
        if (whole)
        {
            switch (start)
            {
                case GemmStart.Accumulate:
                    MicroKernel<TSimd, TVector>(ref aSliver, ref bStrip, kc, ref c, ldc, ref c, ldc, epilogue, ref mask, ldm);
                    break;
                case GemmStart.Bias:
                    MicroKernel<TSimd, TVector>(ref aSliver, ref bStrip, kc, ref problem.Bias[problem.BiasOffset + column], 0, ref c, ldc, epilogue, ref mask, ldm);
                    break;
                default:
                    MicroKernel<TSimd, TVector>(ref aSliver, ref bStrip, kc, ref Zeros[0], 0, ref c, ldc, epilogue, ref mask, ldm);
                    break;
            }
            return;
        }

        // Edge: the same kernel on an MR × nr copy (padding rows and columns are computed and dropped).
        tile.Clear();
        ref var t = ref tile[0];
        switch (start)
        {
            case GemmStart.Accumulate:
                for (var r = 0; r < rows; r++)
                {
                    new ReadOnlySpan<float>(problem.C, problem.COffset + ((row + r) * ldc) + column, columns).CopyTo(tile.Slice(r * nr, columns));
                }
                MicroKernel<TSimd, TVector>(ref aSliver, ref bStrip, kc, ref t, nr, ref t, nr, epilogue, ref mask, ldm);
                break;
            case GemmStart.Bias:
                biasRow.Clear();
                new ReadOnlySpan<float>(problem.Bias, problem.BiasOffset + column, columns).CopyTo(biasRow);
                MicroKernel<TSimd, TVector>(ref aSliver, ref bStrip, kc, ref biasRow[0], 0, ref t, nr, epilogue, ref mask, ldm);
                break;
            default:
                MicroKernel<TSimd, TVector>(ref aSliver, ref bStrip, kc, ref Zeros[0], 0, ref t, nr, epilogue, ref mask, ldm);
                break;
        }
        for (var r = 0; r < rows; r++)
        {
            tile.Slice(r * nr, columns).CopyTo(new Span<float>(problem.C, problem.COffset + ((row + r) * ldc) + column, columns));
        }
    }

    /// <summary>What the micro-kernel applies before it stores a tile.</summary>
    private enum Epilogue
    {
        None,
        Relu,
        Mask,
    }

    // A zero start row for the widest tile (2 × 16 floats); read with stride 0.
    private static readonly float[] Zeros = new float[32];

    /// <summary>
    /// The register tile: C[0..MR, 0..2W) = start + Σ_p a[p]ᵀ·b[p] (then ReLU), with a = an MR-row
    /// sliver of packed A (a[p·MR + r]) and b = an NR-column strip of packed B (b[p·NR + j]).
    /// Row r of the start is <c>start[r·startStride ..]</c>: stride 0 broadcasts a bias or zero
    /// row, stride ldc reads C itself. 16 accumulators, 2 B vectors and 1 broadcast: 19 registers.
    /// The epilogue is ReLU, or [mask &gt; 0] with mask row r at <c>mask[r·ldm ..]</c>, or nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MicroKernel<TSimd, TVector>(
        ref float a, ref float b, int depth, ref float start, nint startStride, ref float c, nint ldc,
        Epilogue epilogue, ref float mask, nint ldm)
        where TSimd : struct, ISimdFloat<TVector>
        where TVector : struct
    {
        var w = (nuint)TSimd.Lanes;
        ref var s1 = ref Unsafe.Add(ref start, startStride);
        ref var s2 = ref Unsafe.Add(ref s1, startStride);
        ref var s3 = ref Unsafe.Add(ref s2, startStride);
        ref var s4 = ref Unsafe.Add(ref s3, startStride);
        ref var s5 = ref Unsafe.Add(ref s4, startStride);
        ref var s6 = ref Unsafe.Add(ref s5, startStride);
        ref var s7 = ref Unsafe.Add(ref s6, startStride);
        TVector c00 = TSimd.Load(ref start, 0), c01 = TSimd.Load(ref start, w);
        TVector c10 = TSimd.Load(ref s1, 0), c11 = TSimd.Load(ref s1, w);
        TVector c20 = TSimd.Load(ref s2, 0), c21 = TSimd.Load(ref s2, w);
        TVector c30 = TSimd.Load(ref s3, 0), c31 = TSimd.Load(ref s3, w);
        TVector c40 = TSimd.Load(ref s4, 0), c41 = TSimd.Load(ref s4, w);
        TVector c50 = TSimd.Load(ref s5, 0), c51 = TSimd.Load(ref s5, w);
        TVector c60 = TSimd.Load(ref s6, 0), c61 = TSimd.Load(ref s6, w);
        TVector c70 = TSimd.Load(ref s7, 0), c71 = TSimd.Load(ref s7, w);
        ref var ap = ref a;
        ref var bp = ref b;
        for (var p = 0; p < depth; p++)
        {
            var b0 = TSimd.Load(ref bp, 0);
            var b1 = TSimd.Load(ref bp, w);
            var x = TSimd.Broadcast(ap);
            c00 = TSimd.MultiplyAdd(x, b0, c00);
            c01 = TSimd.MultiplyAdd(x, b1, c01);
            x = TSimd.Broadcast(Unsafe.Add(ref ap, 1));
            c10 = TSimd.MultiplyAdd(x, b0, c10);
            c11 = TSimd.MultiplyAdd(x, b1, c11);
            x = TSimd.Broadcast(Unsafe.Add(ref ap, 2));
            c20 = TSimd.MultiplyAdd(x, b0, c20);
            c21 = TSimd.MultiplyAdd(x, b1, c21);
            x = TSimd.Broadcast(Unsafe.Add(ref ap, 3));
            c30 = TSimd.MultiplyAdd(x, b0, c30);
            c31 = TSimd.MultiplyAdd(x, b1, c31);
            x = TSimd.Broadcast(Unsafe.Add(ref ap, 4));
            c40 = TSimd.MultiplyAdd(x, b0, c40);
            c41 = TSimd.MultiplyAdd(x, b1, c41);
            x = TSimd.Broadcast(Unsafe.Add(ref ap, 5));
            c50 = TSimd.MultiplyAdd(x, b0, c50);
            c51 = TSimd.MultiplyAdd(x, b1, c51);
            x = TSimd.Broadcast(Unsafe.Add(ref ap, 6));
            c60 = TSimd.MultiplyAdd(x, b0, c60);
            c61 = TSimd.MultiplyAdd(x, b1, c61);
            x = TSimd.Broadcast(Unsafe.Add(ref ap, 7));
            c70 = TSimd.MultiplyAdd(x, b0, c70);
            c71 = TSimd.MultiplyAdd(x, b1, c71);
            ap = ref Unsafe.Add(ref ap, MR);
            bp = ref Unsafe.Add(ref bp, 2 * w);
        }
        StoreRow<TSimd, TVector>(c00, c01, ref c, w, epilogue, ref mask);
        StoreRow<TSimd, TVector>(c10, c11, ref Unsafe.Add(ref c, ldc), w, epilogue, ref Unsafe.Add(ref mask, ldm));
        StoreRow<TSimd, TVector>(c20, c21, ref Unsafe.Add(ref c, 2 * ldc), w, epilogue, ref Unsafe.Add(ref mask, 2 * ldm));
        StoreRow<TSimd, TVector>(c30, c31, ref Unsafe.Add(ref c, 3 * ldc), w, epilogue, ref Unsafe.Add(ref mask, 3 * ldm));
        StoreRow<TSimd, TVector>(c40, c41, ref Unsafe.Add(ref c, 4 * ldc), w, epilogue, ref Unsafe.Add(ref mask, 4 * ldm));
        StoreRow<TSimd, TVector>(c50, c51, ref Unsafe.Add(ref c, 5 * ldc), w, epilogue, ref Unsafe.Add(ref mask, 5 * ldm));
        StoreRow<TSimd, TVector>(c60, c61, ref Unsafe.Add(ref c, 6 * ldc), w, epilogue, ref Unsafe.Add(ref mask, 6 * ldm));
        StoreRow<TSimd, TVector>(c70, c71, ref Unsafe.Add(ref c, 7 * ldc), w, epilogue, ref Unsafe.Add(ref mask, 7 * ldm));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TSimd, TVector>(TVector v0, TVector v1, ref float c, nuint w, Epilogue epilogue, ref float mask)
        where TSimd : struct, ISimdFloat<TVector>
        where TVector : struct
    {
        if (epilogue == Epilogue.Relu)
        {
            v0 = TSimd.Relu(v0);
            v1 = TSimd.Relu(v1);
        }
        else if (epilogue == Epilogue.Mask)
        {
            v0 = TSimd.KeepWherePositive(TSimd.Load(ref mask, 0), v0);
            v1 = TSimd.KeepWherePositive(TSimd.Load(ref mask, w), v1);
        }
        TSimd.Store(v0, ref c, 0);
        TSimd.Store(v1, ref c, w);
    }

    /// <summary>
    /// Packs rows [i0, i0+mc) × depth [p0, p0+kc) of A into MR-row slivers, p-major:
    /// packed[s·kc·MR + p·MR + r] = A(i0 + s·MR + r, p0 + p), zero past row M.
    /// </summary>
    private static void PackA(StridedMatrix a, int i0, int mc, int p0, int kc, float[] packed)
    {
        var data = a.Data;
        for (var s = 0; s * MR < mc; s++)
        {
            var rows = Math.Min(MR, mc - (s * MR));
            var sliver = s * kc * MR;
            if (rows < MR)
            {
                Array.Clear(packed, sliver, kc * MR);
            }
            var first = a.Offset + ((i0 + (s * MR)) * a.RowStride) + (p0 * a.ColumnStride);
            if (a.RowStride == 1 && rows == MR)
            {
                // Aᵀ stored (xᵀ in the weight gradient): a sliver's MR values at one p are adjacent.
                ref var from = ref data[first];
                ref var to = ref packed[sliver];
                for (var p = 0; p < kc; p++)
                {
                    CopyShort(ref Unsafe.Add(ref from, (nint)p * a.ColumnStride), ref Unsafe.Add(ref to, p * MR), MR);
                }
            }
            else if (a.ColumnStride == 1)
            {
                // Row-major A (x forward, dy in the input gradient): transpose rows into p-major order.
                Transpose(ref data[first], a.RowStride, rows, kc, ref packed[sliver], MR);
            }
            else
            {
                for (var r = 0; r < rows; r++)
                {
                    for (var p = 0; p < kc; p++)
                    {
                        packed[sliver + (p * MR) + r] = data[first + (r * a.RowStride) + (p * a.ColumnStride)];
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs depth [p0, p0+kc) × columns [j0, j1) of B into NR-column strips, p-major:
    /// packed[s·kc·NR + p·NR + j] = B(p0 + p, j0 + s·NR + j), zero past the last column.
    /// </summary>
    private static void PackB(StridedMatrix b, int p0, int kc, int j0, int j1, int nr, float[] packed)
    {
        var data = b.Data;
        var strips = (j1 - j0 + nr - 1) / nr;
        if ((j1 - j0) % nr != 0)
        {
            Array.Clear(packed, (strips - 1) * kc * nr, kc * nr);
        }
        var first = b.Offset + (p0 * b.RowStride) + (j0 * b.ColumnStride);
        if (b.ColumnStride == 1)
        {
            // Row-major B (w forward, dy in the weight gradient): read each row of the panel once,
            // in memory order, and deal it out to the strips (reading strip by strip would walk
            // down a 4 KB-strided column and miss the prefetcher and the TLB on every row).
            for (var p = 0; p < kc; p++)
            {
                ref var row = ref data[first + (p * b.RowStride)];
                for (var s = 0; s < strips; s++)
                {
                    var columns = Math.Min(nr, j1 - j0 - (s * nr));
                    CopyShort(ref Unsafe.Add(ref row, s * nr), ref packed[(s * kc * nr) + (p * nr)], columns);
                }
            }
            return;
        }
        if (b.RowStride == 1)
        {
            // Bᵀ stored (wᵀ in the input gradient): each strip is a transpose of NR stored rows.
            for (var s = 0; s < strips; s++)
            {
                var columns = Math.Min(nr, j1 - j0 - (s * nr));
                Transpose(ref data[first + (s * nr * b.ColumnStride)], b.ColumnStride, columns, kc, ref packed[s * kc * nr], nr);
            }
            return;
        }
        for (var s = 0; s < strips; s++)
        {
            var columns = Math.Min(nr, j1 - j0 - (s * nr));
            for (var j = 0; j < columns; j++)
            {
                for (var p = 0; p < kc; p++)
                {
                    packed[(s * kc * nr) + (p * nr) + j] = data[first + (((s * nr) + j) * b.ColumnStride) + (p * b.RowStride)];
                }
            }
        }
    }

    /// <summary>
    /// destination[0..count) = source[0..count) for the short runs packing moves (8 to 32 floats):
    /// 8-float vectors inline, where a span copy would call memmove for each run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyShort(ref float source, ref float destination, int count)
    {
        var j = 0;
        for (; j + 8 <= count; j += 8)
        {
            Vector256.LoadUnsafe(ref source, (nuint)j).StoreUnsafe(ref destination, (nuint)j);
        }
        for (; j < count; j++)
        {
            Unsafe.Add(ref destination, j) = Unsafe.Add(ref source, j);
        }
    }

    /// <summary>
    /// destination[p·destinationStride + r] = source[r·sourceStride + p] for r &lt; rows, p &lt; depth:
    /// 4 × 4 blocks through SSE shuffles where the hardware has them, scalar at the edges.
    /// </summary>
    private static void Transpose(ref float source, int sourceStride, int rows, int depth, ref float destination, int destinationStride)
    {
        var r = 0;
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            for (; r + 4 <= rows; r += 4)
            {
                ref var s0 = ref Unsafe.Add(ref source, (nint)r * sourceStride);
                ref var s1 = ref Unsafe.Add(ref s0, sourceStride);
                ref var s2 = ref Unsafe.Add(ref s1, sourceStride);
                ref var s3 = ref Unsafe.Add(ref s2, sourceStride);
                ref var d = ref Unsafe.Add(ref destination, r);
                var p = 0;
                for (; p + 4 <= depth; p += 4)
                {
                    var (v0, v1, v2, v3) = (Vector128.LoadUnsafe(ref s0, (nuint)p), Vector128.LoadUnsafe(ref s1, (nuint)p),
                        Vector128.LoadUnsafe(ref s2, (nuint)p), Vector128.LoadUnsafe(ref s3, (nuint)p));
                    var t0 = System.Runtime.Intrinsics.X86.Sse.UnpackLow(v0, v1);    // a0 b0 a1 b1
                    var t1 = System.Runtime.Intrinsics.X86.Sse.UnpackLow(v2, v3);    // c0 d0 c1 d1
                    var t2 = System.Runtime.Intrinsics.X86.Sse.UnpackHigh(v0, v1);   // a2 b2 a3 b3
                    var t3 = System.Runtime.Intrinsics.X86.Sse.UnpackHigh(v2, v3);   // c2 d2 c3 d3
                    ref var dp = ref Unsafe.Add(ref d, (nint)p * destinationStride);
                    System.Runtime.Intrinsics.X86.Sse.MoveLowToHigh(t0, t1).StoreUnsafe(ref dp);
                    System.Runtime.Intrinsics.X86.Sse.MoveHighToLow(t1, t0).StoreUnsafe(ref Unsafe.Add(ref dp, destinationStride));
                    System.Runtime.Intrinsics.X86.Sse.MoveLowToHigh(t2, t3).StoreUnsafe(ref Unsafe.Add(ref dp, 2 * destinationStride));
                    System.Runtime.Intrinsics.X86.Sse.MoveHighToLow(t3, t2).StoreUnsafe(ref Unsafe.Add(ref dp, 3 * destinationStride));
                }
                for (; p < depth; p++)
                {
                    ref var dp = ref Unsafe.Add(ref d, (nint)p * destinationStride);
                    dp = Unsafe.Add(ref s0, p);
                    Unsafe.Add(ref dp, 1) = Unsafe.Add(ref s1, p);
                    Unsafe.Add(ref dp, 2) = Unsafe.Add(ref s2, p);
                    Unsafe.Add(ref dp, 3) = Unsafe.Add(ref s3, p);
                }
            }
        }
        for (; r < rows; r++)
        {
            ref var sr = ref Unsafe.Add(ref source, (nint)r * sourceStride);
            for (var p = 0; p < depth; p++)
            {
                Unsafe.Add(ref destination, ((nint)p * destinationStride) + r) = Unsafe.Add(ref sr, p);
            }
        }
    }

    /// <summary>With K = 0: C = start (zero, C or bias), then ReLU, on columns [j0, j1).</summary>
    private static void StartOnly(GemmProblem problem, int j0, int j1)
    {
        for (var i = 0; i < problem.M; i++)
        {
            var row = new Span<float>(problem.C, problem.COffset + (i * problem.Ldc) + j0, j1 - j0);
            if (problem.Start == GemmStart.Zero)
            {
                row.Clear();
            }
            else if (problem.Start == GemmStart.Bias)
            {
                new ReadOnlySpan<float>(problem.Bias, problem.BiasOffset + j0, j1 - j0).CopyTo(row);
            }
            for (var j = 0; j < row.Length; j++)
            {
                row[j] = Finish(problem, i, j0 + j, row[j]);
            }
        }
    }

    /// <summary>The epilogue for element (i, j): ReLU, or the mask, or nothing.</summary>
    private static float Finish(GemmProblem problem, int i, int j, float value) =>
        problem.Mask is { } mask ? (mask[problem.MaskOffset + (i * problem.Ldc) + j] > 0f ? value : 0f)
        : problem.Relu && value < 0f ? 0f : value;

    /// <summary>
    /// The scalar reference the packed kernel is tested against: the same start, then one
    /// <see cref="MathF.FusedMultiplyAdd"/> per k in ascending k, then ReLU or the mask — the operation sequence
    /// the micro-kernel applies to every element, so the two agree bit for bit.
    /// </summary>
    public static void Reference(GemmProblem problem)
    {
        for (var i = 0; i < problem.M; i++)
        {
            for (var j = 0; j < problem.N; j++)
            {
                ref var c = ref problem.C[problem.COffset + (i * problem.Ldc) + j];
                var sum = problem.Start switch
                {
                    GemmStart.Accumulate => c,
                    GemmStart.Bias => problem.Bias[problem.BiasOffset + j],
                    _ => 0f,
                };
                for (var p = 0; p < problem.K; p++)
                {
                    sum = MathF.FusedMultiplyAdd(problem.A.At(i, p), problem.B.At(p, j), sum);
                }
                c = Finish(problem, i, j, sum);
            }
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
