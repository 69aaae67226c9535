using System.Text.Json.Nodes;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Baselines;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Reproduce;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Reproduce;

/// <summary>
/// The grid on a tiny set (60 + 15 rows of the exfoliation files) with a tiny source model, tiny
/// networks and two-epoch budgets: what it writes, what it skips, and how it resumes.
/// </summary>
public sealed class ReproduceRunTests
{
    private static readonly ReproduceMethod[] EfMethods = [.. ReproduceMethods.Paper.Where(m => m.ScratchFeatures() != "pa")];
    private ScratchFolder _scratch = null!;
    private string _source = null!;

    [OneTimeSetUp]
    public void CreateDataAndSource()
    {
        _scratch = new ScratchFolder();
        var folder = Path.Combine(_scratch.FullName, "data", "exfoliation_energy");
        Directory.CreateDirectory(folder);
        foreach (var (part, rows) in new[] { ("training", 60), ("test", 15) })
        {
            var name = $"exfoliation_energy_{part}_set.csv";
            File.WriteAllLines(Path.Combine(folder, name), File.ReadLines(TestFiles.Jarvis("exfoliation_energy", name)).Take(rows + 1));
        }
        _source = TrainingRun.Run(new TrainRunOptions
        {
            TrainPaths = [TestFiles.Jarvis("expt_deltae", "expt_deltae_test_set.csv")],
            Architecture = "16x2-1",
            MaxEpochs = 1,
            Device = DeviceKind.Cpu,
            OutputDirectory = Path.Combine(_scratch.FullName, "source"),
        }, TextWriter.Null).OutputDirectory;
    }

    [OneTimeTearDown]
    public void DeleteScratch() => _scratch.Dispose();

    private ReproduceOptions Options(string name, params ReproduceMethod[] methods) => new()
    {
        DataRoot = Path.Combine(_scratch.FullName, "data"),
        Datasets = ["exfoliation_energy"],
        Methods = methods.Length > 0 ? methods : EfMethods,
        ResultsDirectory = Path.Combine(_scratch.FullName, name, "results"),
        WorkDirectory = Path.Combine(_scratch.FullName, name, "work"),
        SourceModel = _source,
        Architecture = "8x1-1",
        FeatureLayers = [1, 2],
        // ML.NET's forests cost seconds even on 60 rows; the mean keeps the classical methods' plumbing under test.
        ClassicalModels = [BaselineModel.Mean],
        Budget = new TrainingBudget(2, 5, null),
        Device = DeviceKind.Cpu,
        Seed = 5,
    };

    private static string ResultFile(ReproduceOptions options, ReproduceMethod method) =>
        ReproduceRun.ResultPath(options.ResultsDirectory, "exfoliation_energy", method);

