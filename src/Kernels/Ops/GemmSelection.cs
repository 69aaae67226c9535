namespace CrossPropertyILGPU.Kernels.Ops;

/// <summary>The three dense products, each one GEMM (<see cref="DenseKernels"/>).</summary>
public enum GemmProduct
{
    /// <summary>y[M,N] = x[M,K]·w[K,N] + b: C is M × N, inner K.</summary>
    Forward,

    /// <summary>dx[M,K] = dy[M,N]·wᵀ: C is M × K, inner N.</summary>
    InputGradient,

    /// <summary>[dw; db][K+1,N] = [xᵀ; 1ᵀ]·dy: C is (K+1) × N, inner M.</summary>
    ParameterGradient,
}

/// <summary>
/// Chooses the configuration a dense product runs with, from those a backend compiled. The tile:
/// the largest whose grid gives every multiprocessor a group (<see cref="GemmTileConfiguration.Pick"/>),
/// so the device is filled before blocks grow. The variant: the first of the product's row in
/// <see cref="Preference"/> that was compiled for that tile.
/// </summary>
public static class GemmSelection
{
    // The preference table, best first, per product and whether its operands allow 16-byte loads.
    // Its order is the ladder measured for SGEMM on an A6000 (siboehm: block tiling 69 %, vector
    // loads 78 %, warp tiling 94 % of cuBLAS), not yet a measurement of these kernels: `gpu
    // --variants` prints the numbers per product and shape that should reorder it per device.
    // Without aligned operands the vectorised schedules fall back to scalar quads, so plain
    // Vectorized then gains nothing over Blocked, while double buffering still overlaps loads.
    private static readonly GemmVariant[] VectorPreference =
        [GemmVariant.WarpTiled, GemmVariant.DoubleBuffered, GemmVariant.Vectorized, GemmVariant.Blocked];

    private static readonly GemmVariant[] ScalarPreference =
        [GemmVariant.DoubleBuffered, GemmVariant.WarpTiled, GemmVariant.Blocked, GemmVariant.Vectorized];

    /// <summary>The variants in order of preference for <paramref name="product"/>.</summary>
    public static IReadOnlyList<GemmVariant> Preference(GemmProduct product, bool vectorizable) => product switch
    {
        GemmProduct.Forward or GemmProduct.InputGradient or GemmProduct.ParameterGradient =>
            vectorizable ? VectorPreference : ScalarPreference,
        _ => throw new ArgumentOutOfRangeException(nameof(product), product, "Unknown product."),
    };

    /// <summary>
    /// Whether the product's operands may be read as <see cref="Float4"/>: the two views the GEMM
    /// reads start at float offsets that are multiples of 4 (device allocations are at least
    /// 16-byte aligned) and the row lengths of both operands' storage are multiples of 4.
    /// </summary>
    public static bool Vectorizable(GemmProduct product, int k, int n, int offsetA, int offsetB)
    {
        var rowsAligned = product switch
        {
            // x [M,K] and w [K,N], both read along their rows.
            GemmProduct.Forward => k % 4 == 0 && n % 4 == 0,
            // dy [M,N] along rows; w [K,N] read as wᵀ along its stored rows of N.
            GemmProduct.InputGradient => n % 4 == 0,
            // x [M,K] read as xᵀ along its stored rows of K; dy [M,N] along rows.
            GemmProduct.ParameterGradient => k % 4 == 0 && n % 4 == 0,
            _ => throw new ArgumentOutOfRangeException(nameof(product), product, "Unknown product."),
        };
        return rowsAligned && offsetA % 4 == 0 && offsetB % 4 == 0;
    }

    /// <summary>
    /// Index into <paramref name="loaded"/> of the configuration for a product whose C is
    /// <paramref name="rows"/> × <paramref name="columns"/>.
    /// </summary>
    public static int Choose(
        IReadOnlyList<GemmTileConfiguration> loaded, GemmProduct product, int rows, int columns, bool vectorizable, int minGroups)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentOutOfRangeException.ThrowIfZero(loaded.Count, nameof(loaded));
        // One representative per tile size, in the order loaded (largest first).
        var sizes = new List<GemmTileConfiguration>();
        foreach (var configuration in loaded)
        {
            if (!sizes.Exists(c => c.Size == configuration.Size))
            {
                sizes.Add(configuration);
            }
        }
        var size = sizes[GemmTileConfiguration.Pick(sizes, rows, columns, minGroups)].Size;
        foreach (var variant in Preference(product, vectorizable))
        {
            for (var i = 0; i < loaded.Count; i++)
            {
                if (loaded[i].Size == size && loaded[i].Variant == variant)
                {
                    return i;
                }
            }
        }
        throw new InvalidOperationException($"No configuration of tile {size} was loaded."); // unreachable: the representative is one
    }
}
