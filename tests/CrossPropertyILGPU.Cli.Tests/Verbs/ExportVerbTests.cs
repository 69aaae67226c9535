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
    public void Export_UnknownFormat_ExitsWithCode2AndWritesNothing()
    {
        var output = Path.Combine(_scratch, "model.pb");

        var (code, _, error) = CliRunner.Run("export", "--model", SourceModel, "--format", "tflite", "--output", output);

        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain("--format tflite"));
        Assert.That(File.Exists(output), Is.False);
    }
}