    [Test]
    public void Run_WritesOneResultPerMethod_WithItsSelectionBudgetAndConfig()
    {
        var options = Options("all");
        var entries = ReproduceRun.Run(options, TextWriter.Null);

        Assert.That(entries.Select(e => (e.Method, e.Outcome)), Is.EqualTo(EfMethods.Select(m => (m, GridOutcome.Ran))).AsCollection);
        Assert.That(File.Exists(Path.Combine(options.ResultsDirectory, "exfoliation_energy", SharedSplit.FileName)));
        foreach (var method in EfMethods)
        {
            var result = MethodResult.Load(ResultFile(options, method));
            Assert.That((result.Status, result.Dataset, result.Method, result.Seed), Is.EqualTo((MethodResult.Succeeded, "exfoliation_energy", method.Name(), 5)), method.Name());
            Assert.That((result.TrainRows, result.ValidationRows, result.TestRows), Is.EqualTo((54, 6, 15)), method.Name());
            Assert.That(result.TestMae, Is.Positive, method.Name());
            Assert.That(result.Hardware, Is.Not.Empty, method.Name());
            // Several candidates: the kept one has the lowest validation MAE.
            if (result.Candidates.Count > 0)
            {
                var best = result.Candidates.MinBy(c => c.ValidationMae)!;
                Assert.That((result.Selected, result.ValidationMae), Is.EqualTo((best.Name, best.ValidationMae)), method.Name());
            }
            Assert.That(result.Budget, method.TrainsNetwork() ? Is.EqualTo(new ResultBudget(2, 5, null, "standard")) : Is.Null, method.Name());
            Assert.That(result.Run?.MaxEpochs, Is.EqualTo(method.TrainsNetwork() ? 2 : null), method.Name());
        }
        Assert.That(MethodResult.Load(ResultFile(options, ReproduceMethod.MlFeatureExtraction)).Candidates.Select(c => c.Name),
            Is.EqualTo(new[] { "layer 1, mean", "layer 2, mean" }).AsCollection);
        Assert.That(MethodResult.Load(ResultFile(options, ReproduceMethod.DlFeatureExtraction)).Candidates.Select(c => c.Name),
            Is.EqualTo(new[] { "layer 1", "layer 2" }).AsCollection);
        var finetune = MethodResult.Load(ResultFile(options, ReproduceMethod.FineTune));
        Assert.That((finetune.Run!.Source, finetune.Run.ReinitializeLast, finetune.Config.SourceSha256), Is.EqualTo((Path.Combine(_source, "model.json"), false, SharedSplit.Sha256(Path.Combine(_source, "model.safetensors")))));
        Assert.That(MethodResult.Load(ResultFile(options, ReproduceMethod.ModFineTune)).Run!.ReinitializeLast);
        Assert.That(MethodResult.Load(ResultFile(options, ReproduceMethod.ScratchDlElementalFractions)).Run!.Architecture, Is.EqualTo("8x1-1"));
        // Base is the training mean: its test MAE is the mean predictor's.
        var train = DataLoading.Load(Path.Combine(options.DataRoot, "exfoliation_energy", "exfoliation_energy_training_set.csv"), null, null, true, TextWriter.Null);
        var split = SharedSplit.LoadOrCreate(TargetDataset.Find(options.DataRoot, "exfoliation_energy")!, Path.Combine(options.ResultsDirectory, "exfoliation_energy"), 5, 0.1, TextWriter.Null);
        var mean = split.Select(train).Train.Average(i => (double)train.Targets![i]);
        var test = DataLoading.Load(Path.Combine(options.DataRoot, "exfoliation_energy", "exfoliation_energy_test_set.csv"), null, null, true, TextWriter.Null);
        Assert.That(MethodResult.Load(ResultFile(options, ReproduceMethod.Base)).TestMae, Is.EqualTo(test.Targets!.Average(t => Math.Abs(t - mean))).Within(1e-4));
        // Run folders keep no 74 MB checkpoints and, without --keep-models, no weights.
        Assert.That(Directory.GetFiles(options.WorkDirectory, "*.safetensors", SearchOption.AllDirectories), Is.Empty);
    }

    // The shared split's validation targets and the test file's, in the order results record predictions.
    private static (float[] Validation, float[] Test) Targets(ReproduceOptions options)
    {
        var folder = Path.Combine(options.DataRoot, "exfoliation_energy");
        var train = DataLoading.Load(Path.Combine(folder, "exfoliation_energy_training_set.csv"), null, null, true, TextWriter.Null);
        var split = SharedSplit.LoadOrCreate(TargetDataset.Find(options.DataRoot, "exfoliation_energy")!, Path.Combine(options.ResultsDirectory, "exfoliation_energy"), 5, 0.1, TextWriter.Null);
        var test = DataLoading.Load(Path.Combine(folder, "exfoliation_energy_test_set.csv"), null, null, true, TextWriter.Null);
        return ([.. split.Select(train).Validation.Select(i => train.Targets![i])], test.Targets!);
    }

    private static double Mae(float[] predictions, float[] targets) => predictions.Zip(targets, (p, t) => Math.Abs((double)p - t)).Average();

