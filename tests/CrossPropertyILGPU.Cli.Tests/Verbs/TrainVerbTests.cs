using System.Globalization;
using CrossPropertyILGPU.Kernels.Devices;

namespace CrossPropertyILGPU.Cli.Tests.Verbs;

/// <summary>train → evaluate → predict through the command line, and its exit codes.</summary>
public sealed partial class TrainVerbTests
{
    private static readonly string Train = CliRunner.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv");
    private static readonly string Test = CliRunner.Jarvis("exfoliation_energy", "exfoliation_energy_test_set.csv");
    private string _scratch = null!;

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("cpilgpu-cli-").FullName;

    [TearDown]
    public void DeleteScratch() => Directory.Delete(_scratch, recursive: true);

    [Test]
    public void TrainEvaluatePredict_RoundTripThroughTheRunFolder()
    {
        var run = Path.Combine(_scratch, "run");
        var (code, output, error) = CliRunner.Run("train", "--train", Train, "--test", Test, "--arch", "32x1D-1", "--max-epochs", "3", "--device", "cpu", "--out", run);
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("trained 3 epochs").And.Contain("test").And.Contain("mean-predictor MAE"));
        Assert.That(error, Does.Contain("epoch     3"), "one plain line per epoch on stderr");

        (code, output, error) = CliRunner.Run("evaluate", "--model", run, "--data", Test, "--device", "cpu");
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("exfoliation_energy_test_set.csv").And.Contain(" 56 "));

        var predictions = Path.Combine(_scratch, "predictions.csv");
        (code, _, error) = CliRunner.Run("predict", "--model", Path.Combine(run, "model.safetensors"), "--input", Test, "--output", predictions, "--device", "cpu");
        Assert.That(code, Is.Zero, error);
        var lines = File.ReadAllLines(predictions);
        Assert.That(lines[0], Is.EqualTo("formula,exfoliation_energy,prediction"));
        Assert.That(lines, Has.Length.EqualTo(57));
        Assert.That(File.ReadAllLines(Path.Combine(run, "predictions_test.csv")), Is.EqualTo(lines).AsCollection, "reloaded model predicts exactly as the run did");
    }

    /// <summary>
    /// The agreement check: ElemNet for two epochs with dropout off and the same seed on
    /// ILGPU's kernels (CPU accelerator) and on the managed SIMD backend. The tiled GEMM sums each
    /// dot product in the same order as the managed loops but adds the bias last, so the losses
    /// differ only by float rounding, far inside the required 1e-4 relative.
    /// </summary>
    [Test]
    public void Train_IlgpuCpuAndCpu_TwoEpochsDropoutOff_SameLossesWithin1e4Relative() =>
        AssertSameLosses(TwoEpochMetrics("ilgpu-cpu"), TwoEpochMetrics("cpu"), 1e-4);

    /// <summary>The GPU target: CUDA and CPU losses agree within 1e-3 relative over 2 epochs (run on a GPU machine).</summary>
    [Test]
    [Category("Gpu")]
    public void Train_CudaAndCpu_TwoEpochsDropoutOff_SameLossesWithin1e3Relative()
    {
        if (!BackendFactory.Discover().Any(d => d.Kind == DeviceKind.Cuda))
        {
            Assert.Ignore("No CUDA device on this machine.");
        }
        AssertSameLosses(TwoEpochMetrics("cuda"), TwoEpochMetrics("cpu"), 1e-3);
    }

    private string[] TwoEpochMetrics(string device)
    {
        var run = Path.Combine(_scratch, device);
        var (code, _, error) = CliRunner.Run("train", "--train", Train, "--max-epochs", "2", "--keep-probabilities", "1,1,1,1", "--device", device, "--out", run);
        Assert.That(code, Is.Zero, error);
        return File.ReadAllLines(Path.Combine(run, "metrics.csv"));
    }

    private static void AssertSameLosses(string[] actual, string[] expected, double relative)
    {
        Assert.That(actual, Has.Length.EqualTo(3));
        for (var row = 1; row < 3; row++)
        {
            var a = actual[row].Split(',');
            var b = expected[row].Split(',');
            for (var column = 1; column <= 2; column++)
            {
                var x = double.Parse(a[column], CultureInfo.InvariantCulture);
                var y = double.Parse(b[column], CultureInfo.InvariantCulture);
                Assert.That(Math.Abs(x - y) / Math.Abs(y), Is.LessThanOrEqualTo(relative), $"epoch {row}, {actual[0].Split(',')[column]}: {x} vs {y}");
            }
        }
    }

    [Test]
    public void Resume_AfterAStop_EndsWithTheSameModelAsAnUninterruptedRun()
    {
        string[] Common(string run) => ["--train", Train, "--arch", "32x2D-16x1-1", "--device", "cpu", "--patience", "50", "--out", run];
        var straight = Path.Combine(_scratch, "straight");
        var (code, _, error) = CliRunner.Run(["train", .. Common(straight), "--max-epochs", "6"]);
        Assert.That(code, Is.Zero, error);

        // Stopped after 3 epochs (as a time limit or a crash would leave it), then resumed to 6.
        var split = Path.Combine(_scratch, "split");
        (code, _, error) = CliRunner.Run(["train", .. Common(split), "--max-epochs", "3"]);
        Assert.That(code, Is.Zero, error);
        Assert.That(File.Exists(Path.Combine(split, "checkpoint.safetensors")), Is.True);
        (code, _, error) = CliRunner.Run("train", "--resume", split, "--max-epochs", "6");
        Assert.That(code, Is.Zero, error);
        Assert.That(error, Does.Contain("resuming").And.Contain("after epoch 3"));

        Assert.That(File.ReadAllBytes(Path.Combine(split, "model.safetensors")), Is.EqualTo(File.ReadAllBytes(Path.Combine(straight, "model.safetensors"))).AsCollection);
        static string[] WithoutSeconds(string run) =>
            [.. File.ReadAllLines(Path.Combine(run, "metrics.csv")).Select(line => string.Join(',', line.Split(',')[..^1]))];
        Assert.That(WithoutSeconds(split), Is.EqualTo(WithoutSeconds(straight)).AsCollection, "metrics.csv holds each epoch once, with the same values");
    }

    [Test]
    public void Resume_FolderWithoutCheckpoint_ExitsWithCode2()
    {
        var (code, _, error) = CliRunner.Run("train", "--resume", _scratch);
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain("config.json"));
    }

    [Test]
    public void Train_BadInputs_ExitWithCode2AndOneMessage()
    {
        var bad = Path.Combine(_scratch, "bad.csv");
        File.WriteAllText(bad, "formula,target\nFe2O3,1\nNaCl,oops\n");
        var cases = new (string[] Args, string Message)[]
        {
            (["train", "--train", Path.Combine(_scratch, "missing.csv")], "not found"),
            (["train", "--train", bad], "oops"),
            (["train", "--train", Train, "--arch", "64x2Q-1"], "unknown flag"),
            (["train", "--train", Train, "--device", "gpu"], "Valid devices"),
            (["train", "--train", Train, "--gemm", "fast"], "custom, cublas"),
            (["train", "--train", Train, "--device", "cpu", "--gemm", "cublas"], "needs a CUDA device"),
            (["train", "--train", Train, "--loss", "huber"], "mae or mse"),
            (["train", "--train", Train, "--keep-probabilities", "0.8,2"], "'2'"),
            (["train", "--train", Train, "--input-scaling", "minmax"], "auto, standard or none"),
            (["evaluate", "--model", _scratch, "--data", Test], "does not exist"),
        };
        foreach (var (args, message) in cases)
        {
            var (code, _, error) = CliRunner.Run(args[0] == "train" ? [.. args, "--out", Path.Combine(_scratch, "never")] : args);
            Assert.That(code, Is.EqualTo(CliApp.InvalidInput), string.Join(' ', args));
            Assert.That(error, Does.Contain(message), string.Join(' ', args));
        }
        Assert.That(Directory.Exists(Path.Combine(_scratch, "never")), Is.False, "no run folder for a failed start");
    }

    [Test]
    public void Train_MissingRequiredOption_ExitsWithCode2()
    {
        var (code, _, error) = CliRunner.Run("train", "--out", Path.Combine(_scratch, "never"));
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain("--train"));
    }
}
