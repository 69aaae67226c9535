using System.Diagnostics;
using CrossPropertyILGPU.Transfer.Reproduce;
using CrossPropertyILGPU.Transfer.Tests.Support;

namespace CrossPropertyILGPU.Transfer.Tests.Reproduce;

public sealed class GridClaimTests : ScratchTests
{
    private string ResultPath => Path.Combine(Scratch.FullName, "results", "slme", "tl-finetune.json");

    [Test]
    public void TryTake_HoldsTheMethodUntilDisposed()
    {
        var log = new StringWriter();
        using (var claim = GridClaim.TryTake(ResultPath, log, out var holder))
        {
            Assert.That(claim, Is.Not.Null);
            Assert.That(holder, Is.Null);
            Assert.That(File.Exists(Path.ChangeExtension(ResultPath, ".claim")));

            // This process is alive: a second grid (here, in the same process) leaves the method to it.
            Assert.That(GridClaim.TryTake(ResultPath, log, out var other), Is.Null);
            Assert.That(other, Does.Contain($"process {Environment.ProcessId} on {Environment.MachineName}"));
        }
        Assert.That(File.Exists(GridClaim.PathFor(ResultPath)), Is.False, "disposing deletes the claim");
        using var again = GridClaim.TryTake(ResultPath, log, out _);
        Assert.That(again, Is.Not.Null);
    }

    [Test]
    public void TryTake_ClaimOfAnotherLiveProcess_IsLeftToIt_EvenWithItsStartTimeSeenMicrosecondsApart()
    {
        using var other = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            // The holder wrote its own view of its start time; ours differs by the boot-time estimate.
            var start = other.StartTime.ToUniversalTime().Ticks + 37;
            Directory.CreateDirectory(Path.GetDirectoryName(ResultPath)!);
            File.WriteAllText(GridClaim.PathFor(ResultPath), $"{Environment.MachineName} {other.Id} {start}\n");

            Assert.That(GridClaim.TryTake(ResultPath, TextWriter.Null, out var holder), Is.Null);
            Assert.That(holder, Does.Contain($"process {other.Id} on {Environment.MachineName}"));
        }
        finally
        {
            other.Kill();
            other.WaitForExit();
        }
    }

    [Test]
    public void TryTake_ClaimOfAProcessThatIsGone_IsTakenOver()
    {
        using var exited = Process.Start(new ProcessStartInfo("sleep", "0.2") { UseShellExecute = false })!;
        var start = exited.StartTime.ToUniversalTime().Ticks;
        exited.WaitForExit();
        Directory.CreateDirectory(Path.GetDirectoryName(ResultPath)!);
        File.WriteAllText(GridClaim.PathFor(ResultPath), $"{Environment.MachineName} {exited.Id} {start}\n");

        var log = new StringWriter();
        using var claim = GridClaim.TryTake(ResultPath, log, out _);
        Assert.That(claim, Is.Not.Null);
        Assert.That(log.ToString(), Does.Contain($"process {exited.Id} on {Environment.MachineName}").And.Contain("taking it over"));
        Assert.That(File.ReadAllText(GridClaim.PathFor(ResultPath)), Does.StartWith($"{Environment.MachineName} {Environment.ProcessId} "));
    }

    [Test]
    public void TryTake_ClaimWithThisProcessIdButAnotherStartTime_IsAReusedIdAndTakenOver()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ResultPath)!);
        File.WriteAllText(GridClaim.PathFor(ResultPath), $"{Environment.MachineName} {Environment.ProcessId} 1234\n");
        using var claim = GridClaim.TryTake(ResultPath, TextWriter.Null, out _);
        Assert.That(claim, Is.Not.Null);
    }

    [Test]
    public void TryTake_ClaimFromAnotherMachine_IsLeftAlone()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ResultPath)!);
        File.WriteAllText(GridClaim.PathFor(ResultPath), "some-other-host 1 638000000000000000\n");
        Assert.That(GridClaim.TryTake(ResultPath, TextWriter.Null, out var holder), Is.Null);
        Assert.That(holder, Does.Contain("process 1 on some-other-host"));
        Assert.That(File.ReadAllText(GridClaim.PathFor(ResultPath)), Does.StartWith("some-other-host 1 "), "left as it was");
    }
}
