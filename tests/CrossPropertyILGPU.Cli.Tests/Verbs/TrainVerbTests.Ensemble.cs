namespace CrossPropertyILGPU.Cli.Tests.Verbs;

/// <summary><c>train --ensemble N</c>, then <c>evaluate</c> and <c>predict</c> on the ensemble folder.</summary>
public sealed partial class TrainVerbTests
{
    [Test]
    public void Ensemble_TrainEvaluatePredict_ReportTheSpread()
    {
        var run = Path.Combine(_scratch, "ensemble");
        var (code, output, error) = CliRunner.Run("train", "--train", Train, "--test", Test, "--arch", "16x1D-1", "--max-epochs", "2", "--device", "cpu", "--ensemble", "2", "--out", run);
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("ensemble mean of 2 members").And.Contain("test: correlation of |error| with std"));

        (code, output, error) = CliRunner.Run("evaluate", "--model", run, "--data", Test, "--device", "cpu");
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("exfoliation_energy_test_set.csv: correlation of |error| with std"));

        var predictions = Path.Combine(_scratch, "predictions.csv");
        (code, _, error) = CliRunner.Run("predict", "--model", run, "--input", Test, "--output", predictions, "--device", "cpu");
        Assert.That(code, Is.Zero, error);
        Assert.That(File.ReadAllLines(predictions), Is.EqualTo(File.ReadAllLines(Path.Combine(run, "predictions_test.csv"))).AsCollection,
            "the reloaded ensemble predicts as the run did");
    }

    [Test]
    public void Ensemble_WithFolds_ExitsWithCode2()
    {
        var (code, _, error) = CliRunner.Run("train", "--train", Train, "--ensemble", "2", "--folds", "3", "--out", Path.Combine(_scratch, "never"));
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain("--ensemble"));
    }
}
