namespace CrossPropertyILGPU.Cli.Tests.Verbs;

public sealed class DemoVerbTests
{
    private string _scratch = null!;

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("cpilgpu-demo-").FullName;

    [TearDown]
    public void DeleteScratch() => Directory.Delete(_scratch, recursive: true);

    [Test]
    public void Demo_WithASmallSource_PrintsMeanScratchAndTransferRows()
    {
        // A stand-in source (a small net, one epoch on the sample set) keeps this test fast; the
        // shipped ElemNet source is exercised by the README command.
        var source = Path.Combine(_scratch, "source");
        var (code, _, error) = CliRunner.Run("pretrain", "--train", CliRunner.Jarvis("sample", "sample_train_set.csv"), "--target", "formation_energy_peratom",
            "--arch", "16x1-1", "--max-epochs", "1", "--device", "cpu", "--out", source);
        Assert.That(code, Is.Zero, error);

        var output = Path.Combine(_scratch, "demo");
        (code, var table, error) = CliRunner.Run("demo", "--source", source, "--data", CliRunner.Jarvis("expt_deltae"), "--max-epochs", "2", "--device", "cpu", "--out", output);
        Assert.That(code, Is.Zero, error);
        Assert.That(table, Does.Contain("mean predictor").And.Contain("scratch (ElemNet)").And.Contain("transfer (FineTune)"));
        // The mean predictor's test MAE on expt_deltae is the paper's Base (1.0327 in its Table 5, docs/PAPER.md §4; 1.0328 from the shipped files, §3).
        Assert.That(table, Does.Match(@"mean predictor\s+1\.03\d\d"));
        Assert.That(Directory.GetDirectories(output).Select(Path.GetFileName), Is.EquivalentTo(new[] { "scratch", "finetune" }));
    }

    [Test]
    public void Demo_MissingSource_ExitsWithCode2()
    {
        var (code, _, error) = CliRunner.Run("demo", "--source", Path.Combine(_scratch, "nothing"), "--out", Path.Combine(_scratch, "demo"));
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain("no model.json"));
    }
}
