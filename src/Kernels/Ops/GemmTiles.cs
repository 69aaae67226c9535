using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace CrossPropertyILGPU.Kernels.Ops;

// The building blocks of the tiled, register-blocked GEMM in DenseKernels: block-tile sizes,
// per-thread micro-tiles, operand views and the shared-memory tile loop. Everything here is a
// struct used as a generic argument, so ILGPU specialises one kernel per (tile, micro-tile) pair
// with every size a compile-time constant: shared arrays get a static length (ILGPU requires one)
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
}

/// <summary>
/// The R × R block of C one thread accumulates in registers. Thread (tx, ty) of a group owns rows
/// ty + i·(BM/R) and columns tx + j·(BN/R), i, j &lt; R: strided, so at every depth the threads of a
/// warp read consecutive B floats (no bank conflicts) and store consecutive C floats (coalesced).
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
}

/// <summary>A row-major matrix [Rows, Columns] as stored: element (r, c) at r·Columns + c.</summary>
public readonly struct RowMajorOperand(ArrayView<float> data, int rows, int columns) : IGemmOperand
{
    private readonly ArrayView<float> _data = data;

    /// <inheritdoc />
    public int Rows { get; } = rows;

    /// <inheritdoc />
    public int Columns { get; } = columns;

    /// <inheritdoc />
    public bool RowsContiguous => false;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Load(int row, int column) => _data[row * Columns + column];
}

/// <summary>
/// The transpose of a row-major matrix stored [Columns, StoredRows]: element (r, c) at
/// c·StoredRows + r. Logical rows past <c>storedRows</c> read as 1: with one extra row, xᵀ gains a
/// row of ones and xᵀ·dy yields the bias gradient Σ_m dy[m, :] as that row — the weight and bias
/// gradients in one GEMM.
/// </summary>
public readonly struct TransposedOperand(ArrayView<float> data, int storedRows, int rows, int columns) : IGemmOperand
{
    private readonly ArrayView<float> _data = data;
    private readonly int _storedRows = storedRows;

    /// <inheritdoc />
    public int Rows { get; } = rows;

    /// <inheritdoc />
    public int Columns { get; } = columns;

    /// <inheritdoc />
    public bool RowsContiguous => true;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Load(int row, int column) => row < _storedRows ? _data[column * _storedRows + row] : 1f;
}

/// <summary>
/// The shared-memory tile loop every dense GEMM kernel runs: stage a BM × BK tile of A and a
/// BK × BN tile of B (zero-padded past the edges, so any M, N, K works), barrier, accumulate BK
/// rank-1 updates into the thread's micro-tile, barrier, next K step. The inner products are summed
/// in increasing p for every output, as the scalar reference does.
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
    /// Runs the K loop for the group's block (blockRow·BM, blockColumn·BN) and returns this
    /// thread's accumulators. Every thread of the group must call it (it holds barriers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TMicro Multiply<TTile, TMicro, TA, TB>(
        TA a, TB b, ArrayView<float> aShared, ArrayView<float> bShared, int blockRow, int blockColumn, int thread)
        where TTile : struct, IGemmTile
        where TMicro : struct, IMicroTile
        where TA : struct, IGemmOperand
        where TB : struct, IGemmOperand
    {
        var tile = default(TTile);
        var size = default(TMicro).Size;
        var threadColumns = tile.Columns / size;
        var threadRows = tile.Rows / size;
        var threads = threadColumns * threadRows;
        var tx = thread % threadColumns;
        var ty = thread / threadColumns;
        var row0 = blockRow * tile.Rows;
        var column0 = blockColumn * tile.Columns;

        var acc = default(TMicro);
        for (var k0 = 0; k0 < a.Columns; k0 += tile.Depth)
        {
            // A tile, depth-major in shared memory: aShared[p·BM + i] = A[row0 + i, k0 + p].
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
            // B tile, row-major: bShared[p·BN + j] = B[k0 + p, column0 + j].
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
            // A one-thread group (the CPU accelerator's tile) has no one to wait for; the test is a
            // compile-time constant, so GPU tiles keep both barriers and the CPU tile has none
            // (each is an OS-thread rendezvous there, docs/ILGPU.md §7).
            if (threads > 1)
            {
                Group.Barrier();
            }
            for (var p = 0; p < tile.Depth; p++)
            {
                acc.MultiplyAdd(aShared, p * tile.Rows + ty, threadRows, bShared, p * tile.Columns + tx, threadColumns);
            }
            // Nobody overwrites the tiles until every thread has read them.
            if (threads > 1)
            {
                Group.Barrier();
            }
        }
        return acc;
    }

    /// <summary>Hands this thread's accumulators to <paramref name="epilogue"/> at their places in C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<TTile, TMicro, TEpilogue>(TMicro acc, TEpilogue epilogue, int blockRow, int blockColumn, int thread)
        where TTile : struct, IGemmTile
        where TMicro : struct, IMicroTile
        where TEpilogue : struct, IGemmEpilogue
    {
        var tile = default(TTile);
        var size = default(TMicro).Size;
        var threadColumns = tile.Columns / size;
        var threadRows = tile.Rows / size;
        acc.Store(
            epilogue,
            blockRow * tile.Rows + thread / threadColumns, threadRows,
            blockColumn * tile.Columns + thread % threadColumns, threadColumns);
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
