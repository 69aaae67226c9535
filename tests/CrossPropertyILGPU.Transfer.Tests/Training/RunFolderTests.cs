using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Network.Checkpoints;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Training;

public sealed class RunFolderTests
{
    private static TrainingState State() => new()
    {
        Seed = 7,
        Epoch = 3,
        AdamStep = 120,
        BestEpoch = 2,
        BestValidationMae = 0.25,
        SinceBest = 1,
        Seconds = 12.5,
        History = [new EpochMetrics(1, 0.9, 0.5, 4, true, 1e-4) { GradientNorm = 2, WeightNorm = 3 }, new EpochMetrics(2, 0.7, 0.25, 8, true, 1e-4), new EpochMetrics(3, 0.6, double.NaN, 12.5, false, 1e-4)],
        Parameters = [1, 2, 3],
        FirstMoment = [4, 5, 6],
        SecondMoment = [7, 8, 9],
        BestParameters = [10, 11, 12],
    };

    [Test]
    public void Checkpoint_SavedAndLoaded_GivesTheSameStateAndScaling()
    {
        using var scratch = new ScratchFolder();
        var folder = new RunFolder(scratch.FullName);
        Assert.That(folder.HasCheckpoint, Is.False);
        folder.SaveCheckpoint(State(), new TargetScaler(1.5, 0.5));

        var (state, scaler) = folder.LoadCheckpoint();
        Assert.That(state with { History = [], Parameters = [], FirstMoment = [], SecondMoment = [], BestParameters = [] },
            Is.EqualTo(State() with { History = [], Parameters = [], FirstMoment = [], SecondMoment = [], BestParameters = [] }));
        Assert.That(state.History, Is.EqualTo(State().History).AsCollection);
        Assert.That((state.Parameters, state.FirstMoment, state.SecondMoment, state.BestParameters), Is.EqualTo((State().Parameters, State().FirstMoment, State().SecondMoment, State().BestParameters)).Using<(float[], float[], float[], float[])>(
            (a, b) => a.Item1.SequenceEqual(b.Item1) && a.Item2.SequenceEqual(b.Item2) && a.Item3.SequenceEqual(b.Item3) && a.Item4.SequenceEqual(b.Item4)));
        Assert.That(scaler, Is.EqualTo(new TargetScaler(1.5, 0.5)));
    }

    [Test]
    public void Checkpoint_WriteFails_ErrorNamesTheCheckpointAndNoTemporaryIsLeft()
    {
        using var scratch = new ScratchFolder();
        var folder = new RunFolder(scratch.FullName);
        // A folder where the checkpoint belongs: the temporary is written whole, the rename fails.
        Directory.CreateDirectory(folder.CheckpointPath);
        var e = Assert.Throws<IOException>(() => folder.SaveCheckpoint(State(), new TargetScaler(1.5, 0.5)));
        Assert.That(e!.Message, Does.Contain(folder.CheckpointPath).And.Contain("checkpoint"));
        Assert.That(File.Exists(folder.CheckpointPath + ".tmp"), Is.False, "the temporary is removed");
    }

    [Test]
    public void Checkpoint_MetadataIsOneObject_InTheFormatEarlierVersionsWrote()
    {
        // Earlier versions wrote these keys in one training_state object; their checkpoints must
        // still resume, and this version's must still be read by them.
        using var scratch = new ScratchFolder();
        var folder = new RunFolder(scratch.FullName);
        folder.SaveCheckpoint(State(), new TargetScaler(1.5, 0.5));
        var (tensors, metadata) = SafeTensors.Read(folder.CheckpointPath);
        using var json = System.Text.Json.JsonDocument.Parse(metadata["training_state"]);
        var keys = json.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.That(keys, Is.EquivalentTo(new[] { "seed", "epoch", "adam_step", "best_epoch", "best_validation_mae", "since_best", "history", "seconds", "target_offset", "target_scale" }));
        Assert.That(tensors.Select(t => t.Name), Is.EqualTo(new[] { "parameters", "adam.first_moment", "adam.second_moment", "best_parameters" }));
    }

