using CrossPropertyILGPU.Transfer.Fit;
using Spectre.Console.Testing;

namespace CrossPropertyILGPU.Cli.Tests;

/// <summary>The fit's progress: a Spectre.Console bar on a terminal, plain lines per step otherwise (never per epoch).</summary>
public sealed class FitProgressDisplayTests
{
    private static void TwoCandidates(IProgress<FitProgress> progress)
    {
        progress.Report(new FitProgress(0, 2, "gbm-pa", "fold 1/5: fitting", TimeSpan.FromSeconds(1), FitProgressKind.Stage));
        progress.Report(new FitProgress(1, 2, "gbm-pa", "ran in 3.0 s", TimeSpan.FromSeconds(3), FitProgressKind.Finished));
        progress.Report(new FitProgress(1, 2, "finetune", "fold 1/5: training", TimeSpan.FromSeconds(3), FitProgressKind.Stage));
        progress.Report(new FitProgress(1, 2, "finetune", "fold 1/5: epoch 7, validation MAE 0.1", TimeSpan.FromSeconds(9), FitProgressKind.Epoch));
        progress.Report(new FitProgress(2, 2, "finetune", "ran in 60.0 s", TimeSpan.FromSeconds(63), FitProgressKind.Finished));
    }

    [Test]
    public void RunLive_ShowsTheCandidateAndItsStepAndPrintsTheLogAboveTheBar()
    {
        var console = new TestConsole().Interactive().EmitAnsiSequences().Width(120);

        var result = FitProgressDisplay.RunLive(console, (log, progress) =>
        {
            log.WriteLine("validation: 5-fold cross-validation");
            TwoCandidates(progress);
            return 3;
        });

        Assert.That(result, Is.EqualTo(3));
        Assert.That(console.Output, Does.Contain("validation: 5-fold cross-validation").And.Contain("2/2  finetune: ran in 60.0 s"));
    }

    [Test]
    public void Run_NotATerminal_WritesOneLinePerStepAndNoneForEpochs()
    {
        using var error = new StringWriter();

        FitProgressDisplay.Run(error, (log, progress) =>
        {
            TwoCandidates(progress);
            return 0;
        });

        var lines = error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Is.EqualTo(new[] { "fit 1/2 [     1 s] gbm-pa: fold 1/5: fitting", "fit 2/2 [     3 s] finetune: fold 1/5: training" }));
    }
}
