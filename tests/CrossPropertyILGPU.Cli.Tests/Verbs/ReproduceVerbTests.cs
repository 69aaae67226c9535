using System.Diagnostics;
using System.Text.RegularExpressions;
namespace CrossPropertyILGPU.Cli.Tests.Verbs;

public sealed class ReproduceVerbTests
{
    private string _scratch = null!;

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("cpilgpu-reproduce-").FullName;

    [TearDown]
    public void DeleteScratch() => Directory.Delete(_scratch, recursive: true);

    private string[] Grid(params string[] extra) =>
        ["reproduce", "--data", CliRunner.Jarvis(), "--results", Path.Combine(_scratch, "results"), "--work", Path.Combine(_scratch, "work"), "--device", "cpu", .. extra];

    [Test]
    public void Reproduce_BaseAndScratchMl_WritesResults_ThenTheReport()
    {
        // The mean stands in for ML.NET's forests in SC:ML here: they cost seconds even on small sets.
        var (code, table, error) = CliRunner.Run(Grid("--datasets", "piezo_max_dij", "--methods", "base,SC:ML(EF)", "--ml-models", "mean"));
        Assert.That(code, Is.Zero, error);
        Assert.That(table, Does.Match(@"piezo_max_dij\s+base\s+ran").And.Match(@"piezo_max_dij\s+sc-ml-ef\s+ran"));
        Assert.That(error, Does.Contain("grid 2/2: piezo_max_dij sc-ml-ef ran"));
        Assert.That(Directory.GetFiles(Path.Combine(_scratch, "results", "piezo_max_dij")).Select(Path.GetFileName),
            Is.EquivalentTo(new[] { "splits.json", "base.json", "sc-ml-ef.json" }));

        // Again: nothing to do.
        (code, table, error) = CliRunner.Run(Grid("--datasets", "piezo_max_dij", "--methods", "base,sc-ml-ef"));
        Assert.That(code, Is.Zero, error);
        Assert.That(table, Does.Match(@"piezo_max_dij\s+base\s+done").And.Match(@"piezo_max_dij\s+sc-ml-ef\s+done"));

        var report = Path.Combine(_scratch, "docs", "results.md");
        var paper = Path.Combine(Path.GetDirectoryName(CliRunner.Jarvis())!, "paper");
        (code, var output, error) = CliRunner.Run("reproduce", "--report", "--results", Path.Combine(_scratch, "results"), "--paper", paper, "--output", report);
        Assert.That(code, Is.Zero, error);
        Assert.That(output.Trim(), Is.EqualTo(report));
        // The mean predictor's test MAE on PMDij is close to the paper's Base (46.47; docs/PAPER.md §3).
        Assert.That(File.ReadAllText(report), Does.Match(@"\| PMDij \| `piezo_max_dij` \| 689 \| 4\d\.\d\d \| \d+\.\d+ \(sc-ml-ef\) \| – \| partial \(1/8\) \| 46\.47 \|"));
    }

    [Test]
    public void Reproduce_EnsembleWithoutItsMembers_IsNotApplicable_AndTheGridSucceeds()
    {
        var (code, table, error) = CliRunner.Run(Grid("--datasets", "piezo_max_dij", "--methods", "base,TL:Ensemble"));
        Assert.That(code, Is.Zero, error);
        Assert.That(table, Does.Match(@"piezo_max_dij\s+base\s+ran").And.Match(@"piezo_max_dij\s+tl-ensemble\s+n/a"));
        Assert.That(error, Does.Contain("piezo_max_dij tl-ensemble: not computable: tl-finetune has no result yet").And.Contain("1 ensemble(s) not computable"));
        Assert.That(File.Exists(Path.Combine(_scratch, "results", "piezo_max_dij", "tl-ensemble.json")), Is.False);
    }

