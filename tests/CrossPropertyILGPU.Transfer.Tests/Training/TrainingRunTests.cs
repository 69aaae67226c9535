using System.Globalization;
using System.Text.Json;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer.Chemistry;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Training;

/// <summary>A small network trained for a few epochs on the managed CPU backend: the run folder's contract.</summary>
public sealed class TrainingRunTests : ScratchTests
{
    private static readonly string Train = TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv");
    private static readonly string Test = TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_test_set.csv");

    private TrainRunOptions Options(string name, int seed = 1234567) => new()
    {
        TrainPaths = [Train],
        TestPath = Test,
        Architecture = "32x2D-16x1-1",
        MaxEpochs = 4,
        Patience = 10,
        Device = DeviceKind.Cpu,
        Seed = seed,
        OutputDirectory = Path.Combine(Scratch.FullName, name),
    };

    [Test]
    public void Resume_AfterATargetWasEdited_RefusesNamingTheLineAndBothValues()
    {
        // A copy of the training file whose one target is changed between the start and the resume.
        var train = Path.Combine(Scratch.FullName, "train.csv");
        File.Copy(Train, train);
        var options = Options("edited") with { TrainPaths = [train], MaxEpochs = 1 };
        TrainingRun.Run(options, TextWriter.Null);
        var lines = File.ReadAllLines(train);
        var cells = lines[7].Split(',');
        cells[^1] = "12345.5";
        lines[7] = string.Join(',', cells);
        File.WriteAllLines(train, lines);

        var resumed = TrainRunOptions.FromRunFolder(options.OutputDirectory) with { MaxEpochs = 2 };
        var error = Assert.Catch<UsageException>(() => TrainingRun.Run(resumed, TextWriter.Null))!;
        Assert.That(error.Message, Does.Contain("line 8").And.Contain("12345.5").And.Contain("when the run started"));
        Assert.That(File.ReadAllLines(Path.Combine(options.OutputDirectory, "metrics.csv")), Has.Length.EqualTo(2), "nothing trained on the changed data");
    }

    [Test]
    public void Run_WritesTheWholeRunFolder()
    {
        var summary = TrainingRun.Run(Options("run"), TextWriter.Null);
        var folder = summary.OutputDirectory;
        foreach (var file in new[] { "config.json", "splits.json", "metrics.csv", "model.safetensors", "model.json", "predictions_train.csv", "predictions_validation.csv", "predictions_test.csv",
            "parity_train.png", "parity_validation.png", "parity_test.png", "loss.png" })
        {
            Assert.That(File.Exists(Path.Combine(folder, file)), Is.True, file);
        }
        Assert.That(File.ReadAllLines(Path.Combine(folder, "metrics.csv")), Has.Length.EqualTo(1 + summary.Training.Epochs));
        Assert.That(summary.Metrics.Select(m => (m.Split, m.Count)), Is.EqualTo(new[] { ("train", 451), ("validation", 50), ("test", 56) }).AsCollection);
        var manifest = ModelManifest.Load(Path.Combine(folder, "model.json"));
        Assert.That((manifest.Architecture, manifest.InputWidth, manifest.TargetName, manifest.FeatureKind.ToName()), Is.EqualTo(("32x2D-16x1-1", 86, "exfoliation_energy", "ef")));
        Assert.That(manifest.Elements, Has.Length.EqualTo(86));
        Assert.That(manifest.Training!.Epochs, Is.EqualTo(summary.Training.Epochs));
    }

    [Test]
    public void Splits_AreDisjointCoverTheTrainingFileAndFollowTheSeed()
    {
        var first = TrainingRun.Run(Options("a"), TextWriter.Null);
        var splits = ReadSplits(first.OutputDirectory);
        var train = splits.GetProperty("train").GetProperty("lines").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var validation = splits.GetProperty("validation").GetProperty("lines").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.That(train.Intersect(validation), Is.Empty);
        Assert.That(train.Concat(validation).Order(), Is.EqualTo(Enumerable.Range(2, 501)).AsCollection, "every data line once (header is line 1)");
        Assert.That(validation, Has.Length.EqualTo(50));

        var same = ReadSplits(TrainingRun.Run(Options("b"), TextWriter.Null).OutputDirectory);
        Assert.That(same.GetProperty("validation").GetProperty("lines").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(validation).AsCollection);
        var other = ReadSplits(TrainingRun.Run(Options("c", seed: 7), TextWriter.Null).OutputDirectory);
        Assert.That(other.GetProperty("validation").GetProperty("lines").EnumerateArray().Select(e => e.GetInt32()), Is.Not.EqualTo(validation).AsCollection);
    }

