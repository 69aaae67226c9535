using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Reproduce;
using CrossPropertyILGPU.Transfer.Tests.Support;

namespace CrossPropertyILGPU.Transfer.Tests.Reproduce;

/// <summary>How a grid is dealt to the tasks of an array, and the results folder's record of their count.</summary>
public sealed class GridPartitionTests : ScratchTests
{
    // The committed grid's shape: 41 sets.
    private static readonly string[] FortyOneSets = [.. Enumerable.Range(0, 41).Select(k => $"set{k:D2}")];

    private static List<List<GridPair>> Shares(IReadOnlyList<GridPair> pairs, int count) =>
        [.. Enumerable.Range(0, count).Select(index => GridPartition.Share(pairs, GridTask.Of(index, count)).ToList())];

    [Test]
    public void Pairs_AreDealtMethodByMethod_SetsByName_WithoutTheEnsembles()
    {
        var pairs = GridPartition.Pairs(["piezo_max_dij", "exfoliation_energy"], ReproduceMethods.ParseList("sc-ensemble,sc-ml-ef,base"));
        Assert.That(pairs, Is.EqualTo(new[]
        {
            new GridPair("exfoliation_energy", ReproduceMethod.Base),
            new GridPair("piezo_max_dij", ReproduceMethod.Base),
            new GridPair("exfoliation_energy", ReproduceMethod.ScratchMlElementalFractions),
            new GridPair("piezo_max_dij", ReproduceMethod.ScratchMlElementalFractions),
        }).AsCollection);
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(8)]
    [TestCase(40)]
    [TestCase(369)]
    [TestCase(500)]
    public void Shares_CoverEveryPairExactlyOnce_AndDifferByOnePairAtMost(int count)
    {
        var pairs = GridPartition.Pairs(FortyOneSets, ReproduceMethods.All);
        Assert.That(pairs, Has.Count.EqualTo(41 * 9));
        var shares = Shares(pairs, count);

        Assert.That(shares.SelectMany(s => s), Is.EquivalentTo(pairs), "every pair in exactly one share");
        Assert.That(shares.Max(s => s.Count) - shares.Min(s => s.Count), Is.LessThanOrEqualTo(1));
    }

    [Test]
    public void Shares_GiveEveryTaskItsPartOfEveryMethod()
    {
        // Eight tasks over 41 sets: five or six of each method apiece, so no task gets all the networks.
        var shares = Shares(GridPartition.Pairs(FortyOneSets, ReproduceMethods.Paper), 8);
        foreach (var share in shares)
        {
            foreach (var method in ReproduceMethods.Paper)
            {
                Assert.That(share.Count(p => p.Method == method), Is.InRange(5, 6), method.Name());
            }
        }
    }

    [Test]
    public void Share_IsDeterministic_WhateverTheOrderTheSetsAndMethodsAreNamedIn()
    {
        var pairs = GridPartition.Pairs(FortyOneSets, ReproduceMethods.Paper);
        var again = GridPartition.Pairs(FortyOneSets, ReproduceMethods.Paper);
        var shuffled = GridPartition.Pairs(FortyOneSets.Reverse().Concat(FortyOneSets.Take(3)), ReproduceMethods.Paper.Reverse());
        for (var index = 0; index < 7; index++)
        {
            var task = GridTask.Of(index, 7);
            var share = GridPartition.Share(pairs, task);
            Assert.That(GridPartition.Share(again, task), Is.EqualTo(share).AsCollection);
            Assert.That(GridPartition.Share(shuffled, task), Is.EqualTo(share).AsCollection);
        }
        Assert.That(GridPartition.RecordFileName(shuffled), Is.EqualTo(GridPartition.RecordFileName(pairs)));
        Assert.That(GridPartition.RecordFileName(pairs), Does.Match("^tasks-[0-9a-f]{12}\\.json$"));
        Assert.That(GridPartition.RecordFileName(GridPartition.Pairs(FortyOneSets.Skip(1), ReproduceMethods.Paper)), Is.Not.EqualTo(GridPartition.RecordFileName(pairs)),
            "another grid, another record");
    }