    [Test]
    public void CheckNew_RefusesAFileOrANonEmptyFolder_AsAnOutputDirectoryError()
    {
        using var scratch = new ScratchFolder();
        File.WriteAllText(Path.Combine(scratch.FullName, "x"), "");
        var error = Assert.Throws<OptionException>(() => RunFolder.CheckNew(scratch.FullName));
        Assert.That(error!.Option, Is.EqualTo(nameof(TrainRunOptions.OutputDirectory)));
        Assert.Throws<OptionException>(() => RunFolder.CheckNew(Path.Combine(scratch.FullName, "x")));
        Assert.DoesNotThrow(() => RunFolder.CheckNew(Path.Combine(scratch.FullName, "new")));
    }

    [Test]
    public void Metrics_WrittenAndRead_InTargetUnits()
    {
        using var scratch = new ScratchFolder();
        var folder = new RunFolder(scratch.FullName);
        using (var writer = folder.OpenMetrics(Kernels.Backends.LossKind.Mae))
        {
            writer.Append(new EpochMetrics(1, 0.5, 0.25, 3.5, true, 1e-4) { GradientNorm = 2, WeightNorm = 3 }, lossScale: 2, maeScale: 2);
        }
        Assert.That(folder.ReadMetrics(), Is.EqualTo(new[] { new MetricsRow(1, 1.0, 0.5, 1e-4, 2, 3, 3.5) }));
        Assert.That(File.ReadLines(folder.MetricsPath).First(), Is.EqualTo("epoch,train_mae,val_mae,lr,grad_norm,weight_norm,seconds"));
    }

    [Test]
    public void Predictions_WrittenAndRead_GiveEachRowsFormulaAndTheSameFloats()
    {
        using var scratch = new ScratchFolder();
        var folder = new RunFolder(scratch.FullName);
        Assert.That(folder.ReadPredictions("test"), Is.Null, "no file yet");
        var table = CrossPropertyILGPU.Transfer.Data.MaterialsCsv.Read(scratch.Write("rows.csv", "formula,gap\nFe2O3,1.5\n\"NaCl\",2\nSiO2,0.25\n"));
        var data = CrossPropertyILGPU.Transfer.Data.Featurizer.ElementalFractions(table);
        float[] predictions = [0.1f, -3.3333333f, 1e-7f];
        folder.WritePredictions("test", data, predictions, "gap");

        var read = folder.ReadPredictions("test")!;

        Assert.That(read.Formulas, Is.EqualTo(new[] { "Fe2O3", "NaCl", "SiO2" }).AsCollection);
        Assert.That(read.Predictions, Is.EqualTo(predictions).AsCollection);
    }

    [Test]
    public void Predictions_WithoutAPredictionColumn_IsADataFileError()
    {
        using var scratch = new ScratchFolder();
        var folder = new RunFolder(scratch.FullName);
        scratch.Write("predictions_test.csv", "formula,gap\nFe2O3,1.5\n");
        Assert.That(Assert.Throws<CrossPropertyILGPU.Transfer.Data.DataFileException>(() => folder.ReadPredictions("test"))!.Message, Does.Contain("no 'prediction' column"));
    }

    [Test]
    public void Lock_HeldByOneRun_RefusesASecondNamingTheFolderAndTheHolder_AndIsReleasedOnDispose()
    {
        using var scratch = new ScratchFolder();
        var folder = new RunFolder(scratch.FullName);
        using (folder.Lock())
        {
            var error = Assert.Throws<OptionException>(() => folder.Lock())!;
            Assert.That(error.Option, Is.EqualTo(nameof(TrainRunOptions.OutputDirectory)));
            Assert.That(error.Problem, Does.Contain($"process {Environment.ProcessId}"));
        }
        Assert.That(Directory.EnumerateFileSystemEntries(scratch.FullName), Is.Empty, "the lock leaves nothing behind");
        using (folder.Lock())
        {
            Assert.Pass("taken again after release");
        }
    }

    [Test]
    public void CreateLocked_TwoRunsIntoOneNewFolderAtOnce_ExactlyOneProceeds()
    {
        using var scratch = new ScratchFolder();
        var path = Path.Combine(scratch.FullName, "run");
        var (first, held) = RunFolder.CreateLocked(path);
        using (held)
        {
            var error = Assert.Throws<OptionException>(() => RunFolder.CreateLocked(path))!;
            Assert.That(error.Problem, Does.Contain("another run"));
            first.WriteConfig(new RunConfig { Train = ["x.csv"] });
        }
        // The first run wrote into it and let go: the folder is no longer new.
        Assert.That(Assert.Throws<OptionException>(() => RunFolder.CreateLocked(path))!.Problem, Does.Contain("not empty"));
    }