    [Test]
    public void Run_RecordsPredictionsAndHistory_ThatReproduceTheScores()
    {
        var options = Options("predictions", ReproduceMethod.Base, ReproduceMethod.ScratchMlElementalFractions, ReproduceMethod.ScratchDlElementalFractions,
            ReproduceMethod.FineTune, ReproduceMethod.DlFeatureExtraction);
        ReproduceRun.Run(options, TextWriter.Null);
        var (validation, test) = Targets(options);
        Assert.That((validation.Length, test.Length), Is.EqualTo((6, 15)));

        foreach (var method in options.Methods)
        {
            var result = MethodResult.Load(ResultFile(options, method));
            var predictions = result.Predictions;
            Assert.That(predictions, Is.Not.Null, method.Name());
            Assert.That((predictions!.Validation.Length, predictions.Test.Length, predictions.IsComplete), Is.EqualTo((6, 15, true)), method.Name());
            // Recorded in the rows' order: scored against the targets they give the result's own MAEs.
            Assert.That(Mae(predictions.Validation, validation), Is.EqualTo(result.ValidationMae!.Value).Within(1e-9).Percent, method.Name());
            Assert.That(Mae(predictions.Test, test), Is.EqualTo(result.TestMae!.Value).Within(1e-9).Percent, method.Name());
            if (method.TrainsNetwork())
            {
                var history = result.History!;
                Assert.That(history.ValidationMae, Has.Length.EqualTo(result.Epochs), method.Name());
                // The kept epoch's validation MAE, as the trainer measured it.
                Assert.That(history.ValidationMae[result.BestEpoch!.Value - 1], Is.EqualTo(result.ValidationMae!.Value).Within(1e-3).Percent, method.Name());
                Assert.That(history.LearningRate, Is.Null, $"{method.Name()}: a constant rate is not repeated per epoch");
            }
            else
            {
                Assert.That(result.History, Is.Null, method.Name());
            }
        }
        // Base predicts the training mean everywhere.
        Assert.That(MethodResult.Load(ResultFile(options, ReproduceMethod.Base)).Predictions!.Test.Distinct().Count(), Is.EqualTo(1));
    }

    [Test]
    public void Run_Ensembles_AreDerivedFromTheirMembersFiles_AndAgainWhenAMemberChanges()
    {
        var members = Options("ensembles", ReproduceMethod.FineTune, ReproduceMethod.ModFineTune, ReproduceMethod.ScratchMlElementalFractions, ReproduceMethod.ScratchDlElementalFractions);
        ReproduceRun.Run(members, TextWriter.Null);
        var options = members with { Methods = ReproduceMethods.ParseList("sc-ensemble,tl-ensemble") };
        var log = new StringWriter();

        var entries = ReproduceRun.Run(options, log);

        // sc-ensemble waits for the physical-attribute methods; tl-ensemble has both members.
        var scratch = entries.Single(e => e.Method == ReproduceMethod.ScratchEnsemble);
        Assert.That((scratch.Outcome, scratch.Result, scratch.Reason), Is.EqualTo((GridOutcome.NotComputable, (MethodResult?)null, "sc-ml-pa has no result yet")));
        Assert.That(File.Exists(ResultFile(options, ReproduceMethod.ScratchEnsemble)), Is.False);
        Assert.That(log.ToString(), Does.Contain("exfoliation_energy sc-ensemble: not computable: sc-ml-pa has no result yet"));
        var transfer = entries.Single(e => e.Method == ReproduceMethod.FineTuneEnsemble);
        Assert.That(transfer.Outcome, Is.EqualTo(GridOutcome.Ran));

        var finetune = MethodResult.Load(ResultFile(options, ReproduceMethod.FineTune));
        var modfinetune = MethodResult.Load(ResultFile(options, ReproduceMethod.ModFineTune));
        var ensemble = MethodResult.Load(ResultFile(options, ReproduceMethod.FineTuneEnsemble));
        Assert.That((ensemble.Method, ensemble.PaperMethod, ensemble.Group, ensemble.Status), Is.EqualTo(("tl-ensemble", "TL:Ensemble", "tl", MethodResult.Succeeded)));
        Assert.That(ensemble.Members, Is.EqualTo(new[] { new ResultMember("tl-finetune", finetune.Finished), new ResultMember("tl-modfinetune", modfinetune.Finished) }).AsCollection);
        var (validation, test) = Targets(options);
        float[] Mean(float[] a, float[] b) => [.. a.Zip(b, (x, y) => (float)((x + (double)y) / 2))];
        var meanValidation = Mean(finetune.Predictions!.Validation, modfinetune.Predictions!.Validation);
        Assert.That(ensemble.Predictions!.Validation, Is.EqualTo(meanValidation).AsCollection);
        Assert.That(ensemble.ValidationMae, Is.EqualTo(Mae(meanValidation, validation)).Within(1e-9).Percent);
        Assert.That(ensemble.TestMae, Is.EqualTo(Mae(Mean(finetune.Predictions.Test, modfinetune.Predictions.Test), test)).Within(1e-9).Percent);
        Assert.That((ensemble.TrainMae, ensemble.Epochs, ensemble.Budget, ensemble.ValidationRows, ensemble.TestRows), Is.EqualTo(((double?)null, (int?)null, (ResultBudget?)null, 6, 15)));
        Assert.That(ensemble.Config.SourceSha256, Is.EqualTo(finetune.Config.SourceSha256));

        // Nothing changed: skipped. A member run again (a new finish time): derived again from it.
        Assert.That(ReproduceRun.Run(options with { Methods = [ReproduceMethod.FineTuneEnsemble] }, TextWriter.Null).Single().Outcome, Is.EqualTo(GridOutcome.Skipped));
        (modfinetune with { Finished = "2030-01-01T00:00:00.0000000Z" }).Save(ResultFile(options, ReproduceMethod.ModFineTune));
        log = new StringWriter();
        Assert.That(ReproduceRun.Run(options with { Methods = [ReproduceMethod.FineTuneEnsemble] }, log).Single().Outcome, Is.EqualTo(GridOutcome.Ran));
        Assert.That(log.ToString(), Does.Contain("members' results changed"));
        Assert.That(MethodResult.Load(ResultFile(options, ReproduceMethod.FineTuneEnsemble)).Members![1].Finished, Is.EqualTo("2030-01-01T00:00:00.0000000Z"));
    }

