using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Ops;
using CrossPropertyILGPU.Kernels.Tests.Support;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace CrossPropertyILGPU.Kernels.Tests.Ops;

/// <summary>
/// Every SGEMM variant (schedule) on ILGPU's CPU accelerator with the 8 × 8 × 4 test tile (four
/// threads in two 2-lane warps, so the warp layout differs from the classic one and two quads per
/// operand are staged in registers), against the scalar references of <see cref="DenseKernels"/>,
/// for all three dense products with their epilogues: forward with bias and ReLU, input gradient
/// with accumulation and mask, parameter gradients with the bias row. Shapes are ragged against
/// the tile, deeper than one K step, with operands at aligned (vector loads) and unaligned (scalar
/// fallback) offsets. Also: the thread layouts cover every block exactly once.
/// </summary>
[NonParallelizable]
public sealed class GemmTilesTests
{
    private Context? _context;
    private Accelerator? _accelerator;
    private readonly Dictionary<GemmVariant, IlgpuBackend> _backends = [];

    [OneTimeSetUp]
    public void CreateAccelerator()
    {
        // Warps of 2, two warps per group: the smallest device that runs the four-thread tile.
        _context = Context.Create(builder => builder.CPU(new CPUDevice(numThreadsPerWarp: 2, numWarpsPerMultiprocessor: 2, numMultiprocessors: 1)));
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

    // (M, K, N, offset of every operand view): aligned shapes and offsets take the Float4 path;
    // offset 1 or K, N not multiples of 4 take the scalar fallback; (10, 13, 8) vectorises only the
    // input gradient (it needs N % 4 alone); (17, 36, 8) runs nine K steps through both buffers;
    // (33, 4, 44) runs the parameter gradient nine steps deep over the batch, the last one ragged.
    private static readonly (int M, int K, int N, int Offset)[] Shapes =
    [
        (9, 12, 20, 0), (9, 12, 20, 4), (9, 12, 20, 1), (3, 5, 7, 0), (17, 36, 8, 0), (10, 13, 8, 0), (1, 1, 1, 0), (33, 4, 44, 0),
    ];

    private static IEnumerable<TestCaseData> VariantsAndShapes() =>
        from variant in GemmVariants.All
        from s in Shapes
        select new TestCaseData(variant, s.M, s.K, s.N, s.Offset).SetArgDisplayNames(variant.ToName(), $"{s.M}x{s.K}x{s.N}", $"offset {s.Offset}");

    [TestCaseSource(nameof(VariantsAndShapes))]
    public void DenseProducts_EveryVariantOnTheQuadTile_MatchScalarReference(GemmVariant variant, int m, int k, int n, int offset)
    {
        var backend = Backend(variant);
        Assert.That(backend.GemmTiles.Select(c => c.Variant), Is.All.EqualTo(variant), "the forced variant is the only one loaded");
        var x = TestData.Uniform(m * k, 70);
        var w = TestData.Uniform(k * n, 71);
        var b = TestData.Uniform(n, 72);
        var dy = TestData.Uniform(m * n, 73);
        var mask = TestData.Uniform(m * k, 74);
        var initialDx = TestData.Uniform(m * k, 75);
        var initialDw = TestData.Uniform(k * n, 76);
        var initialDb = TestData.Uniform(n, 77);
        var buffers = new List<DeviceBuffer>();
        BufferView Put(float[] data)
        {
            var buffer = backend.Allocate(data.Length + offset);
            buffers.Add(buffer);
            var view = buffer.Slice(offset, data.Length);
            backend.Upload(view, data);
            return view;
        }
        float[] Get(BufferView view)
        {
            var host = new float[view.Length];
            backend.Download(view, host);
            return host;
        }
        // U(-1, 1) inputs: every output is a float sum of at most `terms` products of magnitude ≤ 1
        // plus one initial value; a wrong index or a lost K step is off by O(0.1–1).
        static double Tolerance(int terms) => Close.DotBound(terms + 1, terms + 1);

        try
        {
            foreach (var relu in new[] { false, true })
            {
                var y = Put(new float[m * n]);
                backend.DenseForward(Put(x), Put(w), Put(b), y, m, k, n, relu);
                var expected = new float[m * n];
                DenseKernels.ForwardReference(x, w, b, expected, m, k, n, relu);
                Close.All(Get(y), expected, Tolerance(k), $"{variant.ToName()} forward (relu={relu})");
            }

            var dx = Put(initialDx);
            backend.DenseBackwardInputMasked(Put(dy), Put(w), Put(mask), dx, m, k, n, accumulate: true);
            var expectedDx = (float[])initialDx.Clone();
            DenseKernels.BackwardInputMaskedReference(dy, w, mask, expectedDx, m, k, n, accumulate: true);
            Close.All(Get(dx), expectedDx, Tolerance(n), $"{variant.ToName()} masked input gradient");

            var plainDx = Put(initialDx);
            backend.DenseBackwardInput(Put(dy), Put(w), plainDx, m, k, n, accumulate: false);
            var expectedPlainDx = new float[m * k];
            DenseKernels.BackwardInputReference(dy, w, expectedPlainDx, m, k, n, accumulate: false);
            Close.All(Get(plainDx), expectedPlainDx, Tolerance(n), $"{variant.ToName()} input gradient");

            var dw = Put(initialDw);
            var db = Put(initialDb);
            backend.DenseBackwardParameters(Put(x), Put(dy), dw, db, m, k, n, accumulateWeight: true, accumulateBias: false);
            var expectedDw = (float[])initialDw.Clone();
            DenseKernels.BackwardWeightReference(x, dy, expectedDw, m, k, n, accumulate: true);
            var expectedDb = (float[])initialDb.Clone();
            DenseKernels.BackwardBiasReference(dy, expectedDb, m, n, accumulate: false);
            Close.All(Get(dw), expectedDw, Tolerance(m), $"{variant.ToName()} weight gradient (bias-row GEMM)");
            Close.All(Get(db), expectedDb, Tolerance(m), $"{variant.ToName()} bias gradient (the row of ones)");

            var dwOnly = Put(initialDw);
            backend.DenseBackwardWeight(Put(x), Put(dy), dwOnly, m, k, n, accumulate: false);
            var expectedDwOnly = new float[k * n];
            DenseKernels.BackwardWeightReference(x, dy, expectedDwOnly, m, k, n, accumulate: false);
            Close.All(Get(dwOnly), expectedDwOnly, Tolerance(m), $"{variant.ToName()} weight gradient alone");
        }
        finally
        {
            buffers.ForEach(buffer => buffer.Dispose());
        }
    }

    /// <summary>
    /// Each configuration's thread layout (classic or warp-tiled) gives every element of the block
    /// to exactly one (thread, i, j): no output computed twice or missed.
    /// </summary>
    [TestCaseSource(typeof(GemmTileConfiguration), nameof(GemmTileConfiguration.All))]
    public void Place_EveryLayoutCoversTheBlockExactlyOnce(GemmTileConfiguration configuration)
    {
        var place = typeof(GemmTileLoop).GetMethod(nameof(GemmTileLoop.Place))!
            .MakeGenericMethod(configuration.Tile, configuration.Micro, configuration.Schedule);
        var r = ((IMicroTile)Activator.CreateInstance(configuration.Micro)!).Size;
        var owners = new int[configuration.Rows, configuration.Columns];
        for (var thread = 0; thread < configuration.Threads; thread++)
        {
            var p = (ThreadPlace)place.Invoke(null, [thread])!;
            for (var i = 0; i < r; i++)
            {
                for (var j = 0; j < r; j++)
                {
                    owners[p.Row + i * p.RowStride, p.Column + j * p.ColumnStride]++;
                }
            }
        }
        Assert.That(owners.Cast<int>(), Is.All.EqualTo(1), configuration.ToString());
    }

    /// <summary>The warp-tiled layout really differs: with it, lane 0 of warp 1 starts a new sub-block.</summary>
    [Test]
    public void Place_WarpTiledQuadTile_GivesEachWarpACompactBlock()
    {
        var classic = GemmTileLoop.Place<TileQuad, Micro4, DoubleBufferedSchedule>(2);
        var warped = GemmTileLoop.Place<TileQuad, Micro4, WarpTiledSchedule>(2);
        Assert.That((classic.Row, classic.RowStride, classic.Column, classic.ColumnStride), Is.EqualTo((1, 2, 0, 2)));
        // Warp 1 (threads 2, 3) owns rows 4–7; its lanes split the 8 columns.
        Assert.That((warped.Row, warped.RowStride, warped.Column, warped.ColumnStride), Is.EqualTo((4, 1, 0, 2)));
    }

    private IlgpuBackend Backend(GemmVariant variant)
    {
        if (!_backends.TryGetValue(variant, out var backend))
        {
            var accelerator = _accelerator ?? throw new InvalidOperationException("Set-up did not run.");
            backend = new IlgpuBackend(accelerator, IlgpuLaunchOptions.For(accelerator) with { GemmTiles = [GemmTileSize.Quad], GemmVariants = [variant] });
            _backends[variant] = backend;
        }
        return backend;
    }
}
