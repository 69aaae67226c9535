using System.Buffers.Binary;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer.Reports;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Reports;

/// <summary>The learning curve: one validation split, nested training subsets, scratch and transfer at each.</summary>
public sealed class LearningCurveTests : ScratchTests
{
    private static readonly string DataFolder = TestFiles.Jarvis("exfoliation_energy");

    private string SmallSource() => TrainingRun.Run(new TrainRunOptions
    {
        TrainPaths = [Path.Combine(DataFolder, "exfoliation_energy_training_set.csv")],
        Architecture = "16x1D-1",
        MaxEpochs = 2,
        Device = DeviceKind.Cpu,
        OutputDirectory = Path.Combine(Scratch.FullName, "source"),
    }, TextWriter.Null).OutputDirectory;

    [Test]
    public void WritePlot_ReplacesAnExistingPlotByRename()
    {
        var path = Path.Combine(Scratch.FullName, "learning_curve.png");
        LearningCurvePoint[] points = [new(0.5, 100, 0.3, 0.2), new(1, 200, 0.2, 0.1)];
        ReplacedByRename.Check(path, () => LearningCurve.WritePlot(points, "test set", path));
    }

    [Test]
    public void Run_NestedSubsetsShareTheValidationSplitAndTheCurveIsWritten()
    {
        var folder = Path.Combine(Scratch.FullName, "curve");

        var points = LearningCurve.Run(new LearningCurveOptions
        {
            SourceModel = SmallSource(),
            DataFolder = DataFolder,
            Fractions = [1.0, 0.5],
            MaxEpochs = 2,
            Device = DeviceKind.Cpu,
            OutputDirectory = folder,
        }, TextWriter.Null);

        // 501 usable training rows, 50 held out for validation: 451 to subsample.
        Assert.That(points.Select(p => (p.Fraction, p.TrainRows)), Is.EqualTo(new[] { (0.5, 226), (1.0, 451) }).AsCollection);
        var lines = File.ReadAllLines(Path.Combine(folder, "learning_curve.csv"));
        Assert.That(lines[0], Is.EqualTo("fraction,train_rows,scratch_test_mae,transfer_test_mae"));
        Assert.That(lines, Has.Length.EqualTo(3));
        var half = RunFolder.ReadSplits(Path.Combine(folder, "scratch-0.5", "splits.json"));
        var full = RunFolder.ReadSplits(Path.Combine(folder, "scratch-1", "splits.json"));
        var transfer = RunFolder.ReadSplits(Path.Combine(folder, "transfer-0.5", "splits.json"));
        Assert.That(half.Validation.Lines, Is.EqualTo(full.Validation.Lines).AsCollection);
        Assert.That(half.Train.Lines, Is.SubsetOf(full.Train.Lines));
        Assert.That(transfer.Train.Lines, Is.EqualTo(half.Train.Lines).AsCollection, "scratch and transfer train on the same rows");
        var png = File.ReadAllBytes(Path.Combine(folder, "learning_curve.png"));
        Assert.That(png.AsSpan(1, 3).ToArray(), Is.EqualTo("PNG"u8.ToArray()).AsCollection);
        Assert.That((BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20))),
            Is.EqualTo((LearningCurve.PlotWidth, LearningCurve.PlotHeight)));
    }

    [TestCase(0.0)]
    [TestCase(1.5)]
    public void Run_FractionOutsideZeroToOne_IsAUsageError(double fraction) =>
        Assert.Catch<UsageException>(() => LearningCurve.Run(new LearningCurveOptions
        {
            DataFolder = DataFolder,
            Fractions = [fraction],
            OutputDirectory = Path.Combine(Scratch.FullName, "never"),
        }, TextWriter.Null));
}
