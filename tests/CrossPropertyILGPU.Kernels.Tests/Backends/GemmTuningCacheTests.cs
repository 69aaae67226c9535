using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Ops;
using ILGPU;
using ILGPU.Runtime.CPU;

namespace CrossPropertyILGPU.Kernels.Tests.Backends;

/// <summary>
/// The per-device SGEMM tuning file: round trip, atomic replacement (no temporary left behind),
/// corrupt, foreign and invalid files ignored with a warning instead of failing, and a backend
/// that prefers a tuned entry to the table.
/// </summary>
public sealed class GemmTuningCacheTests
{
    private const string Device = "Cuda NVIDIA H200 SM_90 132MP";
    private string _directory = "";

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), $"gemm-tuning-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_directory);
    }

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private static readonly GemmTuning[] Entries =
    [
        new(GemmProduct.Forward, 4096, 1024, 1024, GemmTileSize.Tile128, GemmVariant.WarpTiled),
        new(GemmProduct.ParameterGradient, 32, 86, 1024, GemmTileSize.Tile32, GemmVariant.Blocked),
    ];

    [Test]
    public void SaveThenLoad_RoundTripsAndLeavesOnlyTheFile()
    {
        var path = GemmTuningCache.PathFor(_directory, Device);
        GemmTuningCache.Save(path, Device, [new(GemmProduct.InputGradient, 1, 2, 3, GemmTileSize.Tile64, GemmVariant.Vectorized)]);
        GemmTuningCache.Save(path, Device, Entries); // replaces the first file
        var warnings = new StringWriter();

        Assert.That(GemmTuningCache.Load(path, Device, warnings), Is.EqualTo(Entries));
        Assert.That(warnings.ToString(), Is.Empty);
        Assert.That(Directory.GetFiles(_directory), Is.EqualTo(new[] { path }), "no temporary file left");
        Assert.That(Path.GetFileName(path), Does.Match("^[A-Za-z0-9_-]+\\.json$"));
    }

    [Test]
    public void Load_NoFile_EmptyWithoutWarning()
    {
        var warnings = new StringWriter();
        Assert.That(GemmTuningCache.Load(Path.Combine(_directory, "none.json"), Device, warnings), Is.Empty);
        Assert.That(warnings.ToString(), Is.Empty);
    }

    [TestCase("{ \"Format\": 1, \"Device\": ")]                      // truncated
    [TestCase("not json at all")]
    [TestCase("null")]
    [TestCase("{ \"Format\": 2, \"Device\": \"x\", \"Entries\": [] }")] // a future format
    [TestCase("{ \"Format\": 1, \"Device\": \"" + Device + "\", \"Entries\": [ { \"Product\": \"Forward\", \"M\": 1, \"K\": 1, \"N\": 1, \"Tile\": \"Tile128\", \"Variant\": \"TensorCore\" } ] }")]
    public void Load_CorruptFile_IgnoredWithAWarning(string text)
    {
        var path = GemmTuningCache.PathFor(_directory, Device);
        File.WriteAllText(path, text);
        var warnings = new StringWriter();
        Assert.That(GemmTuningCache.Load(path, Device, warnings), Is.Empty);
        Assert.That(warnings.ToString(), Does.Contain("warning").And.Contain("ignored"));
    }

    [Test]
    public void Load_InvalidEntries_DroppedWithAWarningAndTheRestKept()
    {
        var path = GemmTuningCache.PathFor(_directory, Device);
        // The tiny tile has no vectorised variant; a zero batch is no shape.
        GemmTuningCache.Save(path, Device,
        [
            .. Entries,
            new(GemmProduct.Forward, 8, 8, 8, GemmTileSize.Tiny, GemmVariant.Vectorized),
            new(GemmProduct.Forward, 0, 8, 8, GemmTileSize.Tile64, GemmVariant.Blocked),
        ]);
        var warnings = new StringWriter();
        Assert.That(GemmTuningCache.Load(path, Device, warnings), Is.EqualTo(Entries));
        Assert.That(warnings.ToString(), Does.Contain("2 invalid entries"));
    }

    [Test]
    public void Load_AnotherDevicesFile_IgnoredWithAWarning()
    {
        var path = GemmTuningCache.PathFor(_directory, Device);
        GemmTuningCache.Save(path, "Cuda NVIDIA A100 SM_80 108MP", Entries);
        var warnings = new StringWriter();
        Assert.That(GemmTuningCache.Load(path, Device, warnings), Is.Empty);
        Assert.That(warnings.ToString(), Does.Contain("A100"));
    }

    [Test]
    public void IlgpuBackend_TunedEntry_WinsOverTheTableForThatShapeOnly()
    {
        using var context = Context.Create(builder => builder.CPU(new CPUDevice(numThreadsPerWarp: 2, numWarpsPerMultiprocessor: 2, numMultiprocessors: 1)));
        using var accelerator = context.GetCPUDevice(0).CreateAccelerator(context);
        var key = GemmTuningCache.DeviceKey(accelerator);
        GemmTuningCache.Save(GemmTuningCache.PathFor(_directory, key), key,
            [new(GemmProduct.Forward, 9, 12, 20, GemmTileSize.Quad, GemmVariant.Vectorized)]);
        var options = IlgpuLaunchOptions.For(accelerator) with
        {
            GemmTiles = [GemmTileSize.Quad],
            GemmVariants = GemmVariants.All,
            GemmTuningDirectory = _directory,
        };
        using var backend = new IlgpuBackend(accelerator, options);

        Assert.That(backend.GemmFor(GemmProduct.Forward, 9, 12, 20).Variant, Is.EqualTo(GemmVariant.Vectorized), "tuned");
        Assert.That(backend.GemmFor(GemmProduct.Forward, 9, 12, 24).Variant, Is.EqualTo(GemmVariant.WarpTiled), "the table");
        Assert.That(backend.GemmFor(GemmProduct.InputGradient, 9, 12, 20).Variant, Is.EqualTo(GemmVariant.WarpTiled), "another product");
    }
}
