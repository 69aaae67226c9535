namespace CrossPropertyILGPU.Cli.Tests.Verbs;

/// <summary>The <c>baseline</c> verb through the command line, and its exit codes.</summary>
public sealed class BaselineVerbTests
{
    private static readonly string Train = CliRunner.Jarvis("expt_deltae", "expt_deltae_training_set.csv");
    private static readonly string Test = CliRunner.Jarvis("expt_deltae", "expt_deltae_test_set.csv");

    [Test]
    public void Baseline_GbmOnExptDeltae_ExitsZeroAndPrintsTheTable()
    {
        var (code, output, error) = CliRunner.Run("baseline", "--train", Train, "--test", Test, "--model", "gbm");

        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("baseline gbm: gradient-boosted trees"));
        Assert.That(output, Does.Contain("mean-predictor MAE").And.Contain("train         1479").And.Contain("test           164"));
    }

    [TestCase("--model", "svm", "Valid models: mean, rf, gbm")]
    [TestCase("--features", "pb", "use ef, pa")]
    [TestCase("--features", "layer5.csv", "no such file")]
    public void Baseline_BadOption_ExitsWithCode2AndOneMessage(string option, string value, string message)
    {
        var (code, output, error) = CliRunner.Run("baseline", "--train", Train, "--test", Test, option, value);

        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain(message));
        Assert.That(output, Is.Empty, "no table for a refused run");
    }

    [Test]
    public void Baseline_MissingTrain_ExitsWithCode2()
    {
        var (code, _, error) = CliRunner.Run("baseline", "--model", "mean");

        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain("--train"));
    }
}