    [Test]
    public void CheckNew_FolderOfARunAtWork_NamesTheHolderRatherThanSayingNotEmpty()
    {
        using var scratch = new ScratchFolder();
        var path = Path.Combine(scratch.FullName, "run");
        var (first, held) = RunFolder.CreateLocked(path);
        using (held)
        {
            first.WriteConfig(new RunConfig { Train = ["x.csv"] });
            var error = Assert.Throws<OptionException>(() => RunFolder.CheckNew(path))!;
            Assert.That(error.Option, Is.EqualTo(nameof(TrainRunOptions.OutputDirectory)));
            Assert.That(error.Problem, Does.Contain("another run is using this folder").And.Contain($"process {Environment.ProcessId} on {Environment.MachineName}"));
            var resumed = Assert.Throws<OptionException>(() => first.Lock(nameof(TrainRunOptions.Resume)))!;
            Assert.That(resumed.Option, Is.EqualTo(nameof(TrainRunOptions.Resume)), "a resumed run names --resume");
        }
        Assert.That(Assert.Throws<OptionException>(() => RunFolder.CheckNew(path))!.Problem, Does.Contain("not empty"), "finished: merely not empty");
    }

    [Test]
    public void Lock_LeftBehindByADeadProcess_IsTakenOver()
    {
        // What a SIGKILL leaves: the lock file (its OS lock died with the process) and the holder's line.
        using var scratch = new ScratchFolder();
        var folder = new RunFolder(scratch.FullName);
        scratch.Write(RunFolder.LockFileName, "");
        scratch.Write(RunFolder.LockFileName + ".holder", $"process {int.MaxValue} on {Environment.MachineName}, since 2020-01-01 00:00:00 UTC");
        using (folder.Lock())
        {
            Assert.That(File.ReadAllText(Path.Combine(scratch.FullName, RunFolder.LockFileName + ".holder")), Does.StartWith($"process {Environment.ProcessId} "));
        }
        Assert.That(Directory.EnumerateFileSystemEntries(scratch.FullName), Is.Empty);
    }

    [Test]
    public void WriteConfig_LeavesOutWhatTheRunDoesNotUse_AndNullsOfOlderVersionsAreKnown()
    {
        using var scratch = new ScratchFolder();
        var folder = new RunFolder(scratch.FullName);
        folder.WriteConfig(new RunConfig { Train = ["x.csv"], LrFactor = null, Test = null, MaxEpochs = 5 });
        var text = File.ReadAllText(folder.ConfigPath);
        Assert.That(text, Does.Not.Contain("null"));
        Assert.That(text, Does.Not.Contain("lr_factor").And.Not.Contain("\"test\""));
        Assert.That(folder.ReadConfig().MaxEpochs, Is.EqualTo(5));
        Assert.That(RunFolder.ConfigKeysRecordedAsNullWhenUnused, Is.SupersetOf(new[]
        {
            "validation", "validation_fraction", "test", "lr_factor", "lr_patience", "lr_floor", "warmup_epochs", "final_lr",
            "time_limit_seconds", "splits", "source",
        }));
        Assert.That(RunFolder.ConfigKeysRecordedAsNullWhenUnused, Has.No.Member("max_epochs").And.No.Member("architecture").And.No.Member("train").And.No.Member("learning_rate"));
    }

    [Test]
    public void CreateNew_WhereNoFolderCanBeMade_IsAnOutputDirectoryError()
    {
        using var scratch = new ScratchFolder();
        var file = Path.Combine(scratch.FullName, "file");
        File.WriteAllText(file, "");
        // A folder under a file cannot be created (as one under /sys or /proc cannot).
        var error = Assert.Throws<OptionException>(() => RunFolder.CreateNew(Path.Combine(file, "run")))!;
        Assert.That(error.Option, Is.EqualTo(nameof(TrainRunOptions.OutputDirectory)));
        Assert.That(error.Problem, Does.StartWith("cannot be created"));
    }
}
