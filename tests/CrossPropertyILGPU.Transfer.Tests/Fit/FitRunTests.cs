using System.Text.Json.Nodes;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer.Baselines;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Fit;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Fit;

/// <summary>
/// The whole fit on tiny sets (tens of rows, a 16-unit source and scratch network, a few epochs):
/// the saved folder round-trips, the test file never informs a choice, non-negative targets are
/// clipped and recorded.
/// </summary>
public sealed class FitRunTests
{
    private static readonly FitPlan Tiny = new()
    {
        Folds = 3,
        NetworkMaxEpochs = 3,
        NetworkPatience = 2,
        TransferTime = TimeSpan.FromMinutes(2),
        ScratchTime = TimeSpan.FromMinutes(2),
        ScratchArchitecture = "16x1-1",
    };

    private ScratchFolder _scratch = null!;
    private string _source = null!;
    private string _train = null!;
    private string _test = null!;

    [OneTimeSetUp]
    public void TrainSource()
    {
        _scratch = new ScratchFolder();
        _source = TrainingRun.Run(new TrainRunOptions
        {
            TrainPaths = [TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv")],
            Architecture = "16x1-1",
            MaxEpochs = 2,
            Device = DeviceKind.Cpu,
            CheckpointEvery = 0,
            OutputDirectory = Path.Combine(_scratch.FullName, "source"),
        }, TextWriter.Null).OutputDirectory;
        _train = FitTestData.Write(_scratch, "train.csv", FitTestData.Rows(36, seed: 1));
        _test = FitTestData.Write(_scratch, "test.csv", FitTestData.Rows(12, seed: 2));
    }

    [OneTimeTearDown]
    public void DeleteScratch() => _scratch.Dispose();

    private FitOptions Options(string name, params string[] candidates) => new()
    {
        TrainPath = _train,
        TestPath = _test,
        Plan = Tiny,
        Sources = [_source],
        Candidates = candidates,
        Device = DeviceKind.Cpu,
        Seed = 5,
        OutputDirectory = Path.Combine(_scratch.FullName, name),
    };

    [Test]
    public void Fit_NetworksAndTrees_SavesAFolderThatPredictsAsItScoredTheTest()
    {
        var summary = FitRun.Run(Options("all-kinds", "gbm-pa", "finetune", "modfinetune", "gbm-extracted", "scratch-pa"), TextWriter.Null);

        var model = summary.Model;
        Assert.That(model.Candidates.Select(c => (c.Candidate, c.Status)), Is.EqualTo(new[]
        {
            ("gbm-pa", "ran"), ("finetune", "ran"), ("modfinetune", "ran"), ("gbm-extracted", "ran"), ("scratch-pa", "ran"),
        }).AsCollection, "run in order of expected value");
        Assert.That(model.Members.Sum(m => m.Weight), Is.EqualTo(1.0).Within(1e-9));
        Assert.That(model.Members, Has.All.Matches<FitMemberRecord>(m => m.Weight > 0 && m.Models.Length == 3), "one model per fold");
        Assert.That(model.OutOfFoldMae, Is.LessThanOrEqualTo(model.Candidates.Min(c => c.OutOfFoldMae!.Value) + 1e-9));
        Assert.That(model.ClipAtZero, Is.True, "every target is ≥ 0");

        // The folder as saved predicts the test file exactly as the fit scored it.
        var saved = FitModel.Load(summary.OutputDirectory, DeviceKind.Cpu);
        var again = saved.Predict(_test, null, null, requireTargets: true, TextWriter.Null);
        var written = PredictionsCsv.Read(Path.Combine(summary.OutputDirectory, FitFolder.TestFileName))!;
        Assert.That(again.Predictions, Is.EqualTo(written.Predictions).AsCollection);
        Assert.That(again.Std, Has.All.GreaterThanOrEqualTo(0f));
        Assert.That(saved.Evaluate(_test, null, null, TextWriter.Null).Metrics.Mae, Is.EqualTo(summary.Test!.Mae).Within(1e-9));

        var folder = new FitFolder(summary.OutputDirectory);
        var report = File.ReadAllText(folder.ReportPath);
        Assert.That(report, Does.Contain("## Candidates").And.Contain("## Test (scored once").And.Contain("gbm-extracted").And.Contain("clipped at 0"));
        Assert.That(File.Exists(folder.LeaderboardPlotPath) && File.Exists(folder.ParityPlotPath("oof")) && File.Exists(folder.ParityPlotPath("test")), Is.True);
    }

    [Test]
    public void Fit_TestTargetsChanged_ChoosesTheSameModel()
    {
        var other = FitTestData.Write(_scratch, "test-other.csv", FitTestData.Rows(12, seed: 2, shift: 7));
        var first = FitRun.Run(Options("choice-a", "gbm-pa", "gbm-ef"), TextWriter.Null);
        var second = FitRun.Run(Options("choice-b", "gbm-pa", "gbm-ef") with { TestPath = other }, TextWriter.Null);

        Assert.That(second.Test!.Mae, Is.Not.EqualTo(first.Test!.Mae).Within(1.0), "the test targets differ");
        Assert.That(Choice(second), Is.EqualTo(Choice(first)));
        Assert.That(File.ReadAllText(Path.Combine(second.OutputDirectory, FitFolder.OutOfFoldFileName)),
            Is.EqualTo(File.ReadAllText(Path.Combine(first.OutputDirectory, FitFolder.OutOfFoldFileName))));
    }

    // The members, weights and scores fit.json records: everything chosen.
    private static string Choice(FitSummary summary)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(summary.OutputDirectory, FitFolder.ModelFileName)))!.AsObject();
        var candidates = json["candidates"]!.AsArray().Select(c => $"{c!["candidate"]} {c["out_of_fold_mae"]} {c["weight"]}");
        var members = json["members"]!.AsArray().Select(m => $"{m!["candidate"]} {m["weight"]} {string.Join(',', m["models"]!.AsArray())}");
        return string.Join('\n', candidates.Concat(members).Append(json["out_of_fold_mae"]!.ToString()));
    }

    [Test]
    public void Fit_ManyZeroTargets_GatedTreesPredictExactZerosAndRoundTrip()
    {
        // Compounds of the first four cations are "metals": exactly 0.
        string[] metals = ["Li", "Na", "K", "Mg"];
        static bool Zero(string formula, string[] metals) => metals.Any(m => formula.StartsWith(m, StringComparison.Ordinal));
        var rows = FitTestData.Rows(48, seed: 6).Select(r => (r.Formula, Zero(r.Formula, metals) ? 0.0 : r.Target)).ToList();
        Assume.That(rows.Count(r => r.Item2 == 0), Is.GreaterThan(5));
        var train = FitTestData.Write(_scratch, "zeros.csv", rows);

        var summary = FitRun.Run(Options("gated", "gbm-pa-gated") with { TrainPath = train }, TextWriter.Null);

        var member = summary.Model.Members.Single();
        Assert.That((member.Candidate, member.Gated), Is.EqualTo(("gbm-pa-gated", true)));
        Assert.That(member.Models.Select(m => File.Exists(Path.Combine(summary.OutputDirectory, FitFolder.GateModel(m)))), Has.All.True);
        var saved = FitModel.Load(summary.OutputDirectory, DeviceKind.Cpu).Predict(_test, null, null, requireTargets: true, TextWriter.Null);
        Assert.That(saved.Predictions, Is.EqualTo(PredictionsCsv.Read(Path.Combine(summary.OutputDirectory, FitFolder.TestFileName))!.Predictions).AsCollection);
        var oof = PredictionsCsv.Read(Path.Combine(summary.OutputDirectory, FitFolder.OutOfFoldFileName))!;
        Assert.That(oof.Predictions, Has.Some.EqualTo(0f), "the gate puts rows at exactly 0");
    }

    [Test]
    public void Fit_SomeTargetNegative_DoesNotClip()
    {
        var train = FitTestData.Write(_scratch, "negative.csv", FitTestData.Rows(36, seed: 1, shift: -1.5));

        var summary = FitRun.Run(Options("negative", "gbm-pa") with { TrainPath = train, TestPath = null }, TextWriter.Null);

        Assert.That(summary.Model.ClipAtZero, Is.False);
        Assert.That(File.ReadAllText(Path.Combine(summary.OutputDirectory, FitFolder.ReportFileName)), Does.Contain("no clipping"));
    }

    [Test]
    public void FitModel_ClipAtZero_PutsNegativePredictionsAtZero()
    {
        // A fit folder by hand: one tree member trained on targets of −1, so it predicts about −1.
        var folder = Path.Combine(_scratch.FullName, "clip");
        Directory.CreateDirectory(Path.Combine(folder, "candidates"));
        var rows = FitTestData.Rows(20, seed: 3).Select(r => (r.Formula, -1.0)).ToList();
        var data = DataLoading.Load(FitTestData.Write(_scratch, "minus-one.csv", rows), null, null, requireTargets: true, TextWriter.Null, FeatureSource.PhysicalAttributes);
        TreeModel.Fit(BaselineModel.GradientBoosting, data, 1).Save(Path.Combine(folder, "candidates", "trees.zip"));
        var file = new FitModelFile
        {
            ClipAtZero = true,
            Members = [new FitMemberRecord { Candidate = "gbm-pa", Kind = "gbm-pa", Weight = 1, Features = "pa", Width = data.Width, Models = ["candidates/trees.zip"] }],
        };
        new FitFolder(folder).WriteModel(file);
        var input = DataLoading.Load(_test, null, null, requireTargets: true, TextWriter.Null);

        var clipped = FitModel.Load(folder).Predict(input).Predictions;
        new FitFolder(folder).WriteModel(file with { ClipAtZero = false });
        var raw = FitModel.Load(folder).Predict(input).Predictions;

        Assert.That(raw, Has.All.LessThan(-0.5f));
        Assert.That(clipped, Has.All.EqualTo(0f));
    }

    [Test]
    public void Fit_TimeLimitLeavingNoTime_CutsEveryCandidateAndSaysSo()
    {
        var options = Options("no-time", "gbm-pa", "finetune") with { TimeLimit = FitRun.FinishingReserve + TimeSpan.FromSeconds(0.5) };

        var error = Assert.Throws<OptionException>(() => FitRun.Run(options, TextWriter.Null));

        Assert.That(error!.Option, Is.EqualTo(nameof(FitOptions.TimeLimit)));
        Assert.That(error.Problem, Does.Contain("no candidate finished").And.Contain("gbm-pa: cut").And.Contain("finetune: cut"));
    }

    [Test]
    public void Fit_HoldoutWithOneNetwork_IsExportableAsOneNetwork()
    {
        var summary = FitRun.Run(Options("holdout", "scratch-pa") with { Plan = Tiny with { CrossValidationMaxRows = 10 }, TestPath = null }, TextWriter.Null);

        Assert.That(summary.Model.Validation, Does.StartWith("one validation split"));
        var single = FitModel.Load(summary.OutputDirectory).SingleNetwork();
        Assert.That(File.Exists(Path.Combine(single, "model.json")), Is.True);
    }
}
