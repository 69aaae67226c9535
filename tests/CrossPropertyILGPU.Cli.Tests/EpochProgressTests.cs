using CrossPropertyILGPU.Network.Training;
using Spectre.Console.Testing;

namespace CrossPropertyILGPU.Cli.Tests;

/// <summary>The training progress display: a Spectre.Console bar on a terminal, plain lines otherwise.</summary>
public sealed class EpochProgressTests
{
    private static EpochMetrics Epoch(int epoch) => new(epoch, 1.0 / epoch, 2.0 / epoch, epoch * 0.5, Improved: epoch != 2, LearningRate: 1e-4);

    [Test]
    public void RunLive_ShowsTheEpochAndMaesAndPrintsTheLogAboveTheBar()
    {
        var console = new TestConsole().Interactive().EmitAnsiSequences().Width(120);

        var result = EpochProgress.RunLive(console, 3, (log, progress) =>
        {
            log.WriteLine("device: cpu");
            for (var e = 1; e <= 3; e++)
            {
                progress.Report(Epoch(e));
            }
            return 42;
        });

        Assert.That(result, Is.EqualTo(42));
        Assert.That(console.Output, Does.Contain("device: cpu"));
        Assert.That(console.Output, Does.Contain("epoch 3/3").And.Contain("train 0.33333").And.Contain("val MAE 0.66667"));
    }

    [Test]
    public void Run_NotATerminal_WritesOnePlainLinePerEpoch()
    {
        using var error = new StringWriter();

        EpochProgress.Run(error, quiet: false, 3, (log, progress) =>
        {
            for (var e = 1; e <= 3; e++)
            {
                progress.Report(Epoch(e));
            }
            return 0;
        });

        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(3));
        Assert.That(lines[2], Does.StartWith("epoch     3"));
    }
}
