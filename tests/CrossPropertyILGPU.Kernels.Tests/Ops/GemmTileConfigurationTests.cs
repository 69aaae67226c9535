using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Ops;
using CrossPropertyILGPU.Kernels.Tests.Support;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace CrossPropertyILGPU.Kernels.Tests.Ops;

/// <summary>
/// The CUDA tile configurations (256-thread groups) run on ILGPU's CPU accelerator with a simulated
/// device of 256 threads per group, each against the scalar reference on shapes ragged against
/// the tile — the exact kernels and launch geometry a GPU gets, every thread a real OS thread
/// meeting the others at the barriers. A 256-thread barrier costs milliseconds on the CPU
/// (docs/ILGPU.md §7), so the shapes are small and the accelerator lives only for this fixture.
/// </summary>
[NonParallelizable]
public sealed class GemmTileConfigurationTests
{
    private static readonly GemmTileSize[] GpuTiles = [GemmTileSize.Tile128, GemmTileSize.Tile64, GemmTileSize.Tile32];
    private Context? _context;
    private Accelerator? _accelerator;
    private readonly Dictionary<(GemmTileSize, GemmVariant), IlgpuBackend> _backends = [];

    [OneTimeSetUp]
    public void CreateAccelerator()
    {
        _context = Context.Create(builder => builder.CPU(new CPUDevice(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: 8, numMultiprocessors: 1)));
        _accelerator = _context.GetCPUDevice(0).CreateAccelerator(_context);
    }

    [OneTimeTearDown]
    public void DisposeAccelerator()
    {
        foreach (var backend in _backends.Values)
        {
            backend.Dispose();
        }
        _accelerator?.Dispose();
        _context?.Dispose();
    }

    [Test]
    public void All_EveryConfigurationFitsItsMicroTileAndACudaGroup()
    {
        foreach (var configuration in GemmTileConfiguration.All)
        {
            Assert.That(configuration.Threads, Is.InRange(1, 1024), configuration.ToString());
            // The operand tiles (two of each when double-buffered) within the 48 KiB of static shared memory CUDA allows a block.
            Assert.That(configuration.SharedFloats * sizeof(float), Is.LessThanOrEqualTo(48 * 1024), configuration.ToString());
            var buffers = configuration.Variant is GemmVariant.DoubleBuffered or GemmVariant.WarpTiled ? 2 : 1;
            Assert.That(configuration.SharedFloats, Is.EqualTo(buffers * (configuration.Rows + configuration.Columns) * configuration.Depth), configuration.ToString());
        }
        Assert.That(GpuTiles.Select(t => GemmTileConfiguration.For(t).Threads), Is.All.EqualTo(256));
        // CUDA warps are 32 threads: the warp-tiled layout of every GPU tile must match.
        Assert.That(GpuTiles.Select(t => GemmTileConfiguration.For(t, GemmVariant.WarpTiled).WarpThreads), Is.All.EqualTo(32));
    }

    [Test]
    public void All_EveryTileInEveryVariantItsEdgesAllow()
    {
        foreach (var tile in Enum.GetValues<GemmTileSize>())
        {
            var variants = GemmTileConfiguration.All.Where(c => c.Size == tile).Select(c => c.Variant);
            // The vectorised schedules move quads: only the 2 × 4 × 3 tile (odd depth) cannot.
            Assert.That(variants, Is.EquivalentTo(tile == GemmTileSize.Tiny ? [GemmVariant.Blocked] : GemmVariants.All), tile.ToString());
        }
    }

    [TestCase(4096, 1024, 132, GemmTileSize.Tile128)] // 32 × 8 = 256 groups of 128²
    [TestCase(1024, 1024, 132, GemmTileSize.Tile64)]  // 64 groups of 128² < 132; 256 of 64²
    [TestCase(32, 1024, 132, GemmTileSize.Tile32)]    // too few groups of every size: the smallest
    [TestCase(1, 1, 1, GemmTileSize.Tile128)]         // one group fills a one-multiprocessor device
    public void Pick_LargestTileThatFillsTheDevice(int rows, int columns, int multiprocessors, GemmTileSize expected)
    {
        var candidates = GpuTiles.Select(t => GemmTileConfiguration.For(t)).ToArray();
        Assert.That(candidates[GemmTileConfiguration.Pick(candidates, rows, columns, multiprocessors)].Size, Is.EqualTo(expected));
    }

