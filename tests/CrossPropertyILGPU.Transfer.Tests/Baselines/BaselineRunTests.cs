using CrossPropertyILGPU.Transfer.Baselines;
using CrossPropertyILGPU.Transfer.Tests.Support;

namespace CrossPropertyILGPU.Transfer.Tests.Baselines;

/// <summary>A baseline run from files: splits, metrics, predictions files, refused inputs.</summary>
public sealed class BaselineRunTests : ScratchTests
{
    private static readonly string Train = TestFiles.Jarvis("sample", "sample_train_set.csv");
    private static readonly string Validation = TestFiles.Jarvis("sample", "sample_validation_set.csv");
    private static readonly string Test = TestFiles.Jarvis("sample", "sample_test_set.csv");

    private static BaselineRunOptions Options(string? output = null) => new()
    {
        TrainPath = Train,
        ValidationPath = Validation,
        TestPath = Test,
        Model = BaselineModel.Mean,
        OutputDirectory = output,
    };

    [Test]
    public void Run_AllSplitsWithOut_MetricsAndPredictionsPerSplit()
    {
        var output = Path.Combine(Scratch.FullName, "out");

        var summary = BaselineRun.Run(Options(output), TextWriter.Null);

        Assert.That(summary.Metrics.Select(m => m.Split), Is.EqualTo(new[] { "train", "validation", "test" }).AsCollection);
        Assert.That(summary.Metrics.Select(m => m.Count), Is.EqualTo(new[] { 451, 50, 56 }).AsCollection);
        // The mean model is the mean predictor: its MAE is the reference column's, split by split.
        Assert.That(summary.Metrics.Select(m => m.Mae), Is.EqualTo(summary.Metrics.Select(m => m.MeanPredictorMae)).AsCollection.Within(1e-6));
        Assert.That(summary.OutputDirectory, Is.EqualTo(output));
        foreach (var (split, rows) in new[] { ("train", 451), ("validation", 50), ("test", 56) })
        {
            var lines = File.ReadAllLines(Path.Combine(output, $"predictions_{split}.csv"));
            Assert.That(lines, Has.Length.EqualTo(rows + 1), split);
            Assert.That(lines[0], Does.StartWith("formula,").And.EndWith(",prediction"), split);
        }
    }

    [Test]
    public void Run_PhysicalAttributes_ForestOnThe145ColumnsBeatsTheMean()
    {
        var summary = BaselineRun.Run(Options() with { Features = "pa", Model = BaselineModel.RandomForest }, TextWriter.Null);

        Assert.That(summary.Metrics.Select(m => m.Count), Is.EqualTo(new[] { 451, 50, 56 }).AsCollection, "the same rows as ef");
        var test = summary.Metrics.Single(m => m.Split == "test");
        Assert.That(test.Mae, Is.LessThan(test.MeanPredictorMae));
    }

    [Test]
    public void Run_TrainOnlyWithoutOut_OneSplitAndNoFiles()
    {
        var summary = BaselineRun.Run(Options() with { ValidationPath = null, TestPath = null }, TextWriter.Null);

        Assert.That(summary.Metrics.Select(m => m.Split), Is.EqualTo(new[] { "train" }).AsCollection);
        Assert.That(summary.OutputDirectory, Is.Null);
        Assert.That(Directory.EnumerateFileSystemEntries(Scratch.FullName), Is.Empty);
    }

    [TestCase("pb", "no such file")]
    [TestCase("layer5.csv", "no such file")]
    public void Run_UnavailableFeatures_ThrowsUsageExceptionSayingSo(string features, string message)
    {
        var output = Path.Combine(Scratch.FullName, "never");

        Assert.That(() => BaselineRun.Run(Options(output) with { Features = features }, TextWriter.Null),
            Throws.InstanceOf<UsageException>().With.Message.Contains(message));
        Assert.That(Directory.Exists(output), Is.False);
    }

    [Test]
    public void Run_NonEmptyOutputFolder_RefusedAndLeftAlone()
    {
        var existing = Scratch.Write("keep.txt", "mine");

        Assert.That(() => BaselineRun.Run(Options(Scratch.FullName), TextWriter.Null),
            Throws.InstanceOf<UsageException>().With.Message.Contains("not empty"));
        Assert.That(Directory.EnumerateFileSystemEntries(Scratch.FullName), Is.EqualTo(new[] { existing }).AsCollection);
    }
}
