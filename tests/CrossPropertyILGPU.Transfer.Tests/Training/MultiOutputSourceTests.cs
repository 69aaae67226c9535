using System.Globalization;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network.Checkpoints;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Training;

/// <summary>
/// A multi-output (multi-task) source model fine-tuned on one target: every layer but the output
/// layer comes from the source, the output layer is a fresh one-unit layer with standard target
/// scaling, with or without <c>--reinit-last</c>, and the run resumes bit for bit.
/// </summary>
public sealed class MultiOutputSourceTests
{
    private static readonly string Target = TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv");
    private ScratchFolder _scratch = null!;
    private string _source = null!;

    /// <summary>
    /// The first 300 exfoliation rows with two targets: <c>exfoliation</c> (the file's value) and
    /// <c>scaled</c> (value / 100 + 1; every fourth row unlabelled).
    /// </summary>
    internal static string WriteTwoTargetCsv(ScratchFolder scratch, string name)
    {
        var lines = File.ReadLines(Target).Skip(1).Take(300).Select(line => line.Split(',')).ToArray();
        using var writer = new StringWriter();
        writer.WriteLine("formula,exfoliation,scaled");
        for (var i = 0; i < lines.Length; i++)
        {
            var value = double.Parse(lines[i][2], CultureInfo.InvariantCulture);
            var scaled = i % 4 == 0 ? "" : (value / 100 + 1).ToString("R", CultureInfo.InvariantCulture);
            writer.WriteLine($"{lines[i][1]},{lines[i][2]},{scaled}");
        }
        return scratch.Write(name, writer.ToString());
    }

    [OneTimeSetUp]
    public void TrainTwoOutputSource()
    {
        _scratch = new ScratchFolder();
        _source = TrainingRun.Run(new TrainRunOptions
        {
            TrainPaths = [WriteTwoTargetCsv(_scratch, "two.csv")],
            TargetColumn = "exfoliation,scaled",
            Architecture = "24x2D-16x1-2",
            KeepProbabilities = [1f],
            MaxEpochs = 3,
            Device = DeviceKind.Cpu,
            CheckpointEvery = 0,
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

    [TestCase(false)]
    [TestCase(true)]
    public void TwoOutputSource_OneTarget_KeepsTheTrunk_UnderAFreshOneUnitOutputLayer(bool reinitializeLast)
    {
        // At rate 0 Adam moves nothing: the saved model is the starting point.
        var log = new StringWriter();
        var run = TrainingRun.Run(FineTune($"lr0-{reinitializeLast}") with { LearningRate = 0f, ReinitializeLast = reinitializeLast }, log);

        var tuned = Weights(run.OutputDirectory);
        var source = Weights(_source);
        foreach (var name in new[] { "dense.0.weight", "dense.0.bias", "dense.1.weight", "dense.1.bias", "dense.2.weight", "dense.2.bias" })
        {
            Assert.That(tuned[name], Is.EqualTo(source[name]).AsCollection, name);
        }
        Assert.That((tuned["dense.3.weight"].Length, source["dense.3.weight"].Length), Is.EqualTo((16, 32)), "one output instead of two");
        Assert.That(tuned["dense.3.bias"], Is.All.Zero, "a fresh output layer");
        Assert.That(tuned["dense.3.weight"], Is.Not.EqualTo(source["dense.3.weight"].Where((_, i) => i % 2 == 0)).AsCollection, "not the source's first output");

        var manifest = ModelManifest.Load(Path.Combine(run.OutputDirectory, "model.json"));
        Assert.That((manifest.Architecture, manifest.TransferMode, manifest.Targets), Is.EqualTo(("24x2D-16x1-1", "modfinetune", (ModelTarget[]?)null)));
        var targets = DataLoading.Load(Target, null, null, requireTargets: true, TextWriter.Null).Targets!;
        Assert.That(manifest.TargetScale, Is.GreaterThan(10), "standard scaling of this target (exfoliation energies in meV/atom), not the source's");
        Assert.That(manifest.TargetOffset, Is.EqualTo(targets.Average(t => (double)t)).Within(10));
        var config = run.Folder.ReadConfig();
        Assert.That((config.ReinitializeLast, config.TargetScaling, config.Architecture), Is.EqualTo((true, TargetScaling.Standard, "24x2D-16x1-1")), "config.json records what ran");
        Assert.That(log.ToString(), reinitializeLast ? Does.Not.Contain("has 2 outputs") : Does.Contain("has 2 outputs (exfoliation, scaled)"));
    }

    [Test]
    public void TwoOutputSource_Resumed_EndsBitIdenticalToAnUninterruptedRun()
    {
        var straight = TrainingRun.Run(FineTune("straight") with { MaxEpochs = 4 }, TextWriter.Null);
        TrainingRun.Run(FineTune("split"), TextWriter.Null);
        var resumed = TrainingRun.Run(TrainRunOptions.FromRunFolder(Path.Combine(_scratch.FullName, "split")) with { MaxEpochs = 4 }, TextWriter.Null);

        Assert.That(resumed.Training.Epochs, Is.EqualTo(4));
        Assert.That(File.ReadAllBytes(Path.Combine(resumed.OutputDirectory, "model.safetensors")),
            Is.EqualTo(File.ReadAllBytes(Path.Combine(straight.OutputDirectory, "model.safetensors"))).AsCollection);
        Assert.That(File.ReadAllLines(resumed.Folder.MetricsPath).Select(l => string.Join(",", l.Split(',')[..3])),
            Is.EqualTo(File.ReadAllLines(straight.Folder.MetricsPath).Select(l => string.Join(",", l.Split(',')[..3]))).AsCollection);
    }

    [Test]
    public void TwoOutputSource_SeveralTargets_IsRefusedNamingTheSource()
    {
        var error = Assert.Throws<OptionException>(() => TrainingRun.Run(
            FineTune("never") with { TrainPaths = [WriteTwoTargetCsv(_scratch, "two-targets.csv")], TargetColumn = "exfoliation,scaled" }, TextWriter.Null));
        Assert.That(error!.Option, Is.EqualTo(nameof(TrainRunOptions.SourceModel)));
        Assert.That(error.Problem, Does.Contain("2 targets trains from scratch"));
        Assert.That(Directory.Exists(Path.Combine(_scratch.FullName, "never")), Is.False);
    }

    [Test]
    public void TwoOutputSource_LoadsAndPredictsBothTargets()
    {
        using var model = MaterialsModel.Load(_source, DeviceKind.Cpu);
        Assert.That(model.Outputs, Is.EqualTo(2));
        Assert.That(model.Manifest.TargetList().Select(t => t.Name), Is.EqualTo(new[] { "exfoliation", "scaled" }).AsCollection);
        Assert.That(model.Predict(["AgCNO", "MoS2"]), Has.Length.EqualTo(4).And.All.Not.NaN);
    }

    private static Dictionary<string, float[]> Weights(string run) =>
        SafeTensors.Read(Path.Combine(run, "model.safetensors")).Tensors.ToDictionary(t => t.Name, t => t.Data);
}