    [Test]
    public void Run_EnsembleOfResultsWithoutPredictions_IsNotComputable_AndTheGridGoesOn()
    {
        var options = Options("old-members", ReproduceMethod.FineTune, ReproduceMethod.ModFineTune);
        ReproduceRun.Run(options, TextWriter.Null);
        // As a result file written before predictions were recorded.
        var path = ResultFile(options, ReproduceMethod.FineTune);
        (MethodResult.Load(path) with { Predictions = null, History = null }).Save(path);

        var entries = ReproduceRun.Run(options with { Methods = [ReproduceMethod.Base, ReproduceMethod.FineTune, ReproduceMethod.ModFineTune, ReproduceMethod.FineTuneEnsemble] }, TextWriter.Null);

        Assert.That(entries.Select(e => (e.Method, e.Outcome)), Is.EquivalentTo(new[]
        {
            (ReproduceMethod.Base, GridOutcome.Ran), (ReproduceMethod.FineTune, GridOutcome.Skipped), (ReproduceMethod.ModFineTune, GridOutcome.Skipped),
            (ReproduceMethod.FineTuneEnsemble, GridOutcome.NotComputable),
        }));
        Assert.That(entries.Single(e => e.Outcome == GridOutcome.NotComputable).Reason, Does.StartWith("tl-finetune's result has no predictions"));
        Assert.That(File.Exists(ResultFile(options, ReproduceMethod.FineTuneEnsemble)), Is.False);
    }

    [Test]
    public void Run_EnsemblesAlone_OnASetWithNoResults_CarveNoSplit()
    {
        var options = Options("ensembles-alone", ReproduceMethod.ScratchEnsemble, ReproduceMethod.FineTuneEnsemble);
        var entries = ReproduceRun.Run(options, TextWriter.Null);
        Assert.That(entries.Select(e => (e.Outcome, e.Reason)), Is.EqualTo(new[]
        {
            (GridOutcome.NotComputable, "sc-ml-ef has no result yet"), (GridOutcome.NotComputable, "tl-finetune has no result yet"),
        }).AsCollection);
        Assert.That(File.Exists(Path.Combine(options.ResultsDirectory, "exfoliation_energy", SharedSplit.FileName)), Is.False);
    }