    [Test]
    public void LoadedModel_ReproducesTheRunsTestPredictionsExactly()
    {
        var summary = TrainingRun.Run(Options("run"), TextWriter.Null);
        var written = File.ReadAllLines(Path.Combine(summary.OutputDirectory, "predictions_test.csv")).Skip(1)
            .Select(line => float.Parse(line.Split(',')[^1], CultureInfo.InvariantCulture)).ToArray();

        using var model = MaterialsModel.Load(summary.OutputDirectory, DeviceKind.Cpu);
        var data = Featurizer.ElementalFractions(MaterialsCsv.Read(Test));
        Assert.That(model.Predict(data), Is.EqualTo(written).AsCollection);
        Assert.That(Evaluation.Evaluate(model, Test, null, null, TextWriter.Null).Mae, Is.EqualTo(summary.Metrics.Single(m => m.Split == "test").Mae).Within(1e-9));
        Assert.That(model.Predict(["Te2I"])[0], Is.EqualTo(written[0]), "the first test formula, by name");
    }

    /// <summary>
    /// A pa run standardises its inputs with the mean and std of its training split alone, stores
    /// them in model.json, and the reloaded model applies them to new rows: evaluate, predict by
    /// file and by formula all reproduce the run's own test predictions.
    /// </summary>
    [Test]
    public void Run_PhysicalAttributes_StoresTrainingSplitScalingThatTheLoadedModelApplies()
    {
        var summary = TrainingRun.Run(Options("pa") with { Features = "pa" }, TextWriter.Null);
        var folder = summary.OutputDirectory;
        var manifest = ModelManifest.Load(Path.Combine(folder, "model.json"));
        Assert.That((manifest.FeatureKind.ToName(), manifest.InputWidth, manifest.InputScaling), Is.EqualTo(("pa", 145, "standard")));
        Assert.That(manifest.FeatureNames, Is.EqualTo(PhysicalAttributes.Names).AsCollection);
        Assert.That(ReadConfig(folder).GetProperty("input_scaling").GetString(), Is.EqualTo("standard"));

        // The training split's rows, as splits.json lists them, and nothing else.
        var trainLines = ReadSplits(folder).GetProperty("train").GetProperty("lines").EnumerateArray().Select(e => e.GetInt32()).ToHashSet();
        var all = Featurizer.PhysicalAttributes(MaterialsCsv.Read(Train));
        var trainRows = Enumerable.Range(0, all.Count).Where(i => trainLines.Contains(all.Records[i].Line)).ToArray();
        Assert.That(trainRows, Has.Length.EqualTo(451));
        var expected = InputScaler.Fit(DataLoading.Subset(all, trainRows));
        Assert.That(manifest.InputOffsets, Is.EqualTo(expected.Offsets).AsCollection);
        Assert.That(manifest.InputScales, Is.EqualTo(expected.Scales).AsCollection);

        var written = File.ReadAllLines(Path.Combine(folder, "predictions_test.csv")).Skip(1)
            .Select(line => float.Parse(line.Split(',')[^1], CultureInfo.InvariantCulture)).ToArray();
        using var model = MaterialsModel.Load(folder, DeviceKind.Cpu);
        var test = DataLoading.Load(Test, null, null, requireTargets: true, TextWriter.Null, model.Features);
        Assert.That(model.Predict(test), Is.EqualTo(written).AsCollection);
        Assert.That(model.Predict(["Te2I"])[0], Is.EqualTo(written[0]), "the first test formula, by name");
        Assert.That(Evaluation.Evaluate(model, Test, null, null, TextWriter.Null).Mae, Is.EqualTo(summary.Metrics.Single(m => m.Split == "test").Mae).Within(1e-9));
        // Unscaled attributes are not what the model was trained on: they give other predictions.
        var raw = Featurizer.PhysicalAttributes(MaterialsCsv.Read(Test));
        Assert.That(model.Predict(raw), Is.Not.EqualTo(written).AsCollection);
    }

