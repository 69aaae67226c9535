using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace CrossPropertyILGPU.Kernels.Ops;

// The building blocks of the tiled, register-blocked GEMM in DenseKernels: block-tile sizes,
// per-thread micro-tiles, operand views, schedules (the SGEMM variants) and the shared-memory tile
// loop. Everything here is a struct used as a generic argument, so ILGPU specialises one kernel
// per (tile, micro-tile, schedule) with every size and flag a compile-time constant: shared arrays get a static length (ILGPU requires one)
// and the micro-tile's accumulators are plain fields that LowerStructures turns into registers.
// (ILGPU 1.5.3 does not unroll loops, so a micro-tile is written out field by field instead of as
// a local array indexed in a loop, which would live in local memory.)

/// <summary>
/// Compile-time block-tile sizes of the tiled GEMM C[M,N] = A[M,K]·B[K,N]: one thread group
/// computes a <see cref="Rows"/> × <see cref="Columns"/> block of C, stepping through K
/// <see cref="Depth"/> at a time with both operand tiles staged in shared memory.
/// </summary>
public interface IGemmTile
{
    /// <summary>Rows of C per group (BM).</summary>
    int Rows { get; }

    /// <summary>Columns of C per group (BN).</summary>
    int Columns { get; }

    /// <summary>Inner-dimension step (BK).</summary>
    int Depth { get; }

    /// <summary>Rows × Depth: floats of the A tile in shared memory (a literal, as ILGPU requires).</summary>
    int SharedA { get; }

    /// <summary>Depth × Columns: floats of the B tile in shared memory.</summary>
    int SharedB { get; }

    /// <summary>
    /// Thread rows of one warp in the warp-tiled layout (<see cref="IGemmSchedule.WarpTiled"/>);
    /// WarpRows · WarpColumns is the device's warp size (32 on CUDA, smaller for CPU test tiles).
    /// </summary>
    int WarpRows { get; }

    /// <summary>Thread columns of one warp in the warp-tiled layout.</summary>
    int WarpColumns { get; }
}

/// <summary>
/// The R × R block of C one thread accumulates in registers. Thread (tx, ty) of a group owns rows
/// ty + i·(BM/R) and columns tx + j·(BN/R), i, j &lt; R: strided, so at every depth the threads of a
/// warp read consecutive B floats (no bank conflicts) and store consecutive C floats (coalesced).
/// The warp-tiled layout strides the same way within each warp's sub-block (<see cref="GemmTileLoop.Place{TTile, TMicro, TSchedule}"/>).
/// </summary>
public interface IMicroTile
{
    /// <summary>R.</summary>
    int Size { get; }

    /// <summary>
    /// acc[i, j] += a[aIndex + i·aStride] · b[bIndex + j·bStride]: one depth step, R + R shared
    /// loads for R² multiply-adds.
    /// </summary>
    void MultiplyAdd(ArrayView<float> a, int aIndex, int aStride, ArrayView<float> b, int bIndex, int bStride);

    /// <summary>Hands acc[i, j] to <paramref name="epilogue"/> as C[row + i·rowStride, column + j·columnStride].</summary>
    void Store<TEpilogue>(TEpilogue epilogue, int row, int rowStride, int column, int columnStride)
        where TEpilogue : struct, IGemmEpilogue;
}

/// <summary>
/// Writes one finished element of C: bounds check, then the fused tail of the op (bias, ReLU,
/// ReLU mask, accumulation). Runs once per output element, after the whole inner product.
/// </summary>
public interface IGemmEpilogue
{
    /// <summary>Stores <paramref name="value"/> = Σ_p A[row,p]·B[p,column]; row and column may lie past C's edge.</summary>
    void Store(int row, int column, float value);
}

/// <summary>A logical operand matrix of the GEMM, read element by element with zero padding.</summary>
public interface IGemmOperand
{
    /// <summary>Logical rows.</summary>
    int Rows { get; }

    /// <summary>Logical columns.</summary>
    int Columns { get; }

    /// <summary>True when consecutive rows of one column are adjacent in memory (transposed storage): the tile loader then walks rows fastest, so neighbouring threads load neighbouring floats.</summary>
    bool RowsContiguous { get; }

    /// <summary>Element (row, column); both lie inside the logical shape.</summary>
    float Load(int row, int column);

    /// <summary>
    /// Four elements from (row, column) along the contiguous axis (columns, or rows when
    /// <see cref="RowsContiguous"/>), zero past the logical edge; that axis's index is a multiple of
    /// 4. One 16-byte load (ld.v4.f32) when the operand was built vectorisable and all four lie
    /// inside, else four scalar loads.
    /// </summary>
    Float4 Load4(int row, int column);
}

/// <summary>
/// Four floats, 16 bytes: <c>ArrayView&lt;float&gt;.Cast&lt;Float4&gt;()[i]</c> compiles to one
/// <c>ld.v4.f32</c> in ILGPU 1.5.3's PTX (checked in PtxCompilationTests), the vectorised global load.
/// The float view must then start 16-byte aligned, which the host checks (DenseKernels' vector flag).
/// </summary>
public struct Float4
{
    /// <summary>Element 0.</summary>
    public float X { get; set; }

    /// <summary>Element 1.</summary>
    public float Y { get; set; }

