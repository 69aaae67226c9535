using System.Globalization;
using System.Text.Json;

namespace CrossPropertyILGPU.Cli.Tests.Verbs;

/// <summary>
/// Runs that meet in one folder, as real processes: of two <c>train</c> started at once into one
/// <c>--out</c>, exactly one proceeds and the other exits 2 naming the folder and the holder; a
/// <c>--resume</c> of the folder meanwhile is refused the same way; and the lock a SIGKILL leaves
/// behind is stale — the next <c>--resume</c> takes it over.
/// </summary>
public sealed partial class TrainVerbTests
{
    [Test]
    public void TwoTrainsIntoOneFolderAtOnce_ExactlyOneProceeds_OthersExit2NamingTheHolder_AndAKilledRunsLockIsTakenOver()
    {
        // The case: a folder made beforehand (empty), two runs with different seeds into it.
        var shared = Path.Combine(_scratch, "shared");
        Directory.CreateDirectory(shared);
        string[] Args(int seed) =>
            ["train", "--train", Train, "--arch", "16x2D-8x1-1", "--max-epochs", "100000", "--patience", "100000", "--device", "cpu", "--quiet",
             "--seed", seed.ToString(CultureInfo.InvariantCulture), "--out", shared];
        using var first = ChildCli.Start(Args(11));
        using var second = ChildCli.Start(Args(22));

        // The loser stops at once; the winner would train 100,000 epochs, so it is still at work.
        var loser = ChildCli.FirstToExit([first, second], TimeSpan.FromMinutes(3));
        var winner = ReferenceEquals(loser, first) ? second : first;
        Assert.That(loser.ExitCode, Is.EqualTo(CliApp.InvalidInput), loser.Error);
        Assert.That(winner.HasExited, Is.False, "the winner goes on: " + winner.Error);
        AssertOneErrorLine(loser.Error, [$"--out {shared}: another run is using this folder (process {winner.Id} on {Environment.MachineName}, since "]);

        // Once the winner has checkpointed some epochs: a --resume (another process) and a new run
        // into the folder are refused the same way, naming the live holder rather than "not empty".
        WaitForEpochs(shared, 3, winner);
        using (var resume = ChildCli.Start("train", "--resume", shared))
        {
            Assert.That(resume.WaitForExit(TimeSpan.FromMinutes(2)), Is.EqualTo(CliApp.InvalidInput), resume.Error);
            AssertOneErrorLine(resume.Error, [$"--resume {shared}: another run is using this folder (process {winner.Id} "]);
        }
        var (code, _, error) = CliRunner.Run(Args(33));
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput), error);
        AssertOneErrorLine(error, [$"--out {shared}: another run is using this folder (process {winner.Id} "]);
        var winnerSeed = ReferenceEquals(winner, first) ? 11 : 22;
        Assert.That(JsonDocument.Parse(File.ReadAllText(Path.Combine(shared, "config.json"))).RootElement.GetProperty("seed").GetInt32(), Is.EqualTo(winnerSeed), "only the winner wrote");

        // SIGKILL: no handler runs, so the lock file and its holder line stay — stale, as the OS lock died with the process.
        winner.KillHard();
        Assert.That(File.ReadAllText(Path.Combine(shared, ".run.lock.holder")), Does.StartWith($"process {winner.Id} "));
        var epochs = EpochsLogged(Path.Combine(shared, "metrics.csv"));
        (code, _, error) = CliRunner.Run("train", "--resume", shared, "--max-epochs", (epochs + 1).ToString(CultureInfo.InvariantCulture));
        Assert.That(code, Is.Zero, error);
        Assert.That(error, Does.Contain("resuming"));
        Assert.That(Directory.GetFiles(shared, ".run.lock*"), Is.Empty, "released when the run ended");
        var lines = File.ReadAllLines(Path.Combine(shared, "metrics.csv"));
        Assert.That(lines.Skip(1).Select(l => l.Split(',')[0]), Is.EqualTo(Enumerable.Range(1, epochs + 1).Select(e => e.ToString(CultureInfo.InvariantCulture))).AsCollection,
            "each epoch once, whole lines only");
    }

    // Waits until the run in `folder` has a checkpoint and at least `epochs` lines in metrics.csv.
    private static void WaitForEpochs(string folder, int epochs, ChildCli run)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!(File.Exists(Path.Combine(folder, "checkpoint.safetensors")) && EpochsLogged(Path.Combine(folder, "metrics.csv")) >= epochs))
        {
            Assert.That(run.HasExited, Is.False, "the run ended: " + run.Error);
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromMinutes(2)), "no checkpoint appeared");
            Thread.Sleep(10);
        }
    }
}