    [TestCase("pa", InputScaling.None, "none")]
    [TestCase("ef", InputScaling.Auto, "none")]
    [TestCase("ef", InputScaling.Standard, "standard")]
    public void Run_InputScalingOption_IsResolvedAndRecorded(string features, InputScaling scaling, string recorded)
    {
        var summary = TrainingRun.Run(Options("run") with { Features = features, InputScaling = scaling, MaxEpochs = 1 }, TextWriter.Null);
        var manifest = ModelManifest.Load(Path.Combine(summary.OutputDirectory, "model.json"));

        Assert.That(manifest.InputScaling, Is.EqualTo(recorded));
        Assert.That(manifest.InputOffsets, Has.Length.EqualTo(recorded == "standard" ? manifest.InputWidth : 0));
        Assert.That(ReadConfig(summary.OutputDirectory).GetProperty("input_scaling").GetString(), Is.EqualTo(recorded));
        if (recorded == "standard")
        {
            // Elemental fractions have columns no compound here contains: constant zeros, scale 1.
            Assert.That(manifest.InputScales, Has.All.GreaterThan(0));
            Assert.That(manifest.InputScales, Has.Some.EqualTo(1.0));
        }
    }

    [Test]
    public void Run_IntoANonEmptyFolder_RefusesAndChangesNothing()
    {
        var folder = Path.Combine(Scratch.FullName, "existing");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "keep me");
        var ex = Assert.Catch<UsageException>(() => TrainingRun.Run(Options("existing"), TextWriter.Null));
        Assert.That(ex!.Message, Does.Contain("not empty"));
        Assert.That(Directory.GetFiles(folder), Has.Length.EqualTo(1));
        Assert.That(File.ReadAllText(Path.Combine(folder, "notes.txt")), Is.EqualTo("keep me"));
    }

    [Test]
    public void Run_BadTrainingFile_FailsBeforeCreatingTheRunFolder()
    {
        var bad = Scratch.Write("bad.csv", "formula,target\nFe2O3,1.0\nNaCl,abc\n");
        var options = Options("never") with { TrainPaths = [bad] };
        var ex = Assert.Throws<DataFileException>(() => TrainingRun.Run(options, TextWriter.Null));
        Assert.That(ex!.Message, Does.Contain("line 3").And.Contain("abc"));
        Assert.That(Directory.Exists(options.OutputDirectory), Is.False);
    }

    [Test]
    public void Run_SkippedFormulas_AreReportedWithLineAndReason()
    {
        var rows = string.Join('\n', Enumerable.Range(0, 30).Select(i => $"Fe{i + 1}O,{i}"));
        var file = Scratch.Write("mixed.csv", $"formula,target\n{rows}\nHeO,1\nXx2,2\n");
        var log = new StringWriter();
        var summary = TrainingRun.Run(Options("mixed") with { TrainPaths = [file], TestPath = null, MaxEpochs = 1 }, log);
        Assert.That(log.ToString(), Does.Contain("skipped 2 of 32 rows").And.Contain("line 32: 'HeO'").And.Contain("line 33: 'Xx2'"));
        Assert.That(summary.Metrics.Sum(m => m.Count), Is.EqualTo(30));
    }

    [TestCase("64x2Q-1", "unknown flag")]
    [TestCase("64x2D-2", "2 outputs")]
    public void Run_BadArchitecture_IsAUsageError(string architecture, string message)
    {
        var ex = Assert.Catch<UsageException>(() => TrainingRun.Run(Options("x") with { Architecture = architecture }, TextWriter.Null));
        Assert.That(ex!.Message, Does.Contain(message));
    }

    private static JsonElement ReadConfig(string folder) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config.json"))).RootElement;

    private static JsonElement ReadSplits(string folder) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "splits.json"))).RootElement;
}
