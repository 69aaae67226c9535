using System.Text.Json.Nodes;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer.Baselines;
using CrossPropertyILGPU.Transfer.Reproduce;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Reproduce;

/// <summary>
/// The grid split across the tasks of an array (<see cref="ReproduceOptions.GridTask"/>): each task
/// runs its share and nothing else, the shares together give what one process gives, reruns keep
/// their pairs, and the ensembles wait for the run without a task. Two tiny sets, a tiny source
/// model, two-epoch networks.
/// </summary>
public sealed class GridTaskRunTests
{
    private static readonly string[] Sets = ["exfoliation_energy", "piezo_max_dij"];
    private static readonly ReproduceMethod[] Trained = [ReproduceMethod.Base, ReproduceMethod.ScratchMlElementalFractions, ReproduceMethod.FineTune, ReproduceMethod.ModFineTune];
    private ScratchFolder _scratch = null!;
    private string _source = null!;

    [OneTimeSetUp]
    public void CreateDataAndSource()
    {
        _scratch = new ScratchFolder();
        foreach (var set in Sets)
        {
            var folder = Path.Combine(_scratch.FullName, "data", set);
            Directory.CreateDirectory(folder);
            foreach (var (part, rows) in new[] { ("training", 60), ("test", 15) })
            {
                var name = $"{set}_{part}_set.csv";
                File.WriteAllLines(Path.Combine(folder, name), File.ReadLines(TestFiles.Jarvis(set, name)).Take(rows + 1));
            }
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

    private ReproduceOptions Options(string name, GridTask? task = null) => new()
    {
        DataRoot = Path.Combine(_scratch.FullName, "data"),
        Datasets = Sets,
        Methods = [.. Trained, ReproduceMethod.FineTuneEnsemble],
        ResultsDirectory = Path.Combine(_scratch.FullName, name, "results"),
        WorkDirectory = Path.Combine(_scratch.FullName, name, "work"),
        SourceModel = _source,
        ClassicalModels = [BaselineModel.Mean],
        Budget = new TrainingBudget(2, 5, null),
        Device = DeviceKind.Cpu,
        Seed = 5,
        GridTask = task,
    };

    private static IReadOnlyList<GridPair> ShareOf(GridTask task) => GridPartition.Share(GridPartition.Pairs(Sets, Trained), task);

    private static IEnumerable<GridPair> Pairs(IEnumerable<GridEntry> entries) => entries.Select(e => new GridPair(e.Dataset, e.Method));

    [Test]
    public void Tasks_RunTheirSharesOnly_AndTogetherWithTheCollectorGiveTheOneProcessResults()
    {
        var whole = Options("one-process");
        ReproduceRun.Run(whole, TextWriter.Null);

        var array = Options("array");
        // The tasks in any order, as a scheduler starts them.
        foreach (var index in new[] { 2, 0, 1 })
        {
            var task = GridTask.Of(index, 3);
            var log = new StringWriter();
            var entries = ReproduceRun.Run(array with { GridTask = task }, log);
            Assert.That(Pairs(entries), Is.EquivalentTo(ShareOf(task)), $"task {index}");
            Assert.That(entries.Select(e => e.Outcome), Is.All.EqualTo(GridOutcome.Ran), $"task {index}");
            Assert.That(log.ToString(), Does.Contain($"task {index} of 3: {ShareOf(task).Count} of the grid's 8 (data set, method) pairs")
                .And.Contain("tl-ensemble: left to the run without a task index after the array"));
        }
        foreach (var set in Sets)
        {
            Assert.That(File.Exists(ReproduceRun.ResultPath(array.ResultsDirectory, set, ReproduceMethod.FineTuneEnsemble)), Is.False, "no task derives an ensemble");
        }

        // The collector: every trained pair is done; it derives the ensembles.
        var collected = ReproduceRun.Run(array, TextWriter.Null);
        Assert.That(collected.Where(e => e.Method != ReproduceMethod.FineTuneEnsemble).Select(e => e.Outcome), Is.All.EqualTo(GridOutcome.Skipped));
        Assert.That(collected.Where(e => e.Method == ReproduceMethod.FineTuneEnsemble).Select(e => e.Outcome), Is.EqualTo(new[] { GridOutcome.Ran, GridOutcome.Ran }));

        foreach (var set in Sets)
        {
            Assert.That(File.ReadAllText(Path.Combine(array.ResultsDirectory, set, SharedSplit.FileName)),
                Is.EqualTo(File.ReadAllText(Path.Combine(whole.ResultsDirectory, set, SharedSplit.FileName)).Replace(whole.ResultsDirectory, array.ResultsDirectory, StringComparison.Ordinal)), set);
            foreach (var method in whole.Methods)
            {
                Assert.That(Deterministic(ReproduceRun.ResultPath(array.ResultsDirectory, set, method), array),
                    Is.EqualTo(Deterministic(ReproduceRun.ResultPath(whole.ResultsDirectory, set, method), whole)), $"{set} {method.Name()}");
            }
        }
    }

    [Test]
    public void Tasks_RunAgain_KeepTheirPairs_AndRunOnlyWhatIsMissing()
    {
        var options = Options("rerun");
        var first = GridTask.Of(0, 2);
        var second = GridTask.Of(1, 2);
        ReproduceRun.Run(options with { GridTask = first }, TextWriter.Null);

        // Task 1 after task 0 finished: the same pairs as on an empty folder.
        var entries = ReproduceRun.Run(options with { GridTask = second }, TextWriter.Null);
        Assert.That(Pairs(entries), Is.EquivalentTo(ShareOf(second)));
        Assert.That(entries.Select(e => e.Outcome), Is.All.EqualTo(GridOutcome.Ran));

        // One of task 1's results lost: task 0 again runs nothing, task 1 again runs that pair only.
        var lost = ShareOf(second)[0];
        File.Delete(ReproduceRun.ResultPath(options.ResultsDirectory, lost.Dataset, lost.Method));
        entries = ReproduceRun.Run(options with { GridTask = first }, TextWriter.Null);
        Assert.That(Pairs(entries), Is.EquivalentTo(ShareOf(first)));
        Assert.That(entries.Select(e => e.Outcome), Is.All.EqualTo(GridOutcome.Skipped));
        entries = ReproduceRun.Run(options with { GridTask = second }, TextWriter.Null);
        Assert.That(Pairs(entries), Is.EquivalentTo(ShareOf(second)));
        Assert.That(entries.Where(e => e.Outcome == GridOutcome.Ran).Select(e => new GridPair(e.Dataset, e.Method)), Is.EqualTo(new[] { lost }));
    }

    [Test]
    public void Task_WithAnotherCountThanTheFolderRecords_StopsBeforeRunningAnything()
    {
        var options = Options("count-changed");
        ReproduceRun.Run(options with { Methods = [ReproduceMethod.Base], GridTask = GridTask.Of(0, 2) }, TextWriter.Null);
        var before = Directory.GetFiles(options.ResultsDirectory, "*", SearchOption.AllDirectories);

        var error = Assert.Throws<OptionException>(() => ReproduceRun.Run(options with { Methods = [ReproduceMethod.Base], GridTask = GridTask.Of(0, 3) }, TextWriter.Null))!;
        Assert.That((error.Option, error.Value), Is.EqualTo(("TaskCount", "3")));
        Assert.That(error.Problem, Does.Contain("records 2 tasks for this grid"));
        Assert.That(Directory.GetFiles(options.ResultsDirectory, "*", SearchOption.AllDirectories), Is.EquivalentTo(before));

        // Another grid (other methods) in the same folder is split on its own.
        Assert.That(() => ReproduceRun.Run(options with { Methods = [ReproduceMethod.ScratchMlElementalFractions], GridTask = GridTask.Of(0, 3) }, TextWriter.Null), Throws.Nothing);
    }

    [Test]
    public void Task_OfAGridOfEnsemblesAlone_IsRefused()
    {
        var error = Assert.Throws<OptionException>(() => ReproduceRun.Run(Options("ensembles") with { Methods = [ReproduceMethod.FineTuneEnsemble], GridTask = GridTask.Of(0, 2) }, TextWriter.Null))!;
        Assert.That(error.Option, Is.EqualTo(nameof(ReproduceOptions.Methods)));
        Assert.That(error.Problem, Does.Contain("run without a task index"));
    }

    // A result file without what differs between two runs of the same pair: times, the machine, and
    // the results folder in recorded paths.
    private static string Deterministic(string path, ReproduceOptions options)
    {
        var json = JsonNode.Parse(File.ReadAllText(path).Replace(options.ResultsDirectory, "RESULTS", StringComparison.Ordinal)
            .Replace(options.WorkDirectory, "WORK", StringComparison.Ordinal))!;
        Strip(json);
        return json.ToJsonString();
    }

    private static void Strip(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in new[] { "seconds", "started", "finished", "hardware", "device" })
                {
                    obj.Remove(key);
                }
                foreach (var (_, child) in obj)
                {
                    Strip(child);
                }
                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Strip(child);
                }
                break;
        }
    }
}