    /// <summary>Element 2.</summary>
    public float Z { get; set; }

    /// <summary>Element 3.</summary>
    public float W { get; set; }

    /// <summary>A quad of four values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Float4 Of(float x, float y, float z, float w) => new() { X = x, Y = y, Z = z, W = w };

    /// <summary>Stores the four elements to shared[index + q·stride], q &lt; 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store(ArrayView<float> shared, int index, int stride)
    {
        shared[index] = X;
        shared[index + stride] = Y;
        shared[index + 2 * stride] = Z;
        shared[index + 3 * stride] = W;
    }
}

/// <summary>
/// A row-major matrix [Rows, Columns] as stored: element (r, c) at r·Columns + c. vector != 0
/// promises a 16-byte aligned view and Columns a multiple of 4, so that four columns from a
/// multiple of 4 are one aligned Float4.
/// </summary>
public readonly struct RowMajorOperand(ArrayView<float> data, int rows, int columns, int vector = 0) : IGemmOperand
{
    private readonly ArrayView<float> _data = data;
    private readonly int _vector = vector;

    /// <inheritdoc />
    public int Rows { get; } = rows;

    /// <inheritdoc />
    public int Columns { get; } = columns;

    /// <inheritdoc />
    public bool RowsContiguous => false;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Load(int row, int column) => _data[row * Columns + column];

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Float4 Load4(int row, int column)
    {
        if (row >= Rows)
        {
            return default;
        }
        var i = row * Columns + column;
        if (_vector != 0 && column + 3 < Columns)
        {
            return _data.Cast<Float4>()[i >> 2];
        }
        return Float4.Of(
            column < Columns ? _data[i] : 0f,
            column + 1 < Columns ? _data[i + 1] : 0f,
            column + 2 < Columns ? _data[i + 2] : 0f,
            column + 3 < Columns ? _data[i + 3] : 0f);
    }
}

