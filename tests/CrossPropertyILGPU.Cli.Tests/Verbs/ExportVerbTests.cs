using CrossPropertyILGPU.Tests.Shared;

namespace CrossPropertyILGPU.Cli.Tests.Verbs;

/// <summary><c>export --format onnx</c> through the command line.</summary>
public sealed class ExportVerbTests
{
    private static readonly string SourceModel = Path.Combine(RepositoryFiles.Root(), "models", "elemnet-oqmd");
    private string _scratch = null!;

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("cpilgpu-export-").FullName;

    [TearDown]
    public void DeleteScratch() => Directory.Delete(_scratch, recursive: true);

    [Test]
    public void Export_ShippedModel_WritesAnOnnxFileOfEveryDenseLayer()
    {
        var output = Path.Combine(_scratch, "elemnet.onnx");

        var (code, _, error) = CliRunner.Run("export", "--model", SourceModel, "--format", "onnx", "--output", output);

        Assert.That(code, Is.Zero, error);
        Assert.That(error, Does.Contain("35 nodes").And.Contain("Gemm"), "17 Gemm, 16 Relu, Mul and Add");
        Assert.That(new FileInfo(output).Length, Is.GreaterThan(new FileInfo(Path.Combine(SourceModel, "model.safetensors")).Length / 2));
    }

    [Test]
    public void Export_OutputIsAFolderOrInAMissingFolder_ExitsWithCode2AndLeavesNoTemporary()
    {
        var folder = Path.Combine(_scratch, "exports");
        Directory.CreateDirectory(folder);
        foreach (var output in new[] { folder, Path.Combine(_scratch, "missing", "model.onnx") })
        {
            var (code, _, error) = CliRunner.Run("export", "--model", SourceModel, "--output", output);
            Assert.That(code, Is.EqualTo(CliApp.InvalidInput), error);
            Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), error);
            Assert.That(error, Does.StartWith($"error: {output}: "));
        }
        Assert.That(Directory.GetFileSystemEntries(_scratch, "*", SearchOption.AllDirectories), Is.EqualTo(new[] { folder }).AsCollection, "nothing written, no temporary");
    }

    [Test]
    public void Export_UnknownFormat_ExitsWithCode2AndWritesNothing()
    {
        var output = Path.Combine(_scratch, "model.pb");

        var (code, _, error) = CliRunner.Run("export", "--model", SourceModel, "--format", "tflite", "--output", output);

        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain("--format tflite"));
        Assert.That(File.Exists(output), Is.False);
    }
}