    [Test]
    public void Run_Again_SkipsWhatIsDone_AndRerunsOnlyADeletedResult()
    {
        var options = Options("again", ReproduceMethod.Base, ReproduceMethod.ScratchDlElementalFractions, ReproduceMethod.ModFineTune);
        ReproduceRun.Run(options, TextWriter.Null);
        var written = options.Methods.ToDictionary(m => m, m => File.ReadAllText(ResultFile(options, m)));

        var second = ReproduceRun.Run(options, TextWriter.Null);
        Assert.That(second.Select(e => e.Outcome), Is.All.EqualTo(GridOutcome.Skipped));
        Assert.That(options.Methods.Select(m => File.ReadAllText(ResultFile(options, m))), Is.EqualTo(written.Values).AsCollection);

        File.Delete(ResultFile(options, ReproduceMethod.ModFineTune));
        Directory.Delete(Path.Combine(options.WorkDirectory, "exfoliation_energy"), recursive: true);
        var third = ReproduceRun.Run(options, TextWriter.Null);
        Assert.That(third.Select(e => (e.Method, e.Outcome)), Is.EquivalentTo(new[]
        {
            (ReproduceMethod.Base, GridOutcome.Skipped), (ReproduceMethod.ScratchDlElementalFractions, GridOutcome.Skipped), (ReproduceMethod.ModFineTune, GridOutcome.Ran),
        }));
        Assert.That(File.ReadAllText(ResultFile(options, ReproduceMethod.ModFineTune)), Is.Not.Empty);
    }

    [Test]
    public void Run_WithAnotherLearningRateSchedule_TrainsAgainAndRecordsTheSchedule()
    {
        var options = Options("schedule", ReproduceMethod.ScratchDlElementalFractions);
        var path = ResultFile(options, ReproduceMethod.ScratchDlElementalFractions);
        ReproduceRun.Run(options, TextWriter.Null);
        Assert.That(File.ReadAllText(path), Does.Not.Contain("learning_rate_schedule"), "a constant rate is recorded as before schedules existed");

        // The same budget: the finished network is reused.
        File.Delete(path);
        var log = new StringWriter();
        ReproduceRun.Run(options, log);
        Assert.That(log.ToString(), Does.Contain("finished earlier"));

        // Another schedule is another budget: trained again, and the result says which recipe it used.
        File.Delete(path);
        var plateau = new LearningRateSchedule { Kind = LearningRateScheduleKind.Plateau, Patience = 1 };
        log = new StringWriter();
        ReproduceRun.Run(options with { Schedule = plateau }, log);
        Assert.That(log.ToString(), Does.Not.Contain("finished earlier"));
        var result = MethodResult.Load(path);
        Assert.That(result.Budget, Is.EqualTo(new ResultBudget(2, 5, null, "standard", new ResultSchedule("plateau", Factor: 0.3, Patience: 1, Floor: 1e-6f))));
        Assert.That((result.Run!.LrSchedule, result.Run.LrPatience), Is.EqualTo((LearningRateScheduleKind.Plateau, 1)));
    }

    /// <summary>
    /// A fine-tuning recipe applies to the fine-tuned networks only: FineTune under L2-SP, LP-FT and a
    /// smaller batch records the recipe in its budget and its run's config, while the scratch network
    /// of the same grid keeps the paper's plain budget (and is reused, not retrained, when only the
    /// recipe changes); FineTune is retrained under another recipe.
    /// </summary>
    [Test]
    public void Run_WithAFineTuningRecipe_AppliesItToTheFineTunedNetworksOnly()
    {
        var options = Options("recipe", ReproduceMethod.ScratchDlElementalFractions, ReproduceMethod.FineTune);
        ReproduceRun.Run(options, TextWriter.Null);
        var (scratch, fineTune) = (ResultFile(options, ReproduceMethod.ScratchDlElementalFractions), ResultFile(options, ReproduceMethod.FineTune));
        File.Delete(scratch);
        File.Delete(fineTune);

        var recipe = new FineTuneRecipe { Regularization = new Regularization { SourceDecay = 10f, HeadOnlyEpochs = 1 }, BatchSize = 16 };
        var log = new StringWriter();
        ReproduceRun.Run(options with { FineTuning = recipe }, log);
        Assert.That(log.ToString(), Does.Match("sc-dl-ef: .* finished earlier"), "the scratch network is reused");
        Assert.That(log.ToString(), Does.Not.Match("tl-finetune: .* finished earlier"), "FineTune trained again");
        var tuned = MethodResult.Load(fineTune);
        Assert.That(tuned.Budget!.FineTuning, Is.EqualTo(new ResultRecipe(L2Sp: 10f, HeadEpochs: 1, BatchSize: 16)));
        Assert.That((tuned.Run!.L2Sp, tuned.Run.HeadEpochs, tuned.Run.BatchSize), Is.EqualTo((10f, 1, 16)));
        Assert.That(MethodResult.Load(scratch).Budget!.FineTuning, Is.Null);
    }