    // Shapes ragged against the tile, with two blocks along M and along N for the smaller tiles
    // (two along M for 128², where a second column of blocks would double the run time), and K
    // shorter than one 16-deep step; the backward products run deeper (inner N and M).
    // Each variant on each GPU tile, once with K and N multiples of 4 (16-byte loads) and once not
    // (the scalar fallback of the same kernels).
    private static IEnumerable<TestCaseData> TilesVariantsAndShapes()
    {
        foreach (var variant in GemmVariants.All)
        {
            foreach (var (tile, m, n, alignedN) in new[] { (GemmTileSize.Tile128, 130, 70, 72), (GemmTileSize.Tile64, 70, 70, 72), (GemmTileSize.Tile32, 40, 40, 44) })
            {
                yield return new TestCaseData(tile, variant, m, 9, n);
                if (variant != GemmVariant.Blocked)
                {
                    yield return new TestCaseData(tile, variant, m, 12, alignedN);
                }
            }
        }
    }

    [TestCaseSource(nameof(TilesVariantsAndShapes))]
    public void DenseOps_GpuTileOnSimulatedGpuGroups_MatchReference(GemmTileSize tile, GemmVariant variant, int m, int k, int n)
    {
        var backend = Backend(tile, variant);
        Assert.That(backend.TileFor(m, n).Size, Is.EqualTo(tile));
        using var reference = new ReferenceBackend();
        var x = TestData.Uniform(m * k, 60);
        var w = TestData.Uniform(k * n, 61);
        var b = TestData.Uniform(n, 62);
        var dy = TestData.Uniform(m * n, 63);
        var initialDx = TestData.Uniform(m * k, 64);
        var initialDw = TestData.Uniform(k * n, 65);
        var initialDb = TestData.Uniform(n, 66);

        float[] Run(IComputeBackend on, Func<IComputeBackend, Func<float[], BufferView>, BufferView> op, int length)
        {
            var buffers = new List<DeviceBuffer>();
            BufferView Put(float[] data)
            {
                var buffer = on.Allocate(data.Length);
                buffers.Add(buffer);
                on.Upload(buffer.View, data);
                return buffer.View;
            }
            try
            {
                var result = op(on, Put);
                var host = new float[length];
                on.Download(result, host);
                return host;
            }
            finally
            {
                buffers.ForEach(buffer => buffer.Dispose());
            }
        }

        BufferView Forward(IComputeBackend on, Func<float[], BufferView> put)
        {
            var y = put(new float[m * n]);
            on.DenseForward(put(x), put(w), put(b), y, m, k, n, relu: true);
            return y;
        }
        BufferView Input(IComputeBackend on, Func<float[], BufferView> put)
        {
            var dx = put(initialDx);
            on.DenseBackwardInputMasked(put(dy), put(w), put(x), dx, m, k, n, accumulate: true);
            return dx;
        }
        BufferView Weight(IComputeBackend on, Func<float[], BufferView> put, bool bias)
        {
            var dw = put(initialDw);
            var db = put(initialDb);
            on.DenseBackwardParameters(put(x), put(dy), dw, db, m, k, n, accumulateWeight: true, accumulateBias: false);
            return bias ? db : dw;
        }

        // Inputs are U(-1,1): every output is a float sum of at most 130 terms of magnitude ≤ 1 plus
        // one initial value, within (131+2)·2^-24·131 ≈ 1.1e-3 of exact; a wrong index is off by O(1).
        const double tolerance = 1.1e-3;
        var what = $"{tile} {variant.ToName()}";
        Close.All(Run(backend, Forward, m * n), Run(reference, Forward, m * n), tolerance, $"{what} forward");
        Close.All(Run(backend, Input, m * k), Run(reference, Input, m * k), tolerance, $"{what} input gradient");
        Close.All(Run(backend, (o, p) => Weight(o, p, false), k * n), Run(reference, (o, p) => Weight(o, p, false), k * n), tolerance, $"{what} weight gradient");
        Close.All(Run(backend, (o, p) => Weight(o, p, true), n), Run(reference, (o, p) => Weight(o, p, true), n), tolerance, $"{what} bias gradient");
    }

    private IlgpuBackend Backend(GemmTileSize tile, GemmVariant variant)
    {
        if (!_backends.TryGetValue((tile, variant), out var backend))
        {
            var accelerator = _accelerator ?? throw new InvalidOperationException("Set-up did not run.");
            backend = new IlgpuBackend(accelerator, IlgpuLaunchOptions.For(accelerator) with { GemmTiles = [tile], GemmVariants = [variant] });
            _backends[(tile, variant)] = backend;
        }
        return backend;
    }
}
