using System.Globalization;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer.Fit;

namespace CrossPropertyILGPU.Cli.Tests.Verbs;

/// <summary>The <c>fit</c> verb: bad input is one line and exit code 2 with nothing written; a fit folder goes through predict, evaluate and export.</summary>
public sealed class FitVerbTests
{
    private string _folder = null!;
    private string _train = null!;
    private string _test = null!;

    [OneTimeSetUp]
    public void WriteData()
    {
        _folder = Path.Combine(Path.GetTempPath(), "cpilgpu-fitverb-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        _train = Write("train.csv", Rows(30, 1));
        _test = Write("test.csv", Rows(10, 2));
    }

    [OneTimeTearDown]
    public void Delete() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    // Binary compounds with a smooth non-negative target.
    private static string Rows(int count, int seed)
    {
        string[] cations = ["Li", "Na", "K", "Mg", "Ca", "Fe", "Co", "Ni", "Cu", "Zn", "Al"];
        string[] anions = ["O", "S", "F", "Cl", "N"];
        var random = new Random(seed);
        var text = new System.Text.StringBuilder("formula,target\n");
        for (var i = 0; i < count; i++)
        {
            var (c, a, x, y) = (random.Next(cations.Length), random.Next(anions.Length), random.Next(1, 4), random.Next(1, 4));
            text.Append(string.Create(CultureInfo.InvariantCulture, $"{cations[c]}{x}{anions[a]}{y},{2.0 * y / (x + y) + 0.1 * c:R}\n"));
        }
        return text.ToString();
    }

    private string Out() => Path.Combine(_folder, "out-" + Guid.NewGuid().ToString("N"));

    [TestCase("--budget", "fast", "error: --budget fast: use quick, standard or thorough.")]
    [TestCase("--candidates", "gbm-xx", "error: --candidates gbm-xx: unknown candidate; use gbm-pa, finetune")]
    [TestCase("--time-limit", "-5", "error: --time-limit -5: must be a positive number of seconds.")]
    [TestCase("--sources", "no/such/model", "error: --sources no/such/model: no model there")]
    [TestCase("--device", "tpu", "error: --device tpu: unknown device.")]
    public void Fit_BadOption_OneLineNamingTheFlagExit2NothingWritten(string flag, string value, string expected)
    {
        var output = Out();

        var (code, stdout, error) = CliRunner.Run("fit", "--train", _train, flag, value, "--out", output);

        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error.Trim(), Does.StartWith(expected));
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), error);
        Assert.That(stdout, Is.Empty);
        Assert.That(Directory.Exists(output), Is.False, "nothing written");
    }

    [Test]
    public void Fit_BadTargetInTheTrainingFile_NamesFileLineColumnAndValue()
    {
        var bad = Write("bad-target.csv", "formula,target\nNaCl,1.5\nMgO,abc\n");
        var output = Out();

        var (code, _, error) = CliRunner.Run("fit", "--train", bad, "--out", output);

        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain(bad).And.Contain("line 3").And.Contain("target").And.Contain("'abc'"));
        Assert.That(Directory.Exists(output), Is.False);
    }

    [Test]
    public void Fit_MissingTestFile_Exit2BeforeAnythingIsWritten()
    {
        var output = Out();

        var (code, _, error) = CliRunner.Run("fit", "--train", _train, "--test", Path.Combine(_folder, "none.csv"), "--candidates", "gbm-pa", "--out", output);

        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain("none.csv"));
        Assert.That(Directory.Exists(output), Is.False);
    }

    [Test]
    public void Fit_ExistingNonEmptyFolder_IsRefused()
    {
        var output = Out();
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "keep.txt"), "x");

        var (code, _, error) = CliRunner.Run("fit", "--train", _train, "--candidates", "gbm-pa", "--out", output);

        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain("--out").And.Contain("not empty"));
    }

    [Test]
    public void Fit_Trees_FolderGoesThroughPredictEvaluateAndExport()
    {
        var output = Out();

        var (code, stdout, error) = CliRunner.Run("fit", "--train", _train, "--test", _test, "--candidates", "gbm-pa,gbm-ef", "--sources", "none", "--device", "cpu", "--out", output);

        Assert.That(code, Is.Zero, error);
        Assert.That(stdout, Does.Contain("blend").And.Contain("gbm-pa").And.Contain("test (scored once").And.Contain("fit folder:"));
        Assert.That(error, Does.Contain("fit 1/2").And.Contain("gbm-pa: fold 1/5: fitting"), "plain progress lines when redirected");

        var predictions = Path.Combine(_folder, "predictions-" + Guid.NewGuid().ToString("N") + ".csv");
        var predict = CliRunner.Run("predict", "--model", output, "--input", _test, "--output", predictions, "--device", "cpu");
        Assert.That(predict.Code, Is.Zero, predict.Error);
        Assert.That(File.ReadLines(predictions).First(), Is.EqualTo("formula,target,prediction,std"));
        Assert.That(File.ReadAllText(predictions), Is.EqualTo(File.ReadAllText(Path.Combine(output, FitFolder.TestFileName))), "predict repeats the fit's test predictions");

        var evaluate = CliRunner.Run("evaluate", "--model", output, "--data", _test, "--device", "cpu");
        Assert.That(evaluate.Code, Is.Zero, evaluate.Error);
        Assert.That(evaluate.Output, Does.Contain("test.csv").And.Contain("correlation of |error| with std"));

        var export = CliRunner.Run("export", "--model", output, "--format", "onnx", "--output", Path.Combine(_folder, "fit.onnx"));
        Assert.That(export.Code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(export.Error, Does.Contain("not one network").And.Contain("holds no network"));
    }

    [Test]
    public void Export_FitWhoseModelIsOneNetwork_WritesOnnx()
    {
        var output = Out();
        FitRun.Run(new FitOptions
        {
            TrainPath = _train,
            Plan = new FitPlan { CrossValidationMaxRows = 10, NetworkMaxEpochs = 2, NetworkPatience = 2, ScratchArchitecture = "8x1-1" },
            Candidates = ["scratch-pa"],
            Sources = [],
            Device = DeviceKind.Cpu,
            OutputDirectory = output,
        }, TextWriter.Null);
        var onnx = Path.Combine(_folder, "single.onnx");

        var (code, _, error) = CliRunner.Run("export", "--model", output, "--format", "onnx", "--output", onnx);

        Assert.That(code, Is.Zero, error);
        Assert.That(error, Does.Contain("clips predictions at 0"));
        Assert.That(new FileInfo(onnx).Length, Is.GreaterThan(0));
    }
}