    [Test]
    public void Run_BadSchedule_IsAnOptionErrorBeforeAnythingRuns()
    {
        var options = Options("bad-schedule", ReproduceMethod.ScratchDlElementalFractions) with
        {
            Schedule = new LearningRateSchedule { Kind = LearningRateScheduleKind.Plateau, Factor = 1.5 },
        };
        var error = Assert.Throws<OptionException>(() => ReproduceRun.Run(options, TextWriter.Null));
        Assert.That(error!.Option, Is.EqualTo(nameof(TrainRunOptions.LearningRateFactor)));
        Assert.That(Directory.Exists(options.ResultsDirectory), Is.False);
    }

    [Test]
    public void Run_WithAnotherSourceModel_RerunsOnlyTheTransferMethods()
    {
        var options = Options("new-source", ReproduceMethod.Base, ReproduceMethod.ScratchDlElementalFractions, ReproduceMethod.FineTune);
        ReproduceRun.Run(options, TextWriter.Null);

        // The same architecture, other weights: a retrained source.
        var other = Path.Combine(_scratch.FullName, "new-source", "other-source");
        TrainingRun.Run(new TrainRunOptions
        {
            TrainPaths = [TestFiles.Jarvis("expt_deltae", "expt_deltae_test_set.csv")],
            Architecture = "16x2-1",
            MaxEpochs = 1,
            Seed = 99,
            Device = DeviceKind.Cpu,
            OutputDirectory = other,
        }, TextWriter.Null);
        var log = new StringWriter();
        var second = ReproduceRun.Run(options with { SourceModel = other }, log);

        Assert.That(second.Select(e => (e.Method, e.Outcome)), Is.EquivalentTo(new[]
        {
            (ReproduceMethod.Base, GridOutcome.Skipped), (ReproduceMethod.ScratchDlElementalFractions, GridOutcome.Skipped), (ReproduceMethod.FineTune, GridOutcome.Ran),
        }));
        Assert.That(log.ToString(), Does.Contain("tl-finetune").And.Contain("running it again"));
        Assert.That(MethodResult.Load(ResultFile(options, ReproduceMethod.FineTune)).Config.SourceSha256,
            Is.EqualTo(SharedSplit.Sha256(Path.Combine(other, "model.safetensors"))));
    }

    [Test]
    public void Run_MethodClaimedByALiveProcess_IsLeftToIt_AndRunsOnceTheClaimIsGone()
    {
        var options = Options("claimed", ReproduceMethod.Base, ReproduceMethod.ScratchMlElementalFractions);
        var busy = ResultFile(options, ReproduceMethod.ScratchMlElementalFractions);
        Directory.CreateDirectory(Path.GetDirectoryName(busy)!);
        // Held by this (live) process, as a second grid process would see a first one's claim.
        using (GridClaim.TryTake(busy, TextWriter.Null, out _))
        {
            var log = new StringWriter();
            var first = ReproduceRun.Run(options, log);
            Assert.That(first.Select(e => (e.Method, e.Outcome)), Is.EqualTo(new[]
            {
                (ReproduceMethod.Base, GridOutcome.Ran), (ReproduceMethod.ScratchMlElementalFractions, GridOutcome.Busy),
            }).AsCollection);
            Assert.That(File.Exists(busy), Is.False);
            Assert.That(log.ToString(), Does.Contain("is running it; left to it"));
        }
        var second = ReproduceRun.Run(options, TextWriter.Null);
        Assert.That(second.Select(e => e.Outcome), Is.EqualTo(new[] { GridOutcome.Skipped, GridOutcome.Ran }).AsCollection);
        Assert.That(Directory.GetFiles(options.ResultsDirectory, "*" + GridClaim.Extension, SearchOption.AllDirectories), Is.Empty, "claims are released");
    }