    /// <summary>
    /// Two real grid processes on the same arguments, started together: the claim files make them
    /// share the work, so every method runs in exactly one of them (the other reports it busy or done).
    /// </summary>
    [Test]
    public void Reproduce_TwoProcessesOnOneGrid_RunEachMethodOnce()
    {
        string[] arguments = [.. Grid("--datasets", "piezo_max_dij", "--methods", "sc-dl-ef,sc-dl-pa,base,sc-ml-ef", "--ml-models", "mean",
            "--arch", "16x2-1", "--max-epochs", "400", "--patience", "1000")];
        var cli = Path.Combine(TestContext.CurrentContext.TestDirectory, "cpilgpu.dll");
        var children = Enumerable.Range(0, 2).Select(_ =>
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["DOTNET_PROCESSOR_COUNT"] = "1";
            foreach (var argument in new[] { cli }.Concat(arguments))
            {
                start.ArgumentList.Add(argument);
            }
            return Process.Start(start)!;
        }).ToList();
        var outputs = children.Select(c => (Output: c.StandardOutput.ReadToEndAsync(), Error: c.StandardError.ReadToEndAsync())).ToList();
        foreach (var child in children)
        {
            Assert.That(child.WaitForExit(TimeSpan.FromMinutes(3)), Is.True, "a grid process hung");
        }
        var tables = outputs.Select(o => o.Output.Result).ToList();
        Assert.That(children.Select(c => c.ExitCode), Is.All.Zero, string.Join("\n", outputs.Select(o => o.Error.Result)));
        foreach (var method in new[] { "sc-dl-ef", "sc-dl-pa", "base", "sc-ml-ef" })
        {
            var ran = tables.Count(t => Regex.IsMatch(t, $@"piezo_max_dij\s+{method}\s+ran"));
            Assert.That(ran, Is.EqualTo(1), $"{method} ran in {ran} processes:\n{string.Join("\n", tables)}");
        }
        Assert.That(Directory.GetFiles(Path.Combine(_scratch, "results"), "*.claim", SearchOption.AllDirectories), Is.Empty);
        children.ForEach(c => c.Dispose());
    }

    [TestCase("--datasets", "exfoliation_energy,nope", "unknown data set 'nope'")]
    [TestCase("--datasets", "../jarvis", "unknown data set '../jarvis'")]
    [TestCase("--methods", "base,tl-fine", "unknown method 'tl-fine'")]
    [TestCase("--feature-layers", "first", "--feature-layers first")]
    [TestCase("--ml-models", "rf,svm", "--ml-models rf,svm")]
    [TestCase("--lr-schedule", "step", "--lr-schedule step: use constant, plateau or cosine.")]
    [TestCase("--lr-factor", "2", "--lr-factor 2: must lie strictly between 0 and 1.")]
    [TestCase("--methods", "tl-finetune-zoo", "--sources: tl-finetune-zoo choose their source among source models")]
    [TestCase("--sources", "no-such-model,other-model", "--sources no-such-model: no model there")]
    [TestCase("--sources", "some-model", "--sources some-model: give two or more source models")]
    [TestCase("--screen", "best", "--screen best: use successive-halving or fixed.")]
    public void Reproduce_BadChoice_ExitsWithCode2_NamingIt(string option, string value, string message)
    {
        var (code, _, error) = CliRunner.Run(Grid(option, value));
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain(message));
        Assert.That(Directory.Exists(Path.Combine(_scratch, "results")), Is.False);
    }

    [TestCase(new[] { "--task-index", "3", "--task-count", "3" }, "error: --task-index 3: must be below the task count 3: tasks are numbered 0 to 2.")]
    [TestCase(new[] { "--task-index", "-1", "--task-count", "3" }, "error: --task-index -1: must be 0 or more (tasks are numbered from 0).")]
    [TestCase(new[] { "--task-index", "0", "--task-count", "0" }, "error: --task-count 0: must be at least 1.")]
    [TestCase(new[] { "--task-index", "1" }, "error: --task-count: needed with the task index 1: the number of tasks the grid is split across.")]
    [TestCase(new[] { "--task-index", "0", "--task-count", "2", "--methods", "sc-ensemble,tl-ensemble" },
        "error: --methods sc-ensemble,tl-ensemble: only ensembles, which no task of an array derives (they average results other tasks write): derive them in a run without a task index.")]
    public void Reproduce_BadTask_ExitsWithCode2_InOneLineNamingTheFlag(string[] task, string message)
    {
        var (code, _, error) = CliRunner.Run(Grid(["--datasets", "piezo_max_dij", .. task]));
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error.Trim(), Is.EqualTo(message));
        Assert.That(Directory.Exists(Path.Combine(_scratch, "results", "piezo_max_dij")), Is.False, "nothing ran");
    }

    [Test]
    public void Reproduce_TaskWithAnotherCountThanTheGridsFirst_ExitsWithCode2_NamingTheRecord()
    {
        string[] grid = [.. Grid("--datasets", "piezo_max_dij,exfoliation_energy", "--methods", "base", "--task-count", "2")];
        var (code, table, error) = CliRunner.Run([.. grid, "--task-index", "1"]);
        Assert.That(code, Is.Zero, error);
        // Base on the second set by name: exfoliation_energy, then piezo_max_dij.
        Assert.That(table, Does.Match(@"piezo_max_dij\s+base\s+ran").And.Not.Contain("exfoliation_energy"));
        Assert.That(error, Does.Contain("task 1 of 2: 1 of the grid's 2 (data set, method) pairs"));

        (code, _, error) = CliRunner.Run([.. Grid("--datasets", "exfoliation_energy,piezo_max_dij", "--methods", "base", "--task-count", "3", "--task-index", "0")]);
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        var record = Directory.GetFiles(Path.Combine(_scratch, "results"), "tasks-*.json").Single();
        Assert.That(error.Trim(), Does.StartWith($"error: --task-count 3: {record} records 2 tasks for this grid (task 1 of 2 on ").And.Not.Contain('\n'));
        Assert.That(Directory.Exists(Path.Combine(_scratch, "results", "exfoliation_energy")), Is.False, "nothing ran");
    }

    /// <summary>The CLI as a Slurm array task or a Kubernetes pod: its share from the environment, and one line for a bad value.</summary>
    [Test]
    public void Reproduce_InASchedulersEnvironment_TakesItsShare_OrExitsWithCode2()
    {
        string[] grid = [.. Grid("--datasets", "piezo_max_dij,exfoliation_energy", "--methods", "base,sc-ml-ef", "--ml-models", "mean")];
        var (code, output, error) = RunProcess(grid, ("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "3"));
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput), output + error);
        Assert.That(error.Trim(), Is.EqualTo("error: SLURM_ARRAY_TASK_ID 3: must be below the task count 3 (SLURM_ARRAY_TASK_COUNT): tasks are numbered 0 to 2."));

        // Pod 1 of an Indexed Job of 3: the pair at position 1 of base × (exfoliation_energy, piezo_max_dij), sc-ml-ef × (…).
        (code, output, error) = RunProcess([.. grid, "--task-count", "3"], ("JOB_COMPLETION_INDEX", "1"));
        Assert.That(code, Is.Zero, error);
        Assert.That(error, Does.Contain("task 1 of 3 (JOB_COMPLETION_INDEX): 1 of the grid's 4 (data set, method) pairs"));
        Assert.That(output, Does.Match(@"piezo_max_dij\s+base\s+ran").And.Not.Contain("sc-ml-ef").And.Not.Contain("exfoliation_energy"));
    }

    private static (int Code, string Output, string Error) RunProcess(string[] arguments, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { Path.Combine(TestContext.CurrentContext.TestDirectory, "cpilgpu.dll") }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync();
        var error = child.StandardError.ReadToEndAsync();
        Assert.That(child.WaitForExit(TimeSpan.FromMinutes(1)), Is.True, "the CLI hung");
        return (child.ExitCode, output.Result, error.Result);
    }

    [Test]
    public void Report_WithoutResults_ExitsWithCode2()
    {
        var (code, _, error) = CliRunner.Run("reproduce", "--report", "--results", Path.Combine(_scratch, "nothing"), "--output", Path.Combine(_scratch, "r.md"));
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain("run 'reproduce' first"));
    }
}
