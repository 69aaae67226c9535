using System.Reflection;

namespace CrossPropertyILGPU.Kernels.Ops;

/// <summary>The block-tile configurations the dense GEMM kernels are compiled for.</summary>
public enum GemmTileSize
{
    /// <summary>128 × 128 × 8, 8 × 8 per thread, 256 threads (CUDA, large products).</summary>
    Tile128,

    /// <summary>64 × 64 × 16, 4 × 4 per thread, 256 threads (CUDA, mid-sized products).</summary>
    Tile64,

    /// <summary>32 × 32 × 16, 2 × 2 per thread, 256 threads (CUDA, small batches).</summary>
    Tile32,

    /// <summary>8 × 8 × 16, one thread per group (ILGPU's CPU accelerator).</summary>
    Tile8,

    /// <summary>2 × 4 × 3, two threads per group (tests of the shared-memory handshake).</summary>
    Tiny,

    /// <summary>8 × 8 × 4, four threads in two 2-lane warps (tests of the vectorised, double-buffered and warp-tiled schedules).</summary>
    Quad,
}

/// <summary>
/// The SGEMM variants, each a rung of the usual ladder (siboehm's SGEMM_CUDA) adding to the one
/// before; every variant runs every block tile whose sizes allow it.
/// </summary>
public enum GemmVariant
{
    /// <summary>2-D block tiling, register micro-tiles, scalar global loads (<see cref="BlockedSchedule"/>).</summary>
    Blocked,

    /// <summary>+ 16-byte vectorised global loads where the operands are aligned (<see cref="VectorizedSchedule"/>).</summary>
    Vectorized,

    /// <summary>+ double-buffered shared tiles, next step's loads in registers during the math (<see cref="DoubleBufferedSchedule"/>).</summary>
    DoubleBuffered,

    /// <summary>+ warp tiling: each warp a compact sub-block of C (<see cref="WarpTiledSchedule"/>).</summary>
    WarpTiled,
}

/// <summary>Command-line names of <see cref="GemmVariant"/>.</summary>
public static class GemmVariants
{
    /// <summary>Every variant, in ladder order.</summary>
    public static IReadOnlyList<GemmVariant> All { get; } = [GemmVariant.Blocked, GemmVariant.Vectorized, GemmVariant.DoubleBuffered, GemmVariant.WarpTiled];

    /// <summary>The lower-case name (blocked, vectorized, double-buffered, warp-tiled).</summary>
    public static string ToName(this GemmVariant variant) => variant switch
    {
        GemmVariant.Blocked => "blocked",
        GemmVariant.Vectorized => "vectorized",
        GemmVariant.DoubleBuffered => "double-buffered",
        GemmVariant.WarpTiled => "warp-tiled",
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "Unknown GEMM variant."),
    };

    /// <summary>Parses <see cref="ToName"/>'s names, case-insensitively.</summary>
    public static bool TryParse(string name, out GemmVariant variant)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.ToName(), name, StringComparison.OrdinalIgnoreCase))
            {
                variant = candidate;
                return true;
            }
        }
        variant = default;
        return false;
    }

    internal static Type Schedule(GemmVariant variant) => variant switch
    {
        GemmVariant.Blocked => typeof(BlockedSchedule),
        GemmVariant.Vectorized => typeof(VectorizedSchedule),
        GemmVariant.DoubleBuffered => typeof(DoubleBufferedSchedule),
        GemmVariant.WarpTiled => typeof(WarpTiledSchedule),
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "Unknown GEMM variant."),
    };
}

/// <summary>
/// One (block tile, micro-tile, variant) triple: the generic arguments that specialise the three
/// tiled dense kernels, with the launch geometry they imply.
/// </summary>
public sealed class GemmTileConfiguration
{
    private static readonly (GemmTileSize Size, Type Tile, Type Micro)[] Tiles =
    [
        (GemmTileSize.Tile128, typeof(Tile128), typeof(Micro8)),
        (GemmTileSize.Tile64, typeof(Tile64), typeof(Micro4)),
        (GemmTileSize.Tile32, typeof(Tile32), typeof(Micro2)),
        (GemmTileSize.Tile8, typeof(Tile8), typeof(Micro8)),
        (GemmTileSize.Tiny, typeof(TileTiny), typeof(Micro2)),
        (GemmTileSize.Quad, typeof(TileQuad), typeof(Micro4)),
    ];

    private GemmTileConfiguration(GemmTileSize size, Type tile, Type micro, GemmVariant variant)
    {
        Size = size;
        Tile = tile;
        Micro = micro;
        Variant = variant;
        Schedule = GemmVariants.Schedule(variant);
        var t = (IGemmTile)Activator.CreateInstance(tile)!;
        var r = ((IMicroTile)Activator.CreateInstance(micro)!).Size;
        if (t.Rows % r != 0 || t.Columns % r != 0 || t.SharedA != t.Rows * t.Depth || t.SharedB != t.Depth * t.Columns
            || t.Columns / r % t.WarpColumns != 0 || t.Rows / r % t.WarpRows != 0)
        {
            throw new InvalidOperationException($"Tile {tile.Name} does not fit micro-tile {micro.Name} or its warps.");
        }
        Rows = t.Rows;
        Columns = t.Columns;
        Depth = t.Depth;
        Threads = t.Rows / r * (t.Columns / r);
        WarpThreads = t.WarpRows * t.WarpColumns;
        SharedFloats = ((IGemmSchedule)Activator.CreateInstance(Schedule)!).Buffers * (t.SharedA + t.SharedB);
    }

