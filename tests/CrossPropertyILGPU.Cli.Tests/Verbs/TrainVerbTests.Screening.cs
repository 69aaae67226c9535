namespace CrossPropertyILGPU.Cli.Tests.Verbs;

/// <summary><c>finetune --source A,B</c>: screening several source models through the command line, and its bad inputs.</summary>
public sealed partial class TrainVerbTests
{
    private (string First, string Second) TwoTinySources()
    {
        string Source(string name, string arch)
        {
            var folder = Path.Combine(_scratch, name);
            var (code, _, error) = CliRunner.Run("train", "--train", Train, "--arch", arch, "--keep-probabilities", "1", "--device", "cpu",
                "--max-epochs", "1", "--checkpoint-every", "0", "--out", folder);
            Assert.That(code, Is.Zero, error);
            return folder;
        }
        return (Source("first", "24x2D-16x1-1"), Source("second", "16x1D-8x1-1"));
    }

    /// <summary>
    /// Two sources of different architectures screened for two epochs each: the table of scores on
    /// stdout, screening.json and config.json's lines in the run folder; the final run resumes as
    /// any run, and its config.json repeats the fine-tune of the chosen source.
    /// </summary>
    [Test]
    public void Finetune_SeveralSources_ScreensThemAndFinishesTheBest_ThenResumes()
    {
        var (first, second) = TwoTinySources();
        var run = Path.Combine(_scratch, "screened");
        var (code, output, error) = CliRunner.Run("finetune", "--source", $"{first}, {second}", "--train", Train, "--test", Test, "--device", "cpu",
            "--screen", "fixed", "--screen-epochs", "2", "--max-epochs", "3", "--out", run);
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("source screening (fixed, 2 epochs; validation split of 50 rows)").And.Contain(first).And.Contain(second).And.Contain("yes"));
        Assert.That(output, Does.Contain("trained 3 epochs"));
        Assert.That(error, Does.Contain("screening 1/2 " + first).And.Contain("screening 2/2 " + second).And.Contain("screening chose"));
        Assert.That(File.Exists(Path.Combine(run, "screening.json")));
        Assert.That(Directory.GetDirectories(Path.Combine(run, "screening")).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "1-first", "2-second" }).AsCollection);
        var config = File.ReadAllText(Path.Combine(run, "config.json"));
        Assert.That(config, Does.Contain("\"sources\": [").And.Contain("\"source_screening\": \"fixed\"").And.Contain("\"source_screening_epochs\": 2"));

        (code, _, error) = CliRunner.Run("finetune", "--resume", run, "--max-epochs", "4");
        Assert.That(code, Is.Zero, error);
        Assert.That(File.ReadAllLines(Path.Combine(run, "metrics.csv")), Has.Length.EqualTo(5), "four epochs after the header");

        var repeated = Path.Combine(_scratch, "repeated");
        (code, _, error) = CliRunner.Run("finetune", "--config", Path.Combine(run, "config.json"), "--max-epochs", "1", "--out", repeated);
        Assert.That(code, Is.Zero, error);
        Assert.That(File.Exists(Path.Combine(repeated, "screening.json")), Is.False, "--config repeats the fine-tune of the chosen source");
    }

    [Test]
    public void Finetune_BadSourceOrScreening_OneLineNamingTheFlag_ExitCode2_NothingWritten()
    {
        var (first, second) = TwoTinySources();
        var missing = Path.Combine(_scratch, "no-such-model");
        var run = Path.Combine(_scratch, "never");
        foreach (var (extra, expected) in new (string[] Extra, string Expected)[]
        {
            (["--source", $"{first},{missing}"], $"error: --source {missing}: no model there"),
            (["--source", $"{first},{second}", "--screen", "best"], "error: --screen best: use successive-halving or fixed."),
            (["--source", $"{first},{second}", "--screen-epochs", "0"], "error: --screen-epochs 0: must be at least 1."),
            (["--source", $"{first},{second}", "--freeze", "3"], "error: --freeze 3: 16x1D-8x1-1 has 3 dense layers"),
            (["--source", $"{first},{first}"], $"error: --source {first}: names the same model as {first}"),
            (["--source", $"{first},{second}", "--ensemble", "2"], "error: several --source models are screened for one run"),
        })
        {
            var (code, _, error) = CliRunner.Run(["finetune", "--train", Train, "--device", "cpu", "--out", run, .. extra]);
            Assert.That(code, Is.EqualTo(2), string.Join(" ", extra));
            Assert.That(error.Trim(), Does.StartWith(expected), string.Join(" ", extra));
            Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), string.Join(" ", extra));
            Assert.That(Directory.Exists(run), Is.False, string.Join(" ", extra));
        }
    }
}
