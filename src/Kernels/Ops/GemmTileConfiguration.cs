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
}

/// <summary>
/// One (block tile, micro-tile) pair: the generic arguments that specialise the three tiled dense
/// kernels, with the launch geometry they imply.
/// </summary>
public sealed class GemmTileConfiguration
{
    private GemmTileConfiguration(GemmTileSize size, Type tile, Type micro)
    {
        Size = size;
        Tile = tile;
        Micro = micro;
        var t = (IGemmTile)Activator.CreateInstance(tile)!;
        var r = ((IMicroTile)Activator.CreateInstance(micro)!).Size;
        if (t.Rows % r != 0 || t.Columns % r != 0 || t.SharedA != t.Rows * t.Depth || t.SharedB != t.Depth * t.Columns)
        {
            throw new InvalidOperationException($"Tile {tile.Name} does not fit micro-tile {micro.Name}.");
        }
        Rows = t.Rows;
        Columns = t.Columns;
        Depth = t.Depth;
        Threads = t.Rows / r * (t.Columns / r);
    }

    /// <summary>Every configuration, largest first.</summary>
    public static IReadOnlyList<GemmTileConfiguration> All { get; } =
    [
        new(GemmTileSize.Tile128, typeof(Tile128), typeof(Micro8)),
        new(GemmTileSize.Tile64, typeof(Tile64), typeof(Micro4)),
        new(GemmTileSize.Tile32, typeof(Tile32), typeof(Micro2)),
        new(GemmTileSize.Tile8, typeof(Tile8), typeof(Micro8)),
        new(GemmTileSize.Tiny, typeof(TileTiny), typeof(Micro2)),
    ];

    /// <summary>The generic kernel definitions every configuration instantiates.</summary>
    public static IReadOnlyList<MethodInfo> GenericKernels { get; } =
    [
        typeof(DenseKernels).GetMethod(nameof(DenseKernels.TiledForward))!,
        typeof(DenseKernels).GetMethod(nameof(DenseKernels.TiledBackwardInput))!,
        typeof(DenseKernels).GetMethod(nameof(DenseKernels.TiledBackwardParameters))!,
    ];

    /// <summary>Which configuration this is.</summary>
    public GemmTileSize Size { get; }

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

    /// <summary>The configuration called <paramref name="size"/>.</summary>
    public static GemmTileConfiguration For(GemmTileSize size) =>
        All.FirstOrDefault(c => c.Size == size) ?? throw new ArgumentOutOfRangeException(nameof(size), size, "Unknown tile size.");

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
        return genericKernel.MakeGenericMethod(Tile, Micro);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Rows}×{Columns}×{Depth}/{Micro.Name}";
}