/// <summary>
/// The transpose of a row-major matrix stored [Columns, StoredRows]: element (r, c) at
/// c·StoredRows + r. Logical rows past <c>storedRows</c> read as 1: with one extra row, xᵀ gains a
/// row of ones and xᵀ·dy yields the bias gradient Σ_m dy[m, :] as that row — the weight and bias
/// gradients in one GEMM. vector != 0 promises a 16-byte aligned view and storedRows a multiple of 4.
/// </summary>
public readonly struct TransposedOperand(ArrayView<float> data, int storedRows, int rows, int columns, int vector = 0) : IGemmOperand
{
    private readonly ArrayView<float> _data = data;
    private readonly int _storedRows = storedRows;
    private readonly int _vector = vector;

    /// <inheritdoc />
    public int Rows { get; } = rows;

    /// <inheritdoc />
    public int Columns { get; } = columns;

    /// <inheritdoc />
    public bool RowsContiguous => true;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Load(int row, int column) => row < _storedRows ? _data[column * _storedRows + row] : 1f;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Float4 Load4(int row, int column)
    {
        if (column >= Columns)
        {
            return default;
        }
        var i = column * _storedRows + row;
        if (_vector != 0 && row + 3 < _storedRows)
        {
            return _data.Cast<Float4>()[i >> 2];
        }
        // The ragged end: stored rows, then the row of ones up to Rows, then zero padding.
        return Float4.Of(Element(row, i), Element(row + 1, i + 1), Element(row + 2, i + 2), Element(row + 3, i + 3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float Element(int row, int index) => row < _storedRows ? _data[index] : row < Rows ? 1f : 0f;
}

/// <summary>
/// How the tile loop runs, as compile-time flags: the rungs of the usual SGEMM ladder, each adding
/// to the one before (<see cref="GemmVariant"/>). Every schedule handles any M, N, K and sums each
/// output over p in increasing order, like the scalar reference.
/// </summary>
public interface IGemmSchedule
{
    /// <summary>Global → shared as 16-byte <see cref="Float4"/> loads where the operand allows it (the vector flag), else four scalars.</summary>
    bool Vectorized { get; }

    /// <summary>
    /// Two shared tiles per operand: the next K step's global loads are issued into registers
    /// before the current tile's multiply-adds and stored after them, one barrier per K step.
    /// </summary>
    bool DoubleBuffered { get; }

    /// <summary>Each warp owns a compact (WarpRows·R) × (WarpColumns·R) block of C (<see cref="IGemmTile.WarpRows"/>).</summary>
    bool WarpTiled { get; }

    /// <summary>Shared tiles per operand: 2 when double-buffered, else 1 (a literal, for the shared allocation).</summary>
    int Buffers { get; }
}

/// <summary>2-D block tiling with scalar loads: the original kernel, the baseline of the ladder.</summary>
public readonly struct BlockedSchedule : IGemmSchedule
{
    /// <inheritdoc />
    public bool Vectorized => false;

    /// <inheritdoc />
    public bool DoubleBuffered => false;

    /// <inheritdoc />
    public bool WarpTiled => false;

    /// <inheritdoc />
    public int Buffers => 1;
}

/// <summary>Blocked plus vectorised global loads.</summary>
public readonly struct VectorizedSchedule : IGemmSchedule
{
    /// <inheritdoc />
    public bool Vectorized => true;

    /// <inheritdoc />
    public bool DoubleBuffered => false;

    /// <inheritdoc />
    public bool WarpTiled => false;

    /// <inheritdoc />
    public int Buffers => 1;
}

/// <summary>Vectorised plus double-buffered shared memory with register staging.</summary>
public readonly struct DoubleBufferedSchedule : IGemmSchedule
{
    /// <inheritdoc />
    public bool Vectorized => true;

    /// <inheritdoc />
    public bool DoubleBuffered => true;

    /// <inheritdoc />
    public bool WarpTiled => false;

    /// <inheritdoc />
    public int Buffers => 2;
}

/// <summary>Double-buffered plus the warp-tiled thread layout.</summary>
public readonly struct WarpTiledSchedule : IGemmSchedule
{
    /// <inheritdoc />
    public bool Vectorized => true;

    /// <inheritdoc />
    public bool DoubleBuffered => true;

    /// <inheritdoc />
    public bool WarpTiled => true;

    /// <inheritdoc />
    public int Buffers => 2;
}

/// <summary>
/// Where one thread's micro-tile lies in the block: rows Row + i·RowStride and columns
/// Column + j·ColumnStride, i, j &lt; R.
/// </summary>
public readonly struct ThreadPlace(int row, int rowStride, int column, int columnStride)
{
    /// <summary>First row within the block.</summary>
    public int Row { get; } = row;

    /// <summary>Rows between the thread's rows.</summary>
    public int RowStride { get; } = rowStride;

    /// <summary>First column within the block.</summary>
    public int Column { get; } = column;

    /// <summary>Columns between the thread's columns.</summary>
    public int ColumnStride { get; } = columnStride;
}

/// <summary>Up to four <see cref="Float4"/> of each operand tile in flight in one thread's registers (double buffering).</summary>
internal struct TileStage
{
    /// <summary>A quads.</summary>
    public Float4 A0, A1, A2, A3;

    /// <summary>B quads.</summary>
    public Float4 B0, B1, B2, B3;
}

/// <summary>
/// The shared-memory tile loop every dense GEMM kernel runs: stage a BM × BK tile of A and a
/// BK × BN tile of B (zero-padded past the edges, so any M, N, K works), barrier, accumulate BK
/// rank-1 updates into the thread's micro-tile, barrier, next K step; the schedule adds vector
/// loads, double buffering and the warp layout. The inner products are summed in increasing p for
/// every output, as the scalar reference does.
/// </summary>
public static class GemmTileLoop
{
    /// <summary>Threads per group for a tile and micro-tile: (BM/R)·(BN/R).</summary>
    public static int Threads<TTile, TMicro>()
        where TTile : struct, IGemmTile
        where TMicro : struct, IMicroTile
    {
        var r = default(TMicro).Size;
        return default(TTile).Rows / r * (default(TTile).Columns / r);
    }

    /// <summary>
    /// The block-relative place of <paramref name="thread"/>'s micro-tile. Classic: a
    /// (BM/R) × (BN/R) grid of threads, each strided across the whole block. Warp-tiled: warps
    /// side by side, each a WarpRows × WarpColumns grid of lanes strided across its own compact
    /// sub-block, so a warp's shared reads at one depth touch WarpRows A and WarpColumns B floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ThreadPlace Place<TTile, TMicro, TSchedule>(int thread)
        where TTile : struct, IGemmTile
        where TMicro : struct, IMicroTile
        where TSchedule : struct, IGemmSchedule
    {
        var tile = default(TTile);
        var size = default(TMicro).Size;
        var threadColumns = tile.Columns / size;
        if (!default(TSchedule).WarpTiled)
        {
            return new ThreadPlace(thread / threadColumns, tile.Rows / size, thread % threadColumns, threadColumns);
        }
        var lanes = tile.WarpRows * tile.WarpColumns;
        var warp = thread / lanes;
        var lane = thread % lanes;
        var warpsAcross = threadColumns / tile.WarpColumns;
        return new ThreadPlace(
            warp / warpsAcross * tile.WarpRows * size + lane / tile.WarpColumns, tile.WarpRows,
            warp % warpsAcross * tile.WarpColumns * size + lane % tile.WarpColumns, tile.WarpColumns);
    }

    /// <summary>
    /// Runs the K loop for the group's block (blockRow·BM, blockColumn·BN) and returns this
    /// thread's accumulators. aShared / bShared hold Buffers tiles each. Every thread of the group
    /// must call it (it holds barriers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TMicro Multiply<TTile, TMicro, TSchedule, TA, TB>(
        TA a, TB b, ArrayView<float> aShared, ArrayView<float> bShared, int blockRow, int blockColumn, int thread)
        where TTile : struct, IGemmTile
        where TMicro : struct, IMicroTile
        where TSchedule : struct, IGemmSchedule
        where TA : struct, IGemmOperand
        where TB : struct, IGemmOperand
    {
        var tile = default(TTile);
        var schedule = default(TSchedule);
        var threads = Threads<TTile, TMicro>();
        var place = Place<TTile, TMicro, TSchedule>(thread);
        var row0 = blockRow * tile.Rows;
        var column0 = blockColumn * tile.Columns;
        var acc = default(TMicro);

        if (!schedule.DoubleBuffered)
        {
            for (var k0 = 0; k0 < a.Columns; k0 += tile.Depth)
            {
                if (schedule.Vectorized)
                {
                    LoadQuads<TTile, TMicro, TA, TB>(a, b, aShared, bShared, 0, row0, column0, k0, thread);
                }
                else
                {
                    LoadScalars<TTile, TMicro, TA, TB>(a, b, aShared, bShared, row0, column0, k0, thread);
                }
                // A one-thread group (the CPU accelerator's tile) has no one to wait for; the test is a
                // compile-time constant, so GPU tiles keep both barriers and the CPU tile has none
                // (each is an OS-thread rendezvous there, docs/ILGPU.md §7).
                if (threads > 1)
                {
                    Group.Barrier();
                }
                acc = Accumulate<TTile, TMicro>(acc, aShared, bShared, 0, place);
                // Nobody overwrites the tiles until every thread has read them.
                if (threads > 1)
                {
                    Group.Barrier();
                }
            }
            return acc;
        }

        // Double-buffered: step t reads buffer t mod 2 and fills the other with step t + 1. The
        // other buffer was last read in step t − 1, which ended in a barrier, so one barrier per
        // step suffices. Register staging (at most four quads per operand and thread) lets the
        // global loads fly during the multiply-adds; bigger tiles per thread store straight to shared.
        var staged = QuadsPerThread(tile.Rows * tile.Depth / 4, threads) <= 4 && QuadsPerThread(tile.Depth * tile.Columns / 4, threads) <= 4;
        LoadQuads<TTile, TMicro, TA, TB>(a, b, aShared, bShared, 0, row0, column0, 0, thread);
        if (threads > 1)
        {
            Group.Barrier();
        }
        var buffer = 0;
        for (var k0 = 0; k0 < a.Columns; k0 += tile.Depth)
        {
            var next = k0 + tile.Depth;
            var other = 1 - buffer;
            if (staged)
            {
                var stage = default(TileStage);
                if (next < a.Columns)
                {
                    stage = Fetch<TTile, TMicro, TA, TB>(a, b, row0, column0, next, thread);
                }
                acc = Accumulate<TTile, TMicro>(acc, aShared, bShared, buffer, place);
                if (next < a.Columns)
                {
                    Put<TTile, TMicro, TA, TB>(stage, aShared, bShared, other, thread);
                }
            }
            else
            {
                if (next < a.Columns)
                {
                    LoadQuads<TTile, TMicro, TA, TB>(a, b, aShared, bShared, other, row0, column0, next, thread);
                }
                acc = Accumulate<TTile, TMicro>(acc, aShared, bShared, buffer, place);
            }
            if (threads > 1)
            {
                Group.Barrier();
            }
            buffer = other;
        }
        return acc;
    }

    /// <summary>⌈quads / threads⌉.</summary>
    public static int QuadsPerThread(int quads, int threads) => (quads + threads - 1) / threads;

    /// <summary>Hands this thread's accumulators to <paramref name="epilogue"/> at their places in C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<TTile, TMicro, TSchedule, TEpilogue>(TMicro acc, TEpilogue epilogue, int blockRow, int blockColumn, int thread)
        where TTile : struct, IGemmTile
        where TMicro : struct, IMicroTile
        where TSchedule : struct, IGemmSchedule
        where TEpilogue : struct, IGemmEpilogue
    {
        var tile = default(TTile);
        var place = Place<TTile, TMicro, TSchedule>(thread);
        acc.Store(
            epilogue,
            blockRow * tile.Rows + place.Row, place.RowStride,
            blockColumn * tile.Columns + place.Column, place.ColumnStride);
    }

    // BK rank-1 updates from shared tile `buffer`.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TMicro Accumulate<TTile, TMicro>(TMicro acc, ArrayView<float> aShared, ArrayView<float> bShared, int buffer, ThreadPlace place)
        where TTile : struct, IGemmTile
        where TMicro : struct, IMicroTile
    {
        var tile = default(TTile);
        var aBase = buffer * tile.SharedA + place.Row;
        var bBase = buffer * tile.SharedB + place.Column;
        for (var p = 0; p < tile.Depth; p++)
        {
            acc.MultiplyAdd(aShared, aBase + p * tile.Rows, place.RowStride, bShared, bBase + p * tile.Columns, place.ColumnStride);
        }
        return acc;
    }

    // Scalar staging: A depth-major in shared memory, aShared[p·BM + i] = A[row0 + i, k0 + p];
    // B row-major, bShared[p·BN + j] = B[k0 + p, column0 + j]. Neighbouring threads load
    // neighbouring floats of the operand's storage.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadScalars<TTile, TMicro, TA, TB>(
        TA a, TB b, ArrayView<float> aShared, ArrayView<float> bShared, int row0, int column0, int k0, int thread)
        where TTile : struct, IGemmTile
        where TMicro : struct, IMicroTile
        where TA : struct, IGemmOperand
        where TB : struct, IGemmOperand
    {
        var tile = default(TTile);
        var threads = Threads<TTile, TMicro>();
        for (var e = thread; e < tile.Rows * tile.Depth; e += threads)
        {
            int i, p;
            if (a.RowsContiguous)
            {
                i = e % tile.Rows;
                p = e / tile.Rows;
            }
            else
            {
                p = e % tile.Depth;
                i = e / tile.Depth;
            }
            var row = row0 + i;
            var k = k0 + p;
            aShared[p * tile.Rows + i] = row < a.Rows && k < a.Columns ? a.Load(row, k) : 0f;
        }
        for (var e = thread; e < tile.Depth * tile.Columns; e += threads)
        {
            int p, j;
            if (b.RowsContiguous)
            {
                p = e % tile.Depth;
                j = e / tile.Depth;
            }
            else
            {
                j = e % tile.Columns;
                p = e / tile.Columns;
            }
            var k = k0 + p;
            var column = column0 + j;
            bShared[p * tile.Columns + j] = k < b.Rows && column < b.Columns ? b.Load(k, column) : 0f;
        }
    }

    // Quad staging into shared tile `buffer`, same layouts as LoadScalars; quad e of a tile runs
    // along the operand's contiguous axis (see QuadA / QuadB).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadQuads<TTile, TMicro, TA, TB>(
        TA a, TB b, ArrayView<float> aShared, ArrayView<float> bShared, int buffer, int row0, int column0, int k0, int thread)
        where TTile : struct, IGemmTile
        where TMicro : struct, IMicroTile
        where TA : struct, IGemmOperand
        where TB : struct, IGemmOperand
    {
        var tile = default(TTile);
        var threads = Threads<TTile, TMicro>();
        for (var e = thread; e < tile.Rows * tile.Depth / 4; e += threads)
        {
            PutA<TTile, TA>(LoadA<TTile, TA>(a, e, row0, k0), aShared, buffer, e);
        }
        for (var e = thread; e < tile.Depth * tile.Columns / 4; e += threads)
        {
            PutB<TTile, TB>(LoadB<TTile, TB>(b, e, column0, k0), bShared, buffer, e);
        }
    }

    // The (at most four) quads per operand of this thread, loaded into registers.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TileStage Fetch<TTile, TMicro, TA, TB>(TA a, TB b, int row0, int column0, int k0, int thread)
        where TTile : struct, IGemmTile
        where TMicro : struct, IMicroTile
        where TA : struct, IGemmOperand
        where TB : struct, IGemmOperand
    {
        var tile = default(TTile);
        var threads = Threads<TTile, TMicro>();
        var quadsA = tile.Rows * tile.Depth / 4;
        var quadsB = tile.Depth * tile.Columns / 4;
        var perA = QuadsPerThread(quadsA, threads);
        var perB = QuadsPerThread(quadsB, threads);
        var stage = default(TileStage);
        if (thread < quadsA)
        {
            stage.A0 = LoadA<TTile, TA>(a, thread, row0, k0);
        }
        if (perA > 1 && thread + threads < quadsA)
        {
            stage.A1 = LoadA<TTile, TA>(a, thread + threads, row0, k0);
        }
        if (perA > 2 && thread + 2 * threads < quadsA)
        {
            stage.A2 = LoadA<TTile, TA>(a, thread + 2 * threads, row0, k0);
        }
        if (perA > 3 && thread + 3 * threads < quadsA)
        {
            stage.A3 = LoadA<TTile, TA>(a, thread + 3 * threads, row0, k0);
        }
        if (thread < quadsB)
        {
            stage.B0 = LoadB<TTile, TB>(b, thread, column0, k0);
        }
        if (perB > 1 && thread + threads < quadsB)
        {
            stage.B1 = LoadB<TTile, TB>(b, thread + threads, column0, k0);
        }
        if (perB > 2 && thread + 2 * threads < quadsB)
        {
            stage.B2 = LoadB<TTile, TB>(b, thread + 2 * threads, column0, k0);
        }
        if (perB > 3 && thread + 3 * threads < quadsB)
        {
            stage.B3 = LoadB<TTile, TB>(b, thread + 3 * threads, column0, k0);
        }
        return stage;
    }

    // Stores what Fetch loaded into shared tile `buffer`.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<TTile, TMicro, TA, TB>(TileStage stage, ArrayView<float> aShared, ArrayView<float> bShared, int buffer, int thread)
        where TTile : struct, IGemmTile
        where TMicro : struct, IMicroTile
        where TA : struct, IGemmOperand
        where TB : struct, IGemmOperand
    {
        var tile = default(TTile);
        var threads = Threads<TTile, TMicro>();
        var quadsA = tile.Rows * tile.Depth / 4;
        var quadsB = tile.Depth * tile.Columns / 4;
        var perA = QuadsPerThread(quadsA, threads);
        var perB = QuadsPerThread(quadsB, threads);
        if (thread < quadsA)
        {
            PutA<TTile, TA>(stage.A0, aShared, buffer, thread);
        }
        if (perA > 1 && thread + threads < quadsA)
        {
            PutA<TTile, TA>(stage.A1, aShared, buffer, thread + threads);
        }
        if (perA > 2 && thread + 2 * threads < quadsA)
        {
            PutA<TTile, TA>(stage.A2, aShared, buffer, thread + 2 * threads);
        }
        if (perA > 3 && thread + 3 * threads < quadsA)
        {
            PutA<TTile, TA>(stage.A3, aShared, buffer, thread + 3 * threads);
        }
        if (thread < quadsB)
        {
            PutB<TTile, TB>(stage.B0, bShared, buffer, thread);
        }
        if (perB > 1 && thread + threads < quadsB)
        {
            PutB<TTile, TB>(stage.B1, bShared, buffer, thread + threads);
        }
        if (perB > 2 && thread + 2 * threads < quadsB)
        {
            PutB<TTile, TB>(stage.B2, bShared, buffer, thread + 2 * threads);
        }
        if (perB > 3 && thread + 3 * threads < quadsB)
        {
            PutB<TTile, TB>(stage.B3, bShared, buffer, thread + 3 * threads);
        }
    }

    // A quad e: along k (BK/4 quads per tile row) for row-major A, along rows (BM/4 per depth) for
    // transposed storage.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Float4 LoadA<TTile, TA>(TA a, int e, int row0, int k0)
        where TTile : struct, IGemmTile
        where TA : struct, IGemmOperand
    {
        var tile = default(TTile);
        return a.RowsContiguous
            ? a.Load4(row0 + e % (tile.Rows / 4) * 4, k0 + e / (tile.Rows / 4))
            : a.Load4(row0 + e / (tile.Depth / 4), k0 + e % (tile.Depth / 4) * 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutA<TTile, TA>(Float4 quad, ArrayView<float> aShared, int buffer, int e)
        where TTile : struct, IGemmTile
        where TA : struct, IGemmOperand
    {
        var tile = default(TTile);
        var offset = buffer * tile.SharedA;
        if (default(TA).RowsContiguous)
        {
            quad.Store(aShared, offset + e / (tile.Rows / 4) * tile.Rows + e % (tile.Rows / 4) * 4, 1);
        }
        else
        {
            quad.Store(aShared, offset + e % (tile.Depth / 4) * 4 * tile.Rows + e / (tile.Depth / 4), tile.Rows);
        }
    }

    // B quad e: along k (BK/4 per tile column) for transposed B, along columns (BN/4 per depth) for row-major.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Float4 LoadB<TTile, TB>(TB b, int e, int column0, int k0)
        where TTile : struct, IGemmTile
        where TB : struct, IGemmOperand
    {
        var tile = default(TTile);
        return b.RowsContiguous
            ? b.Load4(k0 + e % (tile.Depth / 4) * 4, column0 + e / (tile.Depth / 4))
            : b.Load4(k0 + e / (tile.Columns / 4), column0 + e % (tile.Columns / 4) * 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutB<TTile, TB>(Float4 quad, ArrayView<float> bShared, int buffer, int e)
        where TTile : struct, IGemmTile
        where TB : struct, IGemmOperand
    {
        var tile = default(TTile);
        var offset = buffer * tile.SharedB;
        if (default(TB).RowsContiguous)
        {
            quad.Store(bShared, offset + e % (tile.Depth / 4) * 4 * tile.Columns + e / (tile.Depth / 4), tile.Columns);
        }
        else
        {
            quad.Store(bShared, offset + e / (tile.Columns / 4) * tile.Columns + e % (tile.Columns / 4) * 4, 1);
        }
    }
}

// ---- block tiles ------------------------------------------------------------------------------
// CUDA: three sizes, the largest whose grid still fills the device is picked per product (a batch-32
// forward has too few 128×128 blocks to occupy 132 SMs). ILGPU's CPU accelerator: one thread per
// group (each simulated thread is an OS thread and each barrier a real rendezvous, docs/ILGPU.md §7) with
// an 8×8 micro-tile, and a 2-thread tile for tests that exercise the shared-memory handshake.

/// <summary>128 × 128 × 8 with 8 × 8 micro-tiles: 256 threads, 8 KiB shared. Large CUDA products.</summary>
public readonly struct Tile128 : IGemmTile
{
    private const int M = 128, N = 128, K = 8;

    /// <inheritdoc />
    public int Rows => M;

    /// <inheritdoc />
    public int Columns => N;

    /// <inheritdoc />
    public int Depth => K;

    /// <inheritdoc />
    public int SharedA => M * K;

    /// <inheritdoc />
    public int SharedB => K * N;

    /// <inheritdoc />
    public int WarpRows => 4;

    /// <inheritdoc />
    public int WarpColumns => 8;
}

/// <summary>64 × 64 × 16 with 4 × 4 micro-tiles: 256 threads, 8 KiB shared. Mid-sized CUDA products.</summary>
public readonly struct Tile64 : IGemmTile
{
    private const int M = 64, N = 64, K = 16;

    /// <inheritdoc />
    public int Rows => M;

    /// <inheritdoc />
    public int Columns => N;

    /// <inheritdoc />
    public int Depth => K;

    /// <inheritdoc />
    public int SharedA => M * K;

    /// <inheritdoc />
    public int SharedB => K * N;

    /// <inheritdoc />
    public int WarpRows => 4;

    /// <inheritdoc />
    public int WarpColumns => 8;
}

/// <summary>32 × 32 × 16 with 2 × 2 micro-tiles: 256 threads, 4 KiB shared. Small-batch CUDA products.</summary>
public readonly struct Tile32 : IGemmTile
{
    private const int M = 32, N = 32, K = 16;

    /// <inheritdoc />
    public int Rows => M;

    /// <inheritdoc />
    public int Columns => N;

    /// <inheritdoc />
    public int Depth => K;

    /// <inheritdoc />
    public int SharedA => M * K;

    /// <inheritdoc />
    public int SharedB => K * N;

    /// <inheritdoc />
    public int WarpRows => 4;

    /// <inheritdoc />
    public int WarpColumns => 8;
}

/// <summary>8 × 8 × 16 with one 8 × 8 micro-tile: one thread per group. ILGPU's CPU accelerator.</summary>
public readonly struct Tile8 : IGemmTile
{
    private const int M = 8, N = 8, K = 16;

    /// <inheritdoc />
    public int Rows => M;

    /// <inheritdoc />
    public int Columns => N;

    /// <inheritdoc />
    public int Depth => K;

    /// <inheritdoc />
    public int SharedA => M * K;

    /// <inheritdoc />
    public int SharedB => K * N;

    /// <inheritdoc />
    public int WarpRows => 1;

    /// <inheritdoc />
    public int WarpColumns => 1;
}

/// <summary>
/// 2 × 4 × 3 with 2 × 2 micro-tiles: two threads sharing each tile, and an odd depth. For tests on
/// the CPU accelerator (whose lean device allows groups of 2): every shape is ragged against it and
/// the two threads must meet at the barriers.
/// </summary>
public readonly struct TileTiny : IGemmTile
{
    private const int M = 2, N = 4, K = 3;

    /// <inheritdoc />
    public int Rows => M;

    /// <inheritdoc />
    public int Columns => N;

    /// <inheritdoc />
    public int Depth => K;

    /// <inheritdoc />
    public int SharedA => M * K;

    /// <inheritdoc />
    public int SharedB => K * N;

    /// <inheritdoc />
    public int WarpRows => 1;

    /// <inheritdoc />
    public int WarpColumns => 2;
}

/// <summary>
/// 8 × 8 × 4 with 4 × 4 micro-tiles: four threads in two warps of 1 × 2 lanes. For tests of the
/// vectorised, double-buffered and warp-tiled schedules on the CPU accelerator (a device with
/// groups of 4 and warps of 2): two quads per thread and operand are staged in registers, and the
/// warp layout differs from the classic one.
/// </summary>
public readonly struct TileQuad : IGemmTile
{
    private const int M = 8, N = 8, K = 4;

    /// <inheritdoc />
    public int Rows => M;

    /// <inheritdoc />
    public int Columns => N;

    /// <inheritdoc />
    public int Depth => K;

    /// <inheritdoc />
    public int SharedA => M * K;

    /// <inheritdoc />
    public int SharedB => K * N;

    /// <inheritdoc />
    public int WarpRows => 1;

    /// <inheritdoc />
    public int WarpColumns => 2;
}

// ---- micro-tiles ------------------------------------------------------------------------------

/// <summary>Eight floats: one row of an 8 × 8 micro-tile, or an 8-float fragment of B.</summary>
public struct Row8
{
    private float _v0, _v1, _v2, _v3, _v4, _v5, _v6, _v7;

    /// <summary>Loads view[index + j·stride], j &lt; 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Row8 Load(ArrayView<float> view, int index, int stride) => new()
    {
        _v0 = view[index], _v1 = view[index + stride], _v2 = view[index + 2 * stride], _v3 = view[index + 3 * stride],
        _v4 = view[index + 4 * stride], _v5 = view[index + 5 * stride], _v6 = view[index + 6 * stride], _v7 = view[index + 7 * stride],
    };

    /// <summary>this += a · b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MultiplyAdd(float a, Row8 b)
    {
        _v0 += a * b._v0; _v1 += a * b._v1; _v2 += a * b._v2; _v3 += a * b._v3;
        _v4 += a * b._v4; _v5 += a * b._v5; _v6 += a * b._v6; _v7 += a * b._v7;
    }

    /// <summary>Hands element j to the epilogue as (row, column + j·stride).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store<TEpilogue>(TEpilogue epilogue, int row, int column, int stride)
        where TEpilogue : struct, IGemmEpilogue
    {
        epilogue.Store(row, column, _v0); epilogue.Store(row, column + stride, _v1);
        epilogue.Store(row, column + 2 * stride, _v2); epilogue.Store(row, column + 3 * stride, _v3);
        epilogue.Store(row, column + 4 * stride, _v4); epilogue.Store(row, column + 5 * stride, _v5);
        epilogue.Store(row, column + 6 * stride, _v6); epilogue.Store(row, column + 7 * stride, _v7);
    }
}

/// <summary>Four floats: a row of a 4 × 4 micro-tile or a B fragment.</summary>
public struct Row4
{
    private float _v0, _v1, _v2, _v3;

    /// <summary>Loads view[index + j·stride], j &lt; 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Row4 Load(ArrayView<float> view, int index, int stride) => new()
    {
        _v0 = view[index], _v1 = view[index + stride], _v2 = view[index + 2 * stride], _v3 = view[index + 3 * stride],
    };

    /// <summary>this += a · b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MultiplyAdd(float a, Row4 b)
    {
        _v0 += a * b._v0; _v1 += a * b._v1; _v2 += a * b._v2; _v3 += a * b._v3;
    }

    /// <summary>Hands element j to the epilogue as (row, column + j·stride).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store<TEpilogue>(TEpilogue epilogue, int row, int column, int stride)
        where TEpilogue : struct, IGemmEpilogue
    {
        epilogue.Store(row, column, _v0); epilogue.Store(row, column + stride, _v1);
        epilogue.Store(row, column + 2 * stride, _v2); epilogue.Store(row, column + 3 * stride, _v3);
    }
}

/// <summary>Two floats: a row of a 2 × 2 micro-tile or a B fragment.</summary>
public struct Row2
{
    private float _v0, _v1;

    /// <summary>Loads view[index], view[index + stride].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Row2 Load(ArrayView<float> view, int index, int stride) => new() { _v0 = view[index], _v1 = view[index + stride] };

    /// <summary>this += a · b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MultiplyAdd(float a, Row2 b)
    {
        _v0 += a * b._v0; _v1 += a * b._v1;
    }

    /// <summary>Hands element j to the epilogue as (row, column + j·stride).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store<TEpilogue>(TEpilogue epilogue, int row, int column, int stride)
        where TEpilogue : struct, IGemmEpilogue
    {
        epilogue.Store(row, column, _v0); epilogue.Store(row, column + stride, _v1);
    }
}

/// <summary>8 × 8 accumulators (64 registers): 16 shared loads per 64 multiply-adds.</summary>
public struct Micro8 : IMicroTile
{
    private Row8 _r0, _r1, _r2, _r3, _r4, _r5, _r6, _r7;

    /// <inheritdoc />
    public readonly int Size => 8;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MultiplyAdd(ArrayView<float> a, int aIndex, int aStride, ArrayView<float> b, int bIndex, int bStride)
    {
        var bRow = Row8.Load(b, bIndex, bStride);
        _r0.MultiplyAdd(a[aIndex], bRow);
        _r1.MultiplyAdd(a[aIndex + aStride], bRow);
        _r2.MultiplyAdd(a[aIndex + 2 * aStride], bRow);
        _r3.MultiplyAdd(a[aIndex + 3 * aStride], bRow);
        _r4.MultiplyAdd(a[aIndex + 4 * aStride], bRow);
        _r5.MultiplyAdd(a[aIndex + 5 * aStride], bRow);
        _r6.MultiplyAdd(a[aIndex + 6 * aStride], bRow);
        _r7.MultiplyAdd(a[aIndex + 7 * aStride], bRow);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store<TEpilogue>(TEpilogue epilogue, int row, int rowStride, int column, int columnStride)
        where TEpilogue : struct, IGemmEpilogue
    {
        _r0.Store(epilogue, row, column, columnStride);
        _r1.Store(epilogue, row + rowStride, column, columnStride);
        _r2.Store(epilogue, row + 2 * rowStride, column, columnStride);
        _r3.Store(epilogue, row + 3 * rowStride, column, columnStride);
        _r4.Store(epilogue, row + 4 * rowStride, column, columnStride);
        _r5.Store(epilogue, row + 5 * rowStride, column, columnStride);
        _r6.Store(epilogue, row + 6 * rowStride, column, columnStride);
        _r7.Store(epilogue, row + 7 * rowStride, column, columnStride);
    }
}

/// <summary>4 × 4 accumulators: 8 shared loads per 16 multiply-adds.</summary>
public struct Micro4 : IMicroTile
{
    private Row4 _r0, _r1, _r2, _r3;

    /// <inheritdoc />
    public readonly int Size => 4;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MultiplyAdd(ArrayView<float> a, int aIndex, int aStride, ArrayView<float> b, int bIndex, int bStride)
    {
        var bRow = Row4.Load(b, bIndex, bStride);
        _r0.MultiplyAdd(a[aIndex], bRow);
        _r1.MultiplyAdd(a[aIndex + aStride], bRow);
        _r2.MultiplyAdd(a[aIndex + 2 * aStride], bRow);
        _r3.MultiplyAdd(a[aIndex + 3 * aStride], bRow);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store<TEpilogue>(TEpilogue epilogue, int row, int rowStride, int column, int columnStride)
        where TEpilogue : struct, IGemmEpilogue
    {
        _r0.Store(epilogue, row, column, columnStride);
        _r1.Store(epilogue, row + rowStride, column, columnStride);
        _r2.Store(epilogue, row + 2 * rowStride, column, columnStride);
        _r3.Store(epilogue, row + 3 * rowStride, column, columnStride);
    }
}

/// <summary>2 × 2 accumulators: 4 shared loads per 4 multiply-adds (small products, tests).</summary>
public struct Micro2 : IMicroTile
{
    private Row2 _r0, _r1;

    /// <inheritdoc />
    public readonly int Size => 2;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MultiplyAdd(ArrayView<float> a, int aIndex, int aStride, ArrayView<float> b, int bIndex, int bStride)
    {
        var bRow = Row2.Load(b, bIndex, bStride);
        _r0.MultiplyAdd(a[aIndex], bRow);
        _r1.MultiplyAdd(a[aIndex + aStride], bRow);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store<TEpilogue>(TEpilogue epilogue, int row, int rowStride, int column, int columnStride)
        where TEpilogue : struct, IGemmEpilogue
    {
        _r0.Store(epilogue, row, column, columnStride);
        _r1.Store(epilogue, row + rowStride, column, columnStride);
    }
}
