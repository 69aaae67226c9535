using System.Text.Json.Nodes;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network.Checkpoints;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Training;

/// <summary>FineTune, ModFineTune and frozen layers, from a small source model trained once per fixture.</summary>
public sealed class FineTuneTests
{
    private static readonly string SourceData = TestFiles.Jarvis("expt_deltae", "expt_deltae_training_set.csv");
    private static readonly string Target = TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv");
    private ScratchFolder _scratch = null!;
    private string _source = null!;

    [OneTimeSetUp]
    public void TrainSource()
    {
        _scratch = new ScratchFolder();
        _source = TrainingRun.Run(new TrainRunOptions
        {
            TrainPaths = [SourceData],
            Architecture = "24x2D-16x1-1",
            MaxEpochs = 3,
            Device = DeviceKind.Cpu,
            OutputDirectory = Path.Combine(_scratch.FullName, "source"),
        }, TextWriter.Null).OutputDirectory;
    }

    [OneTimeTearDown]
    public void DeleteScratch() => _scratch.Dispose();

    private TrainRunOptions FineTune(string name) => new()
    {
        TrainPaths = [Target],
        SourceModel = _source,
        MaxEpochs = 2,
        Device = DeviceKind.Cpu,
        OutputDirectory = Path.Combine(_scratch.FullName, name),
    };

    [Test]
    public void FineTune_StartsFromExactlyTheSourceWeights()
    {
        // With a learning rate of 0 Adam moves nothing, so the saved model is the starting point.
        var run = TrainingRun.Run(FineTune("lr0") with { LearningRate = 0f }, TextWriter.Null);
        Assert.That(Weights(run.OutputDirectory), Is.EqualTo(Weights(_source)).AsCollection);

        var manifest = ModelManifest.Load(Path.Combine(run.OutputDirectory, "model.json"));
        var sourceManifest = ModelManifest.Load(Path.Combine(_source, "model.json"));
        Assert.That((manifest.TransferMode, manifest.Architecture), Is.EqualTo(("finetune", sourceManifest.Architecture)));
        Assert.That((manifest.TargetOffset, manifest.TargetScale), Is.EqualTo((sourceManifest.TargetOffset, sourceManifest.TargetScale)),
            "FineTune keeps the source's output layer and so its target scaling");
        using var tuned = MaterialsModel.Load(run.OutputDirectory, DeviceKind.Cpu);
        using var original = MaterialsModel.Load(_source, DeviceKind.Cpu);
        Assert.That(tuned.Predict(["Fe2O3", "MgO", "Mg(SnN)2"]), Is.EqualTo(original.Predict(["Fe2O3", "MgO", "Mg(SnN)2"])).AsCollection);
    }

