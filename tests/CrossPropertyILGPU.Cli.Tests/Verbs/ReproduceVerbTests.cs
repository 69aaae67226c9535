namespace CrossPropertyILGPU.Cli.Tests.Verbs;

public sealed class ReproduceVerbTests
{
    private string _scratch = null!;

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("cpilgpu-reproduce-").FullName;

    [TearDown]
    public void DeleteScratch() => Directory.Delete(_scratch, recursive: true);

    private string[] Grid(params string[] extra) =>
        ["reproduce", "--data", CliRunner.Jarvis(), "--results", Path.Combine(_scratch, "results"), "--work", Path.Combine(_scratch, "work"), "--device", "cpu", .. extra];

    [Test]
    public void Reproduce_BaseAndScratchMl_WritesResults_ThenTheReport()
    {
        // The mean stands in for ML.NET's forests in SC:ML here: they cost seconds even on small sets.
        var (code, table, error) = CliRunner.Run(Grid("--datasets", "piezo_max_dij", "--methods", "base,SC:ML(EF)", "--ml-models", "mean"));
        Assert.That(code, Is.Zero, error);
        Assert.That(table, Does.Match(@"piezo_max_dij\s+base\s+ran").And.Match(@"piezo_max_dij\s+sc-ml-ef\s+ran"));
        Assert.That(error, Does.Contain("grid 2/2: piezo_max_dij sc-ml-ef ran"));
        Assert.That(Directory.GetFiles(Path.Combine(_scratch, "results", "piezo_max_dij")).Select(Path.GetFileName),
            Is.EquivalentTo(new[] { "splits.json", "base.json", "sc-ml-ef.json" }));

        // Again: nothing to do.
        (code, table, error) = CliRunner.Run(Grid("--datasets", "piezo_max_dij", "--methods", "base,sc-ml-ef"));
        Assert.That(code, Is.Zero, error);
        Assert.That(table, Does.Match(@"piezo_max_dij\s+base\s+done").And.Match(@"piezo_max_dij\s+sc-ml-ef\s+done"));

        var report = Path.Combine(_scratch, "docs", "results.md");
        var paper = Path.Combine(Path.GetDirectoryName(CliRunner.Jarvis())!, "paper");
        (code, var output, error) = CliRunner.Run("reproduce", "--report", "--results", Path.Combine(_scratch, "results"), "--paper", paper, "--output", report);
        Assert.That(code, Is.Zero, error);
        Assert.That(output.Trim(), Is.EqualTo(report));
        // The mean predictor's test MAE on PMDij is close to the paper's Base (46.47; PAPER.md §3).
        Assert.That(File.ReadAllText(report), Does.Match(@"\| PMDij \| `piezo_max_dij` \| 689 \| 4\d\.\d\d \| \d+\.\d+ \(sc-ml-ef\) \| – \| partial \(1/8\) \| 46\.47 \|"));
    }

    [TestCase("--datasets", "exfoliation_energy,nope", "unknown data set 'nope'")]
    [TestCase("--datasets", "../jarvis", "unknown data set '../jarvis'")]
    [TestCase("--methods", "base,tl-fine", "unknown method 'tl-fine'")]
    [TestCase("--feature-layers", "first", "--feature-layers first")]
    [TestCase("--ml-models", "rf,svm", "--ml-models rf,svm")]
    public void Reproduce_BadChoice_ExitsWithCode2_NamingIt(string option, string value, string message)
    {
        var (code, _, error) = CliRunner.Run(Grid(option, value));
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain(message));
        Assert.That(Directory.Exists(Path.Combine(_scratch, "results")), Is.False);
    }

    [Test]
    public void Report_WithoutResults_ExitsWithCode2()
    {
        var (code, _, error) = CliRunner.Run("reproduce", "--report", "--results", Path.Combine(_scratch, "nothing"), "--output", Path.Combine(_scratch, "r.md"));
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain("run 'reproduce' first"));
    }
}
