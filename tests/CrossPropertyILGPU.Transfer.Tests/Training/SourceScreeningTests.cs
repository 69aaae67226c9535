using System.Globalization;
using System.Text.Json.Nodes;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Training;

/// <summary>
/// Several source models screened on the target's validation split (<see cref="SourceScreening"/>),
/// from tiny sources trained once per fixture: one trained on the target property itself
/// (exfoliation energies), one on another property (formation enthalpies), one with two outputs.
/// </summary>
public sealed class SourceScreeningTests
{
    private static readonly string Target = TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv");
    private static readonly string OtherProperty = TestFiles.Jarvis("expt_deltae", "expt_deltae_test_set.csv");
    private ScratchFolder _scratch = null!;
    private string _matched = null!;
    private string _unrelated = null!;
    private string _twoOutputs = null!;

    [OneTimeSetUp]
    public void TrainSources()
    {
        _scratch = new ScratchFolder();
        TrainRunOptions Source(string name, string train, int epochs) => new()
        {
            TrainPaths = [train],
            Architecture = "24x2-1",
            KeepProbabilities = [],
            LearningRate = 1e-3f,
            MaxEpochs = epochs,
            Device = DeviceKind.Cpu,
            CheckpointEvery = 0,
            OutputDirectory = Path.Combine(_scratch.FullName, name),
        };
        _matched = TrainingRun.Run(Source("matched", Target, 40), TextWriter.Null).OutputDirectory;
        _unrelated = TrainingRun.Run(Source("unrelated", OtherProperty, 3), TextWriter.Null).OutputDirectory;
        _twoOutputs = TrainingRun.Run(Source("two-outputs", MultiOutputSourceTests.WriteTwoTargetCsv(_scratch, "two.csv"), 3) with
        {
            TargetColumn = "exfoliation,scaled",
            Architecture = "24x2-2",
        }, TextWriter.Null).OutputDirectory;
    }

    [OneTimeTearDown]
    public void DeleteScratch() => _scratch.Dispose();

    // A slow rate: each source is scored near where it starts, so which is better is clear.
    private TrainRunOptions Options(string name) => new()
    {
        TrainPaths = [Target],
        LearningRate = 1e-5f,
        MaxEpochs = 3,
        Device = DeviceKind.Cpu,
        Seed = 7,
        OutputDirectory = Path.Combine(_scratch.FullName, name),
    };

