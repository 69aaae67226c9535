using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer.Reproduce;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Reproduce;

/// <summary>
/// <c>reproduce --sources</c>: the zoo methods (tl-finetune-zoo, tl-modfinetune-zoo) beside the
/// paper's fine-tuned two, on a tiny set with tiny sources — what they write and when they run again.
/// </summary>
public sealed class ReproduceZooTests
{
    private ScratchFolder _scratch = null!;
    private string _paperSource = null!;
    private string[] _sources = null!;

    [OneTimeSetUp]
    public void CreateDataAndSources()
    {
        _scratch = new ScratchFolder();
        var folder = Path.Combine(_scratch.FullName, "data", "exfoliation_energy");
        Directory.CreateDirectory(folder);
        foreach (var (part, rows) in new[] { ("training", 60), ("test", 15) })
        {
            var name = $"exfoliation_energy_{part}_set.csv";
            File.WriteAllLines(Path.Combine(folder, name), File.ReadLines(TestFiles.Jarvis("exfoliation_energy", name)).Take(rows + 1));
        }
        string Source(string name, string train, string architecture, string? targets = null) => TrainingRun.Run(new TrainRunOptions
        {
            TrainPaths = [train],
            TargetColumn = targets,
            Architecture = architecture,
            KeepProbabilities = [],
            LearningRate = 1e-3f,
            MaxEpochs = 2,
            Device = DeviceKind.Cpu,
            CheckpointEvery = 0,
            OutputDirectory = Path.Combine(_scratch.FullName, name),
        }, TextWriter.Null).OutputDirectory;
        _paperSource = Source("paper-source", TestFiles.Jarvis("expt_deltae", "expt_deltae_test_set.csv"), "16x2-1");
        _sources =
        [
            Source("deltae", TestFiles.Jarvis("expt_deltae", "expt_deltae_test_set.csv"), "16x2-1"),
            Source("exfoliation", TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv"), "16x2-1"),
            Source("two-outputs", Training.MultiOutputSourceTests.WriteTwoTargetCsv(_scratch, "two.csv"), "16x2-2", "exfoliation,scaled"),
        ];
    }

    [OneTimeTearDown]
    public void DeleteScratch() => _scratch.Dispose();

    private ReproduceOptions Options(string name, params ReproduceMethod[] methods) => new()
    {
        DataRoot = Path.Combine(_scratch.FullName, "data"),
        Datasets = ["exfoliation_energy"],
        Methods = methods.Length > 0 ? methods : [ReproduceMethod.FineTune, ReproduceMethod.ModFineTune],
        ResultsDirectory = Path.Combine(_scratch.FullName, name, "results"),
        WorkDirectory = Path.Combine(_scratch.FullName, name, "work"),
        SourceModel = _paperSource,
        Sources = _sources,
        Screening = new ScreeningBudget(ScreeningStrategy.Fixed, 1),
        Budget = new TrainingBudget(2, 5, null),
        Device = DeviceKind.Cpu,
        Seed = 5,
    };

    private static string ResultFile(ReproduceOptions options, ReproduceMethod method) =>
        ReproduceRun.ResultPath(options.ResultsDirectory, "exfoliation_energy", method);

    [Test]
    public void Sources_AddTheZooMethods_WhichRecordTheScreeningAndTheChoice_BesideThePapersUnchanged()
    {
        var options = Options("zoo");
        var entries = ReproduceRun.Run(options, TextWriter.Null);

        Assert.That(entries.Select(e => (e.Method.Name(), e.Outcome)), Is.EqualTo(new[]
        {
            ("tl-finetune", GridOutcome.Ran), ("tl-modfinetune", GridOutcome.Ran), ("tl-finetune-zoo", GridOutcome.Ran), ("tl-modfinetune-zoo", GridOutcome.Ran),
        }).AsCollection);
        Assert.That(Path.GetFileName(ResultFile(options, ReproduceMethod.FineTuneZoo)), Is.EqualTo("tl-finetune-zoo.json"));

        // The paper's methods keep the single --source.
        var paper = MethodResult.Load(ResultFile(options, ReproduceMethod.FineTune));
        Assert.That((paper.Config.Source, paper.Config.Sources, paper.Config.Screening, paper.Selected), Is.EqualTo((_paperSource, (IReadOnlyList<string>?)null, (string?)null, (string?)null)));

        foreach (var method in ReproduceMethods.Zoo)
        {
            var result = MethodResult.Load(ResultFile(options, method));
            Assert.That((result.Status, result.PaperMethod, result.Group), Is.EqualTo((MethodResult.Succeeded, method.PaperName(), "tl")), method.Name());
            Assert.That(result.Config.Sources, Is.EqualTo(_sources).AsCollection, method.Name());
            Assert.That(result.Config.SourcesSha256, Is.EqualTo(_sources.Select(s => SharedSplit.Sha256(Path.Combine(s, "model.safetensors")))).AsCollection, method.Name());
            Assert.That(result.Config.Screening, Is.EqualTo("fixed, 1 epochs"), method.Name());
            // The candidates are the sources with their screening scores; the chosen one has the lowest validation MAE.
            Assert.That(result.Candidates.Select(c => (c.Name, c.Epochs)), Is.EqualTo(_sources.Select(s => (s, (int?)1))).AsCollection, method.Name());
            var best = result.Candidates.MinBy(c => c.ValidationMae)!;
            Assert.That((result.Selected, result.Config.Source), Is.EqualTo((best.Name, best.Name)), method.Name());
            Assert.That(result.Config.SourceSha256, Is.EqualTo(SharedSplit.Sha256(Path.Combine(best.Name, "model.safetensors"))), method.Name());
            Assert.That(result.Run!.Source, Is.EqualTo(Path.Combine(best.Name, "model.json")), method.Name());
            Assert.That(result.Run.Test, Is.Not.Null, "the final run scores the test file");
            Assert.That(result.Predictions, Is.Not.Null, method.Name());
            Assert.That(result.Budget, Is.EqualTo(new ResultBudget(2, 5, null, "standard")), method.Name());
        }
        Assert.That(MethodResult.Load(ResultFile(options, ReproduceMethod.ModFineTuneZoo)).Run!.ReinitializeLast);
        // The screening's runs and the final one keep no checkpoints and no weights.
        Assert.That(Directory.GetFiles(options.WorkDirectory, "*.safetensors", SearchOption.AllDirectories), Is.Empty);
        Assert.That(Directory.GetFiles(options.WorkDirectory, RunFolder.ScreeningFileName, SearchOption.AllDirectories), Has.Length.EqualTo(2));
        // The report reads the zoo files too, but keeps them out of the paper's selection.
        var read = ResultsReport.ReadResults(options.ResultsDirectory);
        Assert.That(read.Select(r => r.Method), Is.EquivalentTo(new[] { "tl-finetune", "tl-modfinetune", "tl-finetune-zoo", "tl-modfinetune-zoo" }));
        var summary = ResultsReport.Summarize(read).Values.Single();
        Assert.That(summary.Results.Select(r => r.Method), Is.EquivalentTo(new[] { "tl-finetune", "tl-modfinetune" }));
        Assert.That(summary.Zoo.Select(r => r.Method), Is.EquivalentTo(new[] { "tl-finetune-zoo", "tl-modfinetune-zoo" }));

        // Again: everything is done. Another screening budget runs the zoo methods again, not the paper's.
        Assert.That(ReproduceRun.Run(options, TextWriter.Null).Select(e => e.Outcome), Is.All.EqualTo(GridOutcome.Skipped));
        var log = new StringWriter();
        var halving = ReproduceRun.Run(options with { Screening = new ScreeningBudget(ScreeningStrategy.SuccessiveHalving, 2) }, log);
        Assert.That(halving.Select(e => (e.Method.Name(), e.Outcome)), Is.EqualTo(new[]
        {
            ("tl-finetune", GridOutcome.Skipped), ("tl-modfinetune", GridOutcome.Skipped), ("tl-finetune-zoo", GridOutcome.Ran), ("tl-modfinetune-zoo", GridOutcome.Ran),
        }).AsCollection);
        Assert.That(log.ToString(), Does.Contain("another screening budget"));
        Assert.That(MethodResult.Load(ResultFile(options, ReproduceMethod.FineTuneZoo)).Config.Screening, Is.EqualTo("successive-halving, 2 epochs"));
    }

    [Test]
    public void WithoutSources_TheGridIsThePapers()
    {
        var options = Options("paper") with { Sources = null };
        Assert.That(options.GridMethods, Is.EqualTo(options.Methods).AsCollection);
        Assert.That(ReproduceMethods.All, Has.None.Matches<ReproduceMethod>(m => m.IsZoo()));
        Assert.That((Options("zoo") with { Methods = [ReproduceMethod.Base, ReproduceMethod.ModFineTune] }).GridMethods,
            Is.EqualTo(new[] { ReproduceMethod.Base, ReproduceMethod.ModFineTune, ReproduceMethod.ModFineTuneZoo }).AsCollection);
        Assert.That(ReproduceMethods.ParseList("tl-finetune-zoo,TL:ModFineTune(zoo)"), Is.EqualTo(ReproduceMethods.Zoo).AsCollection);
    }

    [Test]
    public void BadSources_FailBeforeAnythingIsWritten()
    {
        var missing = Path.Combine(_scratch.FullName, "no-such-model");
        foreach (var (options, value) in new (ReproduceOptions Options, string? Value)[]
        {
            (Options("bad") with { Sources = null, Methods = [ReproduceMethod.FineTuneZoo] }, null),
            (Options("bad") with { Sources = [_sources[0], missing] }, missing),
            (Options("bad") with { Sources = [_sources[0]] }, _sources[0]),
            (Options("bad") with { Sources = [_sources[0], Path.Combine(_sources[0], "model.json")] }, Path.Combine(_sources[0], "model.json")),
        })
        {
            var error = Assert.Throws<OptionException>(() => ReproduceRun.Run(options, TextWriter.Null));
            Assert.That((error!.Option, error.Value), Is.EqualTo((nameof(ReproduceOptions.Sources), value)));
        }
        var epochs = Assert.Throws<OptionException>(() => ReproduceRun.Run(Options("bad") with { Screening = new ScreeningBudget(ScreeningStrategy.Fixed, 0) }, TextWriter.Null));
        Assert.That(epochs!.Option, Is.EqualTo(ScreeningBudget.EpochsOption));
        Assert.That(Directory.Exists(Path.Combine(_scratch.FullName, "bad")), Is.False, "nothing written");
    }
}