    /// <summary>Every configuration: each tile, largest first, in every variant it allows (<see cref="Allows"/>).</summary>
    public static IReadOnlyList<GemmTileConfiguration> All { get; } =
    [
        .. Tiles.SelectMany(t => GemmVariants.All
            .Where(v => Allows(t.Tile, v))
            .Select(v => new GemmTileConfiguration(t.Size, t.Tile, t.Micro, v))),
    ];

    /// <summary>The generic kernel definitions every configuration instantiates.</summary>
    public static IReadOnlyList<MethodInfo> GenericKernels { get; } =
    [
        typeof(DenseKernels).GetMethod(nameof(DenseKernels.TiledForward))!,
        typeof(DenseKernels).GetMethod(nameof(DenseKernels.TiledBackwardInput))!,
        typeof(DenseKernels).GetMethod(nameof(DenseKernels.TiledBackwardParameters))!,
    ];

    /// <summary>Which block tile this is.</summary>
    public GemmTileSize Size { get; }

    /// <summary>Which SGEMM variant (schedule) this is.</summary>
    public GemmVariant Variant { get; }

    /// <summary>The <see cref="IGemmSchedule"/> type argument.</summary>
    public Type Schedule { get; }

    /// <summary>Threads of one warp in the warp-tiled layout; the device's warp size must be a multiple of it to matter, and equal for the layout to mean what it says.</summary>
    public int WarpThreads { get; }

    /// <summary>Floats of shared memory per group (both operands, every buffer).</summary>
    public int SharedFloats { get; }

    /// <summary>The <see cref="IGemmTile"/> type argument.</summary>
    public Type Tile { get; }

    /// <summary>The <see cref="IMicroTile"/> type argument.</summary>
    public Type Micro { get; }

    /// <summary>Rows of C per group (BM).</summary>
    public int Rows { get; }

    /// <summary>Columns of C per group (BN).</summary>
    public int Columns { get; }

    /// <summary>Inner-dimension step (BK).</summary>
    public int Depth { get; }

    /// <summary>Threads per group.</summary>
    public int Threads { get; }

    /// <summary>The configuration of tile <paramref name="size"/> in <paramref name="variant"/>.</summary>
    public static GemmTileConfiguration For(GemmTileSize size, GemmVariant variant = GemmVariant.Blocked) =>
        All.FirstOrDefault(c => c.Size == size && c.Variant == variant)
        ?? throw new ArgumentOutOfRangeException(nameof(size), size, $"No {variant.ToName()} configuration of tile {size}.");

    /// <summary>Whether tile <paramref name="size"/> has a <paramref name="variant"/> configuration.</summary>
    public static bool Exists(GemmTileSize size, GemmVariant variant) => All.Any(c => c.Size == size && c.Variant == variant);

    // The vectorised schedules move whole quads: every tile edge must be a multiple of 4 (the tiny
    // 2 × 4 × 3 test tile is not).
    private static bool Allows(Type tile, GemmVariant variant)
    {
        if (variant == GemmVariant.Blocked)
        {
            return true;
        }
        var t = (IGemmTile)Activator.CreateInstance(tile)!;
        return t.Rows % 4 == 0 && t.Columns % 4 == 0 && t.Depth % 4 == 0;
    }

    /// <summary>
    /// The first (largest) of <paramref name="candidates"/> whose grid for a C of
    /// <paramref name="rows"/> × <paramref name="columns"/> has at least <paramref name="minGroups"/>
    /// groups — enough to give every multiprocessor work — else the last (smallest).
    /// </summary>
    public static int Pick(IReadOnlyList<GemmTileConfiguration> candidates, int rows, int columns, int minGroups)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfZero(candidates.Count, nameof(candidates));
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates[i].Groups(rows, columns) >= minGroups)
            {
                return i;
            }
        }
        return candidates.Count - 1;
    }

    /// <summary>Groups needed for a C of <paramref name="rows"/> × <paramref name="columns"/>.</summary>
    public long Groups(int rows, int columns) => (long)Blocks(rows, Rows) * Blocks(columns, Columns);

    /// <summary>⌈extent / block⌉.</summary>
    public static int Blocks(int extent, int block) => (int)(((long)extent + block - 1) / block);

    /// <summary><paramref name="genericKernel"/> (one of <see cref="GenericKernels"/>) specialised for this configuration.</summary>
    public MethodInfo Instantiate(MethodInfo genericKernel)
    {
        ArgumentNullException.ThrowIfNull(genericKernel);
        return genericKernel.MakeGenericMethod(Tile, Micro, Schedule);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Rows}×{Columns}×{Depth}/{Micro.Name}/{Variant.ToName()}";
}
