using System.Globalization;

namespace CrossPropertyILGPU.Cli.Tests.Verbs;

/// <summary><c>--lr-schedule</c> and its parameters through the command line.</summary>
public sealed partial class TrainVerbTests
{
    private static double[] LearningRates(string run) =>
        [.. File.ReadAllLines(Path.Combine(run, "metrics.csv")).Skip(1).Select(line => double.Parse(line.Split(',')[3], CultureInfo.InvariantCulture))];

    [Test]
    public void Resume_InTheMiddleOfAPlateauSchedule_EndsWithTheSameModelAndMetricsAsAnUninterruptedRun()
    {
        // A rate this large makes the validation MAE bounce, so the plateau count reduces it.
        string[] Common(string run) =>
            ["--train", Train, "--arch", "32x2D-16x1-1", "--device", "cpu", "--patience", "50", "--lr", "0.01",
                "--lr-schedule", "plateau", "--lr-patience", "1", "--lr-factor", "0.5", "--out", run];
        var straight = Path.Combine(_scratch, "straight");
        var (code, _, error) = CliRunner.Run(["train", .. Common(straight), "--max-epochs", "8"]);
        Assert.That(code, Is.Zero, error);
        var rates = LearningRates(straight);
        Assert.That(rates.Distinct().Count(), Is.GreaterThan(1), "the rate was reduced: " + string.Join(", ", rates));

        var split = Path.Combine(_scratch, "split");
        (code, _, error) = CliRunner.Run(["train", .. Common(split), "--max-epochs", "4"]);
        Assert.That(code, Is.Zero, error);
        // The schedule comes from config.json: not given again.
        (code, _, error) = CliRunner.Run("train", "--resume", split, "--max-epochs", "8");
        Assert.That(code, Is.Zero, error);

        Assert.That(File.ReadAllBytes(Path.Combine(split, "model.safetensors")), Is.EqualTo(File.ReadAllBytes(Path.Combine(straight, "model.safetensors"))).AsCollection);
        Assert.That(MetricsWithoutSeconds(split), Is.EqualTo(MetricsWithoutSeconds(straight)).AsCollection);
    }

    [Test]
    public void Train_CosineSchedule_RecordsEveryEpochsRateAndItsParameters()
    {
        var run = Path.Combine(_scratch, "cosine");
        var (code, _, error) = CliRunner.Run("train", "--train", Train, "--arch", "16x1D-1", "--device", "cpu", "--max-epochs", "4", "--lr", "0.001",
            "--lr-schedule", "cosine", "--warmup-epochs", "1", "--final-lr", "0.0001", "--out", run);
        Assert.That(code, Is.Zero, error);
        // Epoch 1 warms up to the base rate; epochs 2–4 follow ½(1 + cos(π·k/2)) from 0.001 down to 0.0001.
        Assert.That(LearningRates(run), Is.EqualTo(new[] { 0.001, 0.001, 0.00055, 0.0001 }).Within(1e-8).AsCollection);
        var config = File.ReadAllText(Path.Combine(run, "config.json"));
        Assert.That(config, Does.Contain("\"lr_schedule\": \"cosine\"").And.Contain("\"warmup_epochs\": 1").And.Not.Contain("lr_factor"), "plateau's parameters do not apply: left out, never null");
    }

    [Test]
    public void Train_WithoutScheduleOptions_RecordsTheConstantRate()
    {
        var run = Path.Combine(_scratch, "constant");
        var (code, _, error) = CliRunner.Run("train", "--train", Train, "--arch", "16x1D-1", "--device", "cpu", "--max-epochs", "2", "--lr", "0.001", "--out", run);
        Assert.That(code, Is.Zero, error);
        Assert.That(LearningRates(run), Is.All.EqualTo(0.001));
        Assert.That(File.ReadAllText(Path.Combine(run, "config.json")), Does.Contain("\"lr_schedule\": \"constant\""));
    }

    [Test]
    public void BadScheduleValues_ExitWithCode2AndOneLineBeforeAnyFolder()
    {
        var cases = new (string[] Args, string Message)[]
        {
            (["train", "--lr-schedule", "step"], "--lr-schedule step: use constant, plateau or cosine."),
            (["train", "--lr-schedule", "plateau", "--lr-factor", "1"], "--lr-factor 1: must lie strictly between 0 and 1."),
            (["pretrain", "--lr-factor", "0"], "--lr-factor 0: must lie strictly between 0 and 1."),
            (["train", "--lr-patience", "-1"], "--lr-patience -1: must be at least 1."),
            (["train", "--lr-floor", "-1e-6"], "--lr-floor -1E-06: must be 0 or more."),
            (["train", "--lr-schedule", "cosine", "--warmup-epochs", "-2"], "--warmup-epochs -2: must be 0 or more."),
            (["train", "--lr-schedule", "cosine", "--final-lr", "0.01"], "--final-lr 0.01: must lie between 0 and the learning rate, 0.0001."),
        };
        foreach (var (args, message) in cases)
        {
            var (code, _, error) = CliRunner.Run([.. args, "--train", Train, "--device", "cpu", "--out", Path.Combine(_scratch, "never")]);
            Assert.That(code, Is.EqualTo(CliApp.InvalidInput), string.Join(' ', args));
            Assert.That(error.Trim(), Is.EqualTo("error: " + message), string.Join(' ', args));
        }
        Assert.That(Directory.Exists(Path.Combine(_scratch, "never")), Is.False, "no run folder for a failed start");
    }
}
