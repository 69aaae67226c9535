using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Kernels.Ops;
using CrossPropertyILGPU.Kernels.Tests.Support;

namespace CrossPropertyILGPU.Kernels.Tests.Ops;

/// <summary>
/// How a product's configuration is chosen: the tile by filling the device, the variant by the
/// preference table among those compiled, vector loads only where the operands allow them, and a
/// forced variant overriding the table.
/// </summary>
public sealed class GemmSelectionTests
{
    private static readonly GemmTileConfiguration[] GpuConfigurations =
    [
        .. GemmTileConfiguration.All.Where(c => c.Size is GemmTileSize.Tile128 or GemmTileSize.Tile64 or GemmTileSize.Tile32),
    ];

    [TestCase(GemmProduct.Forward, 1024, 1024, 0, 0, true)]
    [TestCase(GemmProduct.Forward, 86, 1024, 0, 0, false)]          // ElemNet's first layer: rows of 86 floats
    [TestCase(GemmProduct.InputGradient, 86, 1024, 0, 0, true)]     // reads dy and w along rows of N only
    [TestCase(GemmProduct.InputGradient, 1024, 1022, 0, 0, false)]
    [TestCase(GemmProduct.ParameterGradient, 86, 1024, 0, 0, false)] // xᵀ read along x's rows of K
    [TestCase(GemmProduct.ParameterGradient, 1024, 1024, 4, 8, true)]
    [TestCase(GemmProduct.ParameterGradient, 1024, 1024, 4, 2, false)] // a view off the 16-byte grid
    [TestCase(GemmProduct.Forward, 1024, 1024, 1, 0, false)]
    public void Vectorizable_NeedsAlignedRowsAndOffsets(GemmProduct product, int k, int n, int offsetA, int offsetB, bool expected) =>
        Assert.That(GemmSelection.Vectorizable(product, k, n, offsetA, offsetB), Is.EqualTo(expected));

    [TestCase(GemmProduct.Forward, 4096, 1024, true, GemmTileSize.Tile128, GemmVariant.WarpTiled)]
    [TestCase(GemmProduct.InputGradient, 4096, 1024, true, GemmTileSize.Tile128, GemmVariant.WarpTiled)]
    [TestCase(GemmProduct.ParameterGradient, 1025, 1024, true, GemmTileSize.Tile64, GemmVariant.WarpTiled)]
    [TestCase(GemmProduct.Forward, 32, 1024, false, GemmTileSize.Tile32, GemmVariant.DoubleBuffered)]
    public void Choose_TileFillsTheDeviceAndVariantFollowsTheTable(
        GemmProduct product, int rows, int columns, bool vector, GemmTileSize tile, GemmVariant variant)
    {
        var chosen = GpuConfigurations[GemmSelection.Choose(GpuConfigurations, product, rows, columns, vector, minGroups: 132)];
        Assert.That((chosen.Size, chosen.Variant), Is.EqualTo((tile, variant)));
        Assert.That(GemmSelection.Preference(product, vector)[0], Is.EqualTo(variant), "the table's first choice, all being compiled");
    }

    [Test]
    public void Choose_OnlyCompiledVariantsAreCandidates()
    {
        GemmTileConfiguration[] blockedOnly = [.. GpuConfigurations.Where(c => c.Variant == GemmVariant.Blocked)];
        var chosen = blockedOnly[GemmSelection.Choose(blockedOnly, GemmProduct.Forward, 4096, 1024, true, 132)];
        Assert.That((chosen.Size, chosen.Variant), Is.EqualTo((GemmTileSize.Tile128, GemmVariant.Blocked)));
    }

    [Test]
    public void Preference_EveryProductRanksEveryVariantOnce()
    {
        foreach (var product in Enum.GetValues<GemmProduct>())
        {
            foreach (var vector in new[] { false, true })
            {
                Assert.That(GemmSelection.Preference(product, vector), Is.EquivalentTo(GemmVariants.All), $"{product} vector={vector}");
            }
        }
    }

    [Test]
    public void IlgpuBackend_CpuAcceleratorDefault_CompilesTheBlockedVariantOnly()
    {
        var backend = (IlgpuBackend)TestBackends.Get(TestBackends.IlgpuCpu)!;
        Assert.That(backend.GemmTiles.Select(c => c.Variant), Is.All.EqualTo(GemmVariant.Blocked));
        Assert.That(backend.GemmFor(GemmProduct.Forward, 32, 1024, 1024).Variant, Is.EqualTo(GemmVariant.Blocked));
    }

    [Test]
    public void IlgpuBackend_ForcedVariantTheTileCannotRun_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            BackendFactory.CreateIlgpuCpu(new IlgpuLaunchOptions(1, 1, true) { GemmTiles = [GemmTileSize.Tiny], GemmVariants = [GemmVariant.Vectorized] }).Dispose());
        Assert.That(error!.Message, Does.Contain("Tiny").And.Contain("vectorized"));
    }

    [TestCase("warp-tiled", GemmVariant.WarpTiled)]
    [TestCase("Double-Buffered", GemmVariant.DoubleBuffered)]
    public void TryParse_ReadsTheNames(string name, GemmVariant expected)
    {
        Assert.That(GemmVariants.TryParse(name, out var variant), Is.True);
        Assert.That(variant, Is.EqualTo(expected));
        Assert.That(GemmVariants.TryParse("tensor-core", out _), Is.False);
    }
}