    [Test]
    public void Screening_ChoosesTheBetterSourceOnValidation_RecordsTheScores_AndFinishesIt()
    {
        // The test file holds formation enthalpies, on which the unrelated source would win: a
        // screening that looked at it would choose wrong.
        var options = Options("screened") with { TestPath = OtherProperty };
        var log = new StringWriter();
        var summary = SourceScreening.Run(options, [_unrelated, _matched], new ScreeningBudget(ScreeningStrategy.Fixed, 2), log);

        var screening = summary.Screening;
        Assert.That(screening.Chosen, Is.EqualTo(_matched));
        Assert.That(screening.Sources.Select(s => (s.Source, s.Chosen, s.Epochs, s.Rounds, s.TransferMode)), Is.EqualTo(new[]
        {
            (_unrelated, false, 2, 1, "finetune"), (_matched, true, 2, 1, "finetune"),
        }).AsCollection);
        Assert.That(screening.Sources[1].ValidationMae, Is.LessThan(screening.Sources[0].ValidationMae!.Value));
        Assert.That(screening.Sources.Select(s => s.Seconds), Is.All.Positive);
        Assert.That((screening.ValidationRows, screening.TrainRows, screening.Seed), Is.EqualTo((50, 451, 7)));

        // screening.json, read back through its owner, and config.json's lines naming the choice.
        var folder = new RunFolder(summary.Final.OutputDirectory);
        Assert.That(folder.ReadScreening()!.Sources.Select(s => s.ValidationMae), Is.EqualTo(screening.Sources.Select(s => s.ValidationMae)).AsCollection);
        var config = folder.ReadConfig();
        Assert.That(config.Source, Is.EqualTo(Path.Combine(_matched, "model.json")));
        Assert.That(config.Sources, Is.EqualTo(new[] { _unrelated, _matched }).AsCollection);
        Assert.That((config.SourceScreening, config.SourceScreeningEpochs), Is.EqualTo(((ScreeningStrategy?)ScreeningStrategy.Fixed, (int?)2)));
        Assert.That(config.Test, Is.EqualTo(OtherProperty), "the final run scores the test file");
        Assert.That(summary.Final.Training.Epochs, Is.EqualTo(3), "the winner finishes at the full budget");
        Assert.That(log.ToString(), Does.Contain("screening chose " + _matched));

        foreach (var source in screening.Sources)
        {
            var run = new RunFolder(Path.Combine(folder.Path, source.Folder));
            // Each score is its run's best validation MAE, and no screening run saw the test file.
            Assert.That(source.ValidationMae, Is.EqualTo(run.ReadMetrics().Min(m => m.ValidationMae)).Within(1e-6 * source.ValidationMae!.Value), source.Source);
            Assert.That(run.ReadConfig().Test, Is.Null, source.Source);
            Assert.That(File.Exists(run.PredictionsPath("test")), Is.False, source.Source);
            Assert.That(run.HasCheckpoint || File.Exists(run.WeightsPath), Is.False, "the screening keeps scores, not 74 MB files");
            // The same rows for every source and for the final run.
            Assert.That(run.ReadSplits().Validation.Lines, Is.EqualTo(folder.ReadSplits().Validation.Lines).AsCollection, source.Source);
            Assert.That(run.ReadSplits().Train.Lines, Is.EqualTo(folder.ReadSplits().Train.Lines).AsCollection, source.Source);
        }
        // The final run of the winner repeats its screening run epoch for epoch: same split, seed and options.
        var chosenRun = new RunFolder(Path.Combine(folder.Path, screening.Sources[1].Folder));
        Assert.That(folder.ReadMetrics().Take(2).Select(m => m.ValidationMae), Is.EqualTo(chosenRun.ReadMetrics().Select(m => m.ValidationMae)).AsCollection);
    }

    [Test]
    public void SuccessiveHalving_DropsTheWorseHalfAfterTheFirstRound_AndNewHeadsForModFineTuneAndSeveralOutputs()
    {
        var budget = new ScreeningBudget(ScreeningStrategy.SuccessiveHalving, 4);
        var summary = SourceScreening.Run(Options("halving"), [_matched, _unrelated, _twoOutputs], budget, TextWriter.Null);

        var sources = summary.Screening.Sources;
        Assert.That(summary.Screening.RoundEpochs, Is.EqualTo(new[] { 2, 4 }).AsCollection);
        // After the first round (2 epochs each) the worst of three is dropped; the other two train on to 4.
        var dropped = sources.Single(s => s.Rounds == 1);
        Assert.That((dropped.Epochs, dropped.Chosen), Is.EqualTo((2, false)));
        Assert.That(sources.Where(s => s != dropped).Select(s => (s.Epochs, s.Rounds)), Is.All.EqualTo((4, 2)));
        Assert.That(sources.Where(s => s != dropped).Select(s => s.ValidationMae), Is.All.LessThanOrEqualTo(dropped.ValidationMae!.Value), "scores only improve with epochs");
        Assert.That(sources.Select(s => (s.Outputs, s.TransferMode)), Is.EqualTo(new[] { (1, "finetune"), (1, "finetune"), (2, "modfinetune") }).AsCollection);
        Assert.That(summary.Screening.Chosen, Is.EqualTo(_matched));
        Assert.That(sources.Single(s => s.Chosen).ValidationMae, Is.EqualTo(sources.Min(s => s.ValidationMae)));

        // With --reinit-last every source gets a new output layer.
        var modified = SourceScreening.Run(Options("halving-mod") with { ReinitializeLast = true }, [_matched, _twoOutputs], budget, TextWriter.Null);
        Assert.That(modified.Screening.Sources.Select(s => s.TransferMode), Is.All.EqualTo("modfinetune"));
        Assert.That(modified.Screening.RoundEpochs, Is.EqualTo(new[] { 4 }).AsCollection, "two sources: one round, as a fixed budget");
        Assert.That(ModelManifest.Load(Path.Combine(modified.Final.OutputDirectory, "model.json")).TransferMode, Is.EqualTo("modfinetune"));
    }