    [Test]
    public void Run_TwoGridsSideBySide_ShareTheWork_EachMethodRunsOnce()
    {
        var options = Options("side-by-side", ReproduceMethod.Base, ReproduceMethod.ScratchMlElementalFractions, ReproduceMethod.ScratchDlElementalFractions,
            ReproduceMethod.FineTune, ReproduceMethod.ModFineTune);
        var grids = Enumerable.Range(0, 2).Select(_ => Task.Run(() => ReproduceRun.Run(options, TextWriter.Null))).ToArray();
        Task.WaitAll(grids);

        var ran = grids.SelectMany(g => g.Result).Where(e => e.Outcome == GridOutcome.Ran).Select(e => e.Method).ToList();
        Assert.That(ran, Is.EquivalentTo(options.Methods), "each method ran in exactly one of the two");
        foreach (var grid in grids)
        {
            Assert.That(grid.Result.Select(e => e.Outcome), Is.All.Not.EqualTo(GridOutcome.Failed));
        }
        Assert.That(options.Methods.Select(m => MethodResult.Load(ResultFile(options, m)).IsUsable), Is.All.True);
    }

    [Test]
    public void Run_InterruptedBeforeAnEpochCompletes_KeepsNoCheckpointNorResult_ThenStartsOver()
    {
        var options = Options("resume", ReproduceMethod.ScratchDlElementalFractions) with { Budget = new TrainingBudget(3, 5, null) };
        using var cancel = new CancellationTokenSource();
        // Cancelled as the method starts: no epoch is completed, so nothing of it is kept (a partial
        // epoch is never checkpointed; resuming after a completed epoch is the train verb's tests').
        using var log = new CancelOnLine("(SC:DL(EF)): running", cancel);
        Assert.Throws<OperationCanceledException>(() => ReproduceRun.Run(options, log, cancel.Token));
        Assert.That(log.ToString(), Does.Contain("no epoch was completed, so no model or checkpoint was written"));
        var folder = Path.Combine(options.WorkDirectory, "exfoliation_energy", "sc-dl-ef");
        Assert.That(File.Exists(ResultFile(options, ReproduceMethod.ScratchDlElementalFractions)), Is.False);
        Assert.That(new RunFolder(folder).HasCheckpoint, Is.False);

        using var again = new StringWriter();
        var entry = ReproduceRun.Run(options, again).Single();
        Assert.That(again.ToString(), Does.Not.Contain("resuming"));
        Assert.That((entry.Outcome, entry.Result!.Epochs), Is.EqualTo((GridOutcome.Ran, 3)));
        Assert.That(File.ReadLines(Path.Combine(folder, "metrics.csv")).Skip(1).Select(l => l.Split(',')[0]), Is.EqualTo(new[] { "1", "2", "3" }).AsCollection);
    }

    [Test]
    public void Run_PhysicalAttributeMethods_FailAloneOrRun_NeverStopTheGrid()
    {
        var options = Options("pa", ReproduceMethod.Base, ReproduceMethod.ScratchMlPhysicalAttributes, ReproduceMethod.ScratchMlElementalFractions);
        var entries = ReproduceRun.Run(options, TextWriter.Null);
        var pa = entries.Single(e => e.Method == ReproduceMethod.ScratchMlPhysicalAttributes);
        Assert.That(entries.Where(e => e.Method != ReproduceMethod.ScratchMlPhysicalAttributes).Select(e => e.Outcome), Is.All.EqualTo(GridOutcome.Ran));
        string? unavailable = null;
        try
        {
            FeatureSource.Resolve("pa");
        }
        catch (UsageException e)
        {
            unavailable = e.Message;
        }
        if (unavailable is null)
        {
            // Physical attributes exist: the method ran on them like any other.
            Assert.That((pa.Outcome, pa.Result!.Config.Features), Is.EqualTo((GridOutcome.Ran, "pa")));
            return;
        }
        Assert.That((pa.Outcome, pa.Result!.Status, pa.Result.Error), Is.EqualTo((GridOutcome.Failed, MethodResult.FailedStatus, unavailable)));
        Assert.That(MethodResult.Load(ResultFile(options, ReproduceMethod.ScratchMlPhysicalAttributes)).IsUsable, Is.False);
        // A failed method is not done: the next run tries it again and skips the rest.
        var again = ReproduceRun.Run(options, TextWriter.Null);
        Assert.That(again.Select(e => e.Outcome), Is.EqualTo(new[] { GridOutcome.Skipped, GridOutcome.Skipped, GridOutcome.Failed }).AsCollection);
    }

