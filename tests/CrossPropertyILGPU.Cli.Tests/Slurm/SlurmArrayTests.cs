using System.Diagnostics;
using System.Text.Json.Nodes;
using CrossPropertyILGPU.Tests.Shared;

namespace CrossPropertyILGPU.Cli.Tests.Slurm;

/// <summary>
/// The grid on a real Slurm (README, section "Many machines"): scripts/slurm/submit.sh submits a
/// 3-task array of reproduce.sbatch and report.sbatch after it (afterok) to a single-node cluster
/// started here, and the result files must equal those of one process running the same grid.
/// Installs Debian's Slurm and munge when missing (apt-get, as root); skipped, saying why, where
/// that is impossible.
/// </summary>
[Category("Slurm")]
[NonParallelizable]
public sealed class SlurmArrayTests
{
    private static readonly string[] Sets = ["piezo_max_dij", "exfoliation_energy"];
    private static readonly string[] Methods = ["base", "sc-ml-ef"];

    [Test]
    public void Reproduce_AsASlurmArrayWithItsReportJob_WritesWhatOneProcessWrites()
    {
        var clock = Stopwatch.StartNew();
        var log = TestContext.Progress;
        if (SingleNodeSlurm.Install(log) is { } impossible)
        {
            Assert.Ignore(impossible);
        }
        var installed = clock.Elapsed;
        using var cluster = SingleNodeSlurm.Start(log);
        var started = clock.Elapsed;
        var scratch = Path.Combine(cluster.Folder, "grids");

        // The tiny grid: the mean stands in for the forests of SC:ML, so every pair takes well under a second.
        string[] Grid(string name) =>
        [
            "--data", RepositoryFiles.Jarvis(), "--datasets", string.Join(",", Sets), "--methods", string.Join(",", Methods), "--ml-models", "mean",
            "--results", Path.Combine(scratch, name, "results"), "--work", Path.Combine(scratch, name, "work"),
        ];
        var (code, _, error) = CliRunner.Run(["reproduce", .. Grid("one-process"), "--device", "cpu"]);
        Assert.That(code, Is.Zero, error);

        var report = Path.Combine(scratch, "results.md");
        var logs = Path.Combine(scratch, "logs");
        var cli = $"{Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet"} {Path.Combine(TestContext.CurrentContext.TestDirectory, "cpilgpu.dll")}";
        var submit = Path.Combine(RepositoryFiles.Root(), "scripts", "slurm", "submit.sh");
        string[] submitArguments = [submit, "--tasks", "3", "--wait", "--logs", logs, "--report-output", report, "--cpus-per-task=1", "--time=00:10:00", "--", .. Grid("array")];
        var (submitted, output) = SingleNodeSlurm.Run("bash", submitArguments, TimeSpan.FromMinutes(2),
            new Dictionary<string, string>(cluster.Environment) { ["CPILGPU"] = cli });
        var ran = clock.Elapsed;
        string Diagnostics() => $"{output}\n{string.Join("\n", Directory.Exists(logs) ? Directory.GetFiles(logs).Order(StringComparer.Ordinal).Select(f => $"--- {Path.GetFileName(f)}\n{File.ReadAllText(f)}") : [])}\n{cluster.Logs()}";
        Assert.That(submitted, Is.Zero, Diagnostics);

        // Three task logs, each running its share, and the report job's.
        var taskLogs = Directory.GetFiles(logs, "cpilgpu-grid-*_*.log").Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();
        Assert.That(taskLogs, Has.Count.EqualTo(3), Diagnostics);
        for (var index = 0; index < 3; index++)
        {
            Assert.That(taskLogs[index], Does.Contain($"task {index} of 3 (SLURM_ARRAY_TASK_ID):"), Diagnostics);
        }
        Assert.That(Directory.GetFiles(logs, "cpilgpu-report-*.log"), Has.Length.EqualTo(1), Diagnostics);
        Assert.That(File.ReadAllText(report), Does.Contain("`piezo_max_dij`").And.Contain("`exfoliation_energy`"), Diagnostics);

        // The array's results are the one process's, field for field, but for times, the machine and the folder's name.
        var arrayResults = Path.Combine(scratch, "array", "results");
        var oneResults = Path.Combine(scratch, "one-process", "results");
        Assert.That(Directory.GetFiles(arrayResults, "tasks-*.json").Select(File.ReadAllText).Single(), Does.Contain("\"task_count\": 3"));
        foreach (var set in Sets)
        {
            Assert.That(Directory.GetFiles(Path.Combine(arrayResults, set)).Select(Path.GetFileName).Order(StringComparer.Ordinal),
                Is.EqualTo(Directory.GetFiles(Path.Combine(oneResults, set)).Select(Path.GetFileName).Order(StringComparer.Ordinal)).AsCollection, set);
            foreach (var file in new[] { "splits.json" }.Concat(Methods.Select(m => m + ".json")))
            {
                Assert.That(Deterministic(Path.Combine(arrayResults, set, file), scratch, "array"),
                    Is.EqualTo(Deterministic(Path.Combine(oneResults, set, file), scratch, "one-process")), $"{set}/{file}");
            }
        }
        log.WriteLine($"Slurm test: install/check {installed.TotalSeconds:F1} s, daemons up {(started - installed).TotalSeconds:F1} s, "
            + $"one-process grid, array and report job {(ran - started).TotalSeconds:F1} s, {clock.Elapsed.TotalSeconds:F1} s in all");
    }

    // The result file as JSON without what two runs of the same pair may differ in: times, the
    // machine (hardware, device), and the grid's own folder in recorded paths.
    private static string Deterministic(string path, string scratch, string grid)
    {
        var json = JsonNode.Parse(File.ReadAllText(path).Replace(Path.Combine(scratch, grid), "GRID", StringComparison.Ordinal))!;
        Strip(json);
        var text = json.ToJsonString();
        Assert.That(text, Does.Contain("validation_lines").Or.Contain("predictions"), $"{path}: nothing left to compare");
        return text;
    }

    private static void Strip(JsonNode? node)
    {
        if (node is JsonObject obj)
        {
            foreach (var key in new[] { "seconds", "started", "finished", "hardware", "device" })
            {
                obj.Remove(key);
            }
            foreach (var (_, child) in obj)
            {
                Strip(child);
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var child in array)
            {
                Strip(child);
            }
        }
    }
}
