using CrossPropertyILGPU.Transfer.Reproduce;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Reproduce;

public sealed class SharedSplitTests
{
    private ScratchFolder _scratch = null!;
    private TargetDataset _set = null!;

    [SetUp]
    public void WriteSet()
    {
        _scratch = new ScratchFolder();
        Directory.CreateDirectory(Path.Combine(_scratch.FullName, "data", "tiny"));
        // Line 5 (header = 1) cannot be featurised: no method may train or validate on it.
        var rows = Enumerable.Range(0, 40).Select(i => i == 3 ? $"{i},2-Feb,1.0" : $"{i},Fe{i + 1}O{i % 3 + 1},{i * 0.1:F1}");
        _scratch.Write(Path.Combine("data", "tiny", "tiny_training_set.csv"), ",pretty_comp,target\n" + string.Join("\n", rows) + "\n");
        _scratch.Write(Path.Combine("data", "tiny", "tiny_test_set.csv"), ",pretty_comp,target\n0,NaCl,1.0\n1,MgO,2.0\n");
        _set = TargetDataset.Find(Path.Combine(_scratch.FullName, "data"), "tiny")!;
    }

    [TearDown]
    public void DeleteScratch() => _scratch.Dispose();

    private string Results => Path.Combine(_scratch.FullName, "results", "tiny");

    [Test]
    public void LoadOrCreate_CarvesTenPercentOfTheUsableRows_AndReadsTheSameSplitBack()
    {
        var split = SharedSplit.LoadOrCreate(_set, Results, 11, 0.1, TextWriter.Null);
        Assert.That((split.UsableRows, split.ValidationLines.Length, split.TrainRows, split.TestRows), Is.EqualTo((39, 4, 35, 2)));
        Assert.That(split.UnusableLines, Is.EqualTo(new[] { 5 }).AsCollection);
        Assert.That(split.ValidationLines, Is.Ordered.And.Unique.And.All.InRange(2, 41).And.No.EqualTo(5));

        var again = SharedSplit.LoadOrCreate(_set, Results, 11, 0.1, TextWriter.Null);
        Assert.That(again.ValidationLines, Is.EqualTo(split.ValidationLines).AsCollection);
        Assert.That(SharedSplit.ExistingSeed(Results), Is.EqualTo(11));
        var other = SharedSplit.LoadOrCreate(_set, Path.Combine(_scratch.FullName, "other"), 12, 0.1, TextWriter.Null);
        Assert.That(other.ValidationLines, Is.Not.EqualTo(split.ValidationLines).AsCollection, "another seed draws other rows");
    }

    [Test]
    public void LoadOrCreate_AnotherSeed_OrAChangedFile_IsRefused()
    {
        SharedSplit.LoadOrCreate(_set, Results, 11, 0.1, TextWriter.Null);
        Assert.That(Assert.Catch<UsageException>(() => SharedSplit.LoadOrCreate(_set, Results, 12, 0.1, TextWriter.Null))!.Message, Does.Contain("seed 11"));
        File.AppendAllText(_set.TrainPath, "40,CuO,4.0\n");
        Assert.That(Assert.Catch<UsageException>(() => SharedSplit.LoadOrCreate(_set, Results, 11, 0.1, TextWriter.Null))!.Message, Does.Contain("SHA-256"));
    }

    [Test]
    public void Select_SplitsAnyFeaturesRows_ByLine_CountingRowsTheyLack()
    {
        var split = SharedSplit.LoadOrCreate(_set, Results, 11, 0.1, TextWriter.Null);
        var data = DataLoading.Load(_set.TrainPath, null, null, requireTargets: true, TextWriter.Null);
        var (train, validation, dropped) = split.Select(data);
        Assert.That((train.Length, validation.Length, dropped), Is.EqualTo((35, 4, 0)));
        Assert.That(validation.Select(i => data.Records[i].Line), Is.EqualTo(split.ValidationLines).AsCollection);

        // Features that cannot represent two rows (one of each split) leave them out and say so.
        var lacking = DataLoading.Subset(data, [.. Enumerable.Range(0, data.Count).Where(i => data.Records[i].Line != split.ValidationLines[0] && i != train[0])]);
        (train, validation, dropped) = split.Select(lacking);
        Assert.That((train.Length, validation.Length, dropped), Is.EqualTo((34, 3, 2)));
    }
}