    [Test]
    public void Run_LargeSet_TakesTheLargeBudgetAndModels_AndRecordsThem()
    {
        var options = Options("large", ReproduceMethod.ScratchDlElementalFractions, ReproduceMethod.ScratchMlElementalFractions) with
        {
            LargeRows = 60,
            LargeBudget = new TrainingBudget(1, 1, TimeSpan.FromMinutes(5)),
            LargeClassicalModels = [BaselineModel.Mean, BaselineModel.GradientBoosting],
        };
        var results = ReproduceRun.Run(options, TextWriter.Null).Select(e => e.Result!).ToList();
        Assert.That((results[0].Budget, results[0].Epochs), Is.EqualTo((new ResultBudget(1, 1, 300, "large"), 1)));
        Assert.That(results[1].Candidates.Select(c => c.Name), Is.EqualTo(new[] { "mean", "gbm" }).AsCollection);
        Assert.That(results[1].Config.Model, Does.Contain("gradient-boosted"));
    }

    [Test]
    public void Run_SetBelowLargeRows_KeepsTheStandardModels()
    {
        var options = Options("not-large", ReproduceMethod.ScratchMlElementalFractions) with
        {
            LargeRows = 61,
            LargeClassicalModels = [BaselineModel.GradientBoosting],
        };
        var result = ReproduceRun.Run(options, TextWriter.Null).Single().Result!;
        Assert.That((result.Candidates.Count, result.Config.Model), Is.EqualTo((0, "the best on validation of: " + BaselineModels.Describe(BaselineModel.Mean))));
    }

    [Test]
    public void Run_BadChoices_FailBeforeAnythingIsWritten()
    {
        var options = Options("bad");
        Assert.That(Assert.Catch<UsageException>(() => ReproduceRun.Run(options with { Datasets = ["exfoliation_energy", "nope"] }, TextWriter.Null))!.Message,
            Does.Contain("unknown data set 'nope'").And.Contain("exfoliation_energy"));
        Assert.That(Assert.Catch<UsageException>(() => ReproduceRun.Run(options with { FeatureLayers = [3] }, TextWriter.Null))!.Message,
            Does.Contain("hidden dense layers 1 to 2"));
        Assert.That(Assert.Catch<UsageException>(() => ReproduceRun.Run(options with { SourceModel = Path.Combine(_scratch.FullName, "none") }, TextWriter.Null))!.Message,
            Does.Contain("no model.json"));
        var budget = Assert.Throws<OptionException>(() => ReproduceRun.Run(options with { Budget = new TrainingBudget(0, 5, null) }, TextWriter.Null))!;
        Assert.That((budget.Option, budget.Value), Is.EqualTo(("MaxEpochs", "0")));
        var large = Assert.Throws<OptionException>(() => ReproduceRun.Run(options with { LargeBudget = new TrainingBudget(10, 0, null) }, TextWriter.Null))!;
        Assert.That((large.Option, large.Value), Is.EqualTo(("LargePatience", "0")), "the large tier's options are named apart");
        Assert.That(Directory.Exists(options.ResultsDirectory), Is.False);

        ReproduceRun.Run(options with { Methods = [ReproduceMethod.Base] }, TextWriter.Null);
        Assert.That(Assert.Catch<UsageException>(() => ReproduceRun.Run(options with { Seed = 6 }, TextWriter.Null))!.Message, Does.Contain("seed 5"));
    }

    [Test]
    public void ResultFile_IsSnakeCaseJsonWithTheFormat()
    {
        var options = Options("json", ReproduceMethod.Base);
        ReproduceRun.Run(options, TextWriter.Null);
        var json = JsonNode.Parse(File.ReadAllText(ResultFile(options, ReproduceMethod.Base)))!;
        Assert.That((string?)json["format"], Is.EqualTo(MethodResult.CurrentFormat));
        Assert.That((string?)json["paper_method"], Is.EqualTo("Base"));
        Assert.That((double?)json["test_mae"], Is.Positive);
    }

    /// <summary>A log that cancels when a line containing <paramref name="text"/> is written.</summary>
    private sealed class CancelOnLine(string text, CancellationTokenSource cancel) : StringWriter(System.Globalization.CultureInfo.InvariantCulture)
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains(text, StringComparison.Ordinal) == true)
            {
                cancel.Cancel();
            }
        }
    }
}