    [Test]
    public void ReinitLast_ChangesOnlyTheOutputLayerAtStepZero()
    {
        var run = TrainingRun.Run(FineTune("reinit") with { LearningRate = 0f, ReinitializeLast = true }, TextWriter.Null);
        var tuned = Weights(run.OutputDirectory);
        var source = Weights(_source);
        var last = tuned.Keys.Where(k => k.StartsWith("dense.", StringComparison.Ordinal)).Max(k => int.Parse(k.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (name, values) in tuned)
        {
            if (name == $"dense.{last}.weight")
            {
                Assert.That(values, Is.Not.EqualTo(source[name]).AsCollection, name);
            }
            else if (name == $"dense.{last}.bias")
            {
                Assert.That(values, Is.All.Zero, name);
            }
            else
            {
                Assert.That(values, Is.EqualTo(source[name]).AsCollection, name);
            }
        }
        Assert.That(ModelManifest.Load(Path.Combine(run.OutputDirectory, "model.json")).TransferMode, Is.EqualTo("modfinetune"));
    }

    [TestCase(false, "source")]
    [TestCase(true, "none")]
    public void TargetScalingNone_IsWhatTheRunRecords_SourceScalingWhenTheOutputLayerIsKept(bool reinitializeLast, string recorded)
    {
        // FineTune keeps the source's output layer and its scaling; config.json must say so rather
        // than echo an option that was not applied, and the log tells the user.
        var log = new StringWriter();
        var run = TrainingRun.Run(FineTune($"scaling-{recorded}") with { TargetScaling = TargetScaling.None, ReinitializeLast = reinitializeLast, MaxEpochs = 1 }, log);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(run.OutputDirectory, "config.json")))!;
        Assert.That((string?)config["target_scaling"], Is.EqualTo(recorded));
        Assert.That(log.ToString(), reinitializeLast ? Does.Not.Contain("target scaling: the source model's") : Does.Contain("target scaling: the source model's"));
    }

    [Test]
    public void Freeze_KeepsTheFirstLayersBitIdenticalWhileTheRestTrains()
    {
        var run = TrainingRun.Run(FineTune("freeze") with { FreezeDenseLayers = 2, LearningRate = 1e-3f }, TextWriter.Null);
        var tuned = Weights(run.OutputDirectory);
        var source = Weights(_source);
        foreach (var name in new[] { "dense.0.weight", "dense.0.bias", "dense.1.weight", "dense.1.bias" })
        {
            Assert.That(tuned[name], Is.EqualTo(source[name]).AsCollection, name);
        }
        Assert.That(tuned["dense.2.weight"], Is.Not.EqualTo(source["dense.2.weight"]).AsCollection);
        Assert.That(tuned["dense.3.weight"], Is.Not.EqualTo(source["dense.3.weight"]).AsCollection);
    }

    [Test]
    public void Source_WithOtherInputFeatures_IsAClearError()
    {
        var foreign = Path.Combine(_scratch.FullName, "foreign");
        Directory.CreateDirectory(foreign);
        File.Copy(Path.Combine(_source, "model.safetensors"), Path.Combine(foreign, "model.safetensors"));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(_source, "model.json")))!;
        json["feature_kind"] = "pa";
        json["input_width"] = 145;
        File.WriteAllText(Path.Combine(foreign, "model.json"), json.ToJsonString());

        var ex = Assert.Catch<UsageException>(() => TrainingRun.Run(FineTune("never") with { SourceModel = foreign }, TextWriter.Null));
        Assert.That(ex!.Message, Does.Contain("'pa' features").And.Contain("same input features"));
        Assert.Catch<UsageException>(() => TrainingRun.Run(FineTune("never2") with { Architecture = "8x1-1" }, TextWriter.Null));
        Assert.Catch<UsageException>(() => TrainingRun.Run(FineTune("never3") with { FreezeDenseLayers = 4 }, TextWriter.Null));
    }

    [Test]
    public void FineTune_PhysicalAttributeSource_KeepsItsInputScaling()
    {
        var source = TrainingRun.Run(FineTune("pa-source") with { SourceModel = null, Features = "pa", Architecture = "24x2D-16x1-1" }, TextWriter.Null).OutputDirectory;
        var sourceManifest = ModelManifest.Load(Path.Combine(source, "model.json"));

        // Fitted anew on these rows the scaling would differ; the source's first layer expects its own.
        var tuned = TrainingRun.Run(FineTune("pa-tuned") with { SourceModel = source, Features = "pa", TrainPaths = [SourceData] }, TextWriter.Null);
        var manifest = ModelManifest.Load(Path.Combine(tuned.OutputDirectory, "model.json"));
        Assert.That((manifest.InputScaling, manifest.FeatureKind.ToName()), Is.EqualTo(("standard", "pa")));
        Assert.That(manifest.InputOffsets, Is.EqualTo(sourceManifest.InputOffsets).AsCollection);
        Assert.That(manifest.InputScales, Is.EqualTo(sourceManifest.InputScales).AsCollection);

        var ex = Assert.Catch<UsageException>(() => TrainingRun.Run(
            FineTune("never") with { SourceModel = source, Features = "pa", InputScaling = InputScaling.None }, TextWriter.Null));
        Assert.That(ex!.Message, Does.Contain("'standard'").And.Contain("fine-tuning keeps"));
    }

    private static Dictionary<string, float[]> Weights(string run) =>
        SafeTensors.Read(Path.Combine(run, "model.safetensors")).Tensors.ToDictionary(t => t.Name, t => t.Data);
}
