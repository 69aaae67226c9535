namespace CrossPropertyILGPU.Cli.Tests.Verbs;

/// <summary><c>--weight-decay</c>, <c>--l2-sp</c>, <c>--trunk-lr-scale</c>, <c>--head-epochs</c> and fine-tuning dropout through the command line.</summary>
public sealed partial class TrainVerbTests
{
    private string TinySource()
    {
        var source = Path.Combine(_scratch, "source");
        var (code, _, error) = CliRunner.Run("train", "--train", Train, "--arch", "32x2D-16x1-1", "--keep-probabilities", "1", "--device", "cpu",
            "--max-epochs", "2", "--out", source);
        Assert.That(code, Is.Zero, error);
        return source;
    }

    /// <summary>
    /// A fine-tune with every regularisation and its own dropout records them in config.json; killed
    /// after 3 epochs (inside nothing special: the head-only epochs are over) and resumed with
    /// nothing but --resume, it ends with the same model and metrics as the uninterrupted run — the
    /// checkpoint carries L2-SP's starting weights. The regularised model differs from the plain fine-tune.
    /// </summary>
    [Test]
    public void Finetune_WithRegularization_RecordsItAndResumesBitIdentical()
    {
        var source = TinySource();
        string[] Common(string run, params string[] extra) =>
            ["finetune", "--source", source, "--train", Train, "--device", "cpu", "--patience", "50", "--lr", "0.001", "--out", run, .. extra];
        string[] recipe = ["--l2-sp", "20", "--weight-decay", "2", "--trunk-lr-scale", "0.5", "--head-epochs", "2", "--keep-probabilities", "0.9"];
        var straight = Path.Combine(_scratch, "straight");
        var (code, _, error) = CliRunner.Run([.. Common(straight, recipe), "--max-epochs", "6"]);
        Assert.That(code, Is.Zero, error);
        var config = File.ReadAllText(Path.Combine(straight, "config.json"));
        Assert.That(config, Does.Contain("\"l2_sp\": 20").And.Contain("\"weight_decay\": 2").And.Contain("\"trunk_lr_scale\": 0.5")
            .And.Contain("\"head_epochs\": 2").And.Contain("\"keep_probabilities\": [\n    0.9\n  ]"));

        var split = Path.Combine(_scratch, "split");
        (code, _, error) = CliRunner.Run([.. Common(split, recipe), "--max-epochs", "3"]);
        Assert.That(code, Is.Zero, error);
        (code, _, error) = CliRunner.Run("finetune", "--resume", split, "--max-epochs", "6");
        Assert.That(code, Is.Zero, error);
        Assert.That(File.ReadAllBytes(Path.Combine(split, "model.safetensors")), Is.EqualTo(File.ReadAllBytes(Path.Combine(straight, "model.safetensors"))).AsCollection);
        Assert.That(MetricsWithoutSeconds(split), Is.EqualTo(MetricsWithoutSeconds(straight)).AsCollection);

        var plain = Path.Combine(_scratch, "plain");
        (code, _, error) = CliRunner.Run([.. Common(plain), "--max-epochs", "6"]);
        Assert.That(code, Is.Zero, error);
        Assert.That(File.ReadAllBytes(Path.Combine(plain, "model.safetensors")), Is.Not.EqualTo(File.ReadAllBytes(Path.Combine(straight, "model.safetensors"))).AsCollection);
        Assert.That(File.ReadAllText(Path.Combine(plain, "config.json")), Does.Contain("\"l2_sp\": 0").And.Contain("\"trunk_lr_scale\": 1"));
    }

    [Test]
    public void BadRegularizationValues_ExitWithCode2AndOneLineBeforeAnyFolder()
    {
        var cases = new (string[] Args, string Message)[]
        {
            (["train", "--weight-decay", "-1"], "--weight-decay -1: must be 0 or more."),
            (["train", "--weight-decay", "20000"], "--weight-decay 20000: times the learning rate 0.0001 exceeds 1: each step would overshoot; use at most 10000."),
            (["train", "--l2-sp", "1"], "--l2-sp 1: pulls toward a source model's weights; give --source (or use --weight-decay)."),
            (["pretrain", "--head-epochs", "3"], "--head-epochs 3: trains the output layer over a source model's trunk; give --source."),
            (["train", "--trunk-lr-scale", "-0.5"], "--trunk-lr-scale -0.5: must be 0 or more."),
            (["train", "--head-epochs", "-1"], "--head-epochs -1: must be 0 or more."),
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