    [TestCase(ScreeningStrategy.Fixed, 10, 2, new[] { 10 })]
    [TestCase(ScreeningStrategy.Fixed, 10, 5, new[] { 10 })]
    [TestCase(ScreeningStrategy.SuccessiveHalving, 10, 2, new[] { 10 })]
    [TestCase(ScreeningStrategy.SuccessiveHalving, 10, 3, new[] { 5, 10 })]
    [TestCase(ScreeningStrategy.SuccessiveHalving, 10, 4, new[] { 5, 10 })]
    [TestCase(ScreeningStrategy.SuccessiveHalving, 10, 5, new[] { 3, 5, 10 })]
    [TestCase(ScreeningStrategy.SuccessiveHalving, 2, 8, new[] { 1, 1, 2 })]
    public void RoundEpochs_DoubleUpToTheBudget(ScreeningStrategy strategy, int epochs, int sources, int[] expected) =>
        Assert.That(new ScreeningBudget(strategy, epochs).RoundEpochs(sources), Is.EqualTo(expected).AsCollection);

    [Test]
    public void BadSources_AreOptionErrorsNamingTheSource_BeforeAnythingIsWritten()
    {
        var options = Options("never");
        var missing = Path.Combine(_scratch.FullName, "no-such-model");
        var error = Assert.Throws<OptionException>(() => SourceScreening.Run(options, [_matched, missing], ScreeningBudget.Default, TextWriter.Null));
        Assert.That((error!.Option, error.Value), Is.EqualTo((nameof(TrainRunOptions.SourceModel), missing)));
        Assert.That(error.Problem, Does.Contain("no model there"));

        var foreign = Path.Combine(_scratch.FullName, "pa-source");
        if (!Directory.Exists(foreign))
        {
            Directory.CreateDirectory(foreign);
            File.Copy(Path.Combine(_matched, "model.safetensors"), Path.Combine(foreign, "model.safetensors"));
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(_matched, "model.json")))!;
            json["feature_kind"] = "pa";
            json["input_width"] = 145;
            json["weights_sha256"] = null;
            File.WriteAllText(Path.Combine(foreign, "model.json"), json.ToJsonString());
        }
        error = Assert.Throws<OptionException>(() => SourceScreening.Run(options, [_matched, foreign], ScreeningBudget.Default, TextWriter.Null));
        Assert.That(error!.Option, Is.EqualTo(nameof(TrainRunOptions.Features)));
        Assert.That(error.Problem, Does.Contain(foreign).And.Contain("same input features"));

        // Options that cannot apply to a source say which one: three dense layers cannot all be frozen.
        error = Assert.Throws<OptionException>(() => SourceScreening.Run(options with { FreezeDenseLayers = 3 }, [_matched, _unrelated], ScreeningBudget.Default, TextWriter.Null));
        Assert.That(error!.Option, Is.EqualTo(nameof(TrainRunOptions.FreezeDenseLayers)));
        Assert.That(error.Problem, Does.Contain("for the source " + _matched));
        error = Assert.Throws<OptionException>(() => SourceScreening.Run(options with { Architecture = "16x2-1" }, [_twoOutputs, _matched], ScreeningBudget.Default, TextWriter.Null));
        Assert.That(error!.Option, Is.EqualTo(nameof(TrainRunOptions.Architecture)));
        Assert.That(error.Problem, Does.Contain("24x2-1").And.Contain("for the source " + _twoOutputs), "a two-output source's layers under a new one-unit output layer");
        Assert.That(Directory.Exists(options.OutputDirectory), Is.False, "nothing written");
    }

    [Test]
    public void BadRequests_AreOptionErrors_BeforeAnythingIsWritten()
    {
        var options = Options("never");
        foreach (var (run, option) in new (Action Run, string Option)[]
        {
            (() => SourceScreening.Run(options, [_matched, Path.Combine(_matched, "model.json")], ScreeningBudget.Default, TextWriter.Null), nameof(TrainRunOptions.SourceModel)),
            (() => SourceScreening.Run(options, [_matched], ScreeningBudget.Default, TextWriter.Null), nameof(TrainRunOptions.SourceModel)),
            (() => SourceScreening.Run(options, [_matched, _unrelated], new ScreeningBudget(ScreeningStrategy.Fixed, 0), TextWriter.Null), ScreeningBudget.EpochsOption),
            (() => SourceScreening.Run(options with { Resume = true }, [_matched, _unrelated], ScreeningBudget.Default, TextWriter.Null), nameof(TrainRunOptions.Resume)),
        })
        {
            var error = Assert.Throws<OptionException>(() => run());
            Assert.That(error!.Option, Is.EqualTo(option));
        }
        // Bad data is found by the first screening run; the folder the screening made is removed again.
        var missingData = Path.Combine(_scratch.FullName, "missing.csv");
        Assert.Throws<Transfer.Data.DataFileException>(() => SourceScreening.Run(options with { TrainPaths = [missingData] }, [_matched, _unrelated], ScreeningBudget.Default, TextWriter.Null));
        Assert.That(Directory.Exists(options.OutputDirectory), Is.False, "nothing written");

        // A screening stopped before its final run has nothing to resume, and says so.
        var stopped = Path.Combine(_scratch.FullName, "stopped");
        Directory.CreateDirectory(Path.Combine(stopped, RunFolder.ScreeningFolderName, "1-matched"));
        var resume = Assert.Throws<OptionException>(() => TrainRunOptions.FromRunFolder(stopped));
        Assert.That((resume!.Option, resume.Value), Is.EqualTo((nameof(TrainRunOptions.Resume), stopped)));
        Assert.That(resume.Problem, Does.Contain("screening was stopped before the final fine-tune began"));
    }

    [Test]
    public void MaterialsModel_FineTunesTheBestOfSeveralSources_OnInMemorySamples()
    {
        var samples = File.ReadLines(Target).Skip(1).Take(120).Select(line => line.Split(','))
            .Select(cells => (cells[1], double.Parse(cells[2], CultureInfo.InvariantCulture))).ToList();
        using var model = MaterialsModel.FineTune([_unrelated, _twoOutputs, _matched], samples, new FineTuneSettings
        {
            MaxEpochs = 2,
            LearningRate = 1e-5f,
            Device = DeviceKind.Cpu,
            Screening = new ScreeningBudget(ScreeningStrategy.Fixed, 2),
        });
        Assert.That(model.Screening!.Chosen, Is.EqualTo(_matched));
        Assert.That(model.Screening.Sources, Has.Length.EqualTo(3));
        Assert.That(model.Manifest.SourceModel, Is.EqualTo(Path.Combine(_matched, "model.json")));
        Assert.That(model.Predict(["AgCNO", "MoS2"]), Has.Length.EqualTo(2).And.All.Not.NaN);
        using var single = MaterialsModel.FineTune(_matched, samples, new FineTuneSettings { MaxEpochs = 1, Device = DeviceKind.Cpu });
        Assert.That(single.Screening, Is.Null);
    }
}