    [Test]
    public void RecordTaskCount_FirstTaskRecords_LaterTasksWithTheSameCountPass_AnotherCountIsRefused()
    {
        var results = Path.Combine(Scratch.FullName, "results");
        var pairs = GridPartition.Pairs(["slme", "kaa"], ReproduceMethods.Paper);

        var path = GridPartition.RecordTaskCount(results, pairs, GridTask.Of(2, 3));
        Assert.That(path, Is.EqualTo(Path.Combine(results, GridPartition.RecordFileName(pairs))));
        Assert.That(File.ReadAllText(path), Does.Contain("\"format\": \"cpilgpu-reproduce-tasks/1\"").And.Contain("\"task_count\": 3").And.Contain("\"kaa\""));
        Assert.That(GridPartition.RecordTaskCount(results, pairs, GridTask.Of(0, 3)), Is.EqualTo(path));

        var slurm = GridTask.Resolve(null, null, name => name switch { "SLURM_ARRAY_TASK_ID" => "1", "SLURM_ARRAY_TASK_COUNT" => "4", _ => null })!;
        var error = Assert.Throws<OptionException>(() => GridPartition.RecordTaskCount(results, pairs, slurm))!;
        Assert.That((error.Option, error.Value), Is.EqualTo(("SLURM_ARRAY_TASK_COUNT", "4")));
        Assert.That(error.Problem, Does.StartWith($"{path} records 3 tasks for this grid (task 2 of 3 on {System.Environment.MachineName}, process ")
            .And.EndWith("Run 3 tasks, or delete that file once no task of the earlier split is running, to split the grid anew."));
        Assert.That(error.Message, Does.Not.Contain('\n'));

        // Another grid in the same folder keeps its own count.
        Assert.That(GridPartition.RecordTaskCount(results, GridPartition.Pairs(["slme"], ReproduceMethods.Paper), GridTask.Of(0, 4)), Is.Not.EqualTo(path));
        // Deleting the record splits the grid anew.
        File.Delete(path);
        Assert.That(GridPartition.RecordTaskCount(results, pairs, slurm), Is.EqualTo(path));
        Assert.That(File.ReadAllText(path), Does.Contain("\"task_count\": 4"));
    }

    [Test]
    public void RecordTaskCount_TasksStartingTogether_AgreeOnOneRecord()
    {
        var results = Path.Combine(Scratch.FullName, "results");
        var pairs = GridPartition.Pairs(FortyOneSets, ReproduceMethods.Paper);
        // Half of them with another count: exactly those of the losing count are refused.
        var refused = 0;
        Parallel.For(0, 32, k =>
        {
            try
            {
                GridPartition.RecordTaskCount(results, pairs, GridTask.Of(0, k % 2 == 0 ? 16 : 17));
            }
            catch (OptionException)
            {
                Interlocked.Increment(ref refused);
            }
        });
        Assert.That(refused, Is.EqualTo(16));
        Assert.That(Directory.GetFiles(results).Select(Path.GetFileName), Is.EqualTo(new[] { GridPartition.RecordFileName(pairs) }).AsCollection, "no temporary file left");
    }

    [Test]
    public void RecordTaskCount_NotARecord_IsADataFileError()
    {
        var results = Path.Combine(Scratch.FullName, "results");
        var pairs = GridPartition.Pairs(["slme"], ReproduceMethods.Paper);
        Directory.CreateDirectory(results);
        File.WriteAllText(Path.Combine(results, GridPartition.RecordFileName(pairs)), "{ \"format\": \"something/1\" }");
        Assert.That(() => GridPartition.RecordTaskCount(results, pairs, GridTask.Of(0, 2)), Throws.TypeOf<DataFileException>().With.Message.Contain("expected 'cpilgpu-reproduce-tasks/1'"));
    }
}
