using CrossPropertyILGPU.Transfer.Reproduce;
using Spectre.Console.Testing;

namespace CrossPropertyILGPU.Cli.Tests;

/// <summary>The reproduce grid's progress: a Spectre.Console bar on a terminal, a plain line per finished pair otherwise.</summary>
public sealed class GridProgressTests
{
    private static void TwoPairs(IProgress<GridStep> progress)
    {
        progress.Report(new GridStep(0, 2, "piezo_max_dij", ReproduceMethod.Base, null));
        progress.Report(new GridStep(1, 2, "piezo_max_dij", ReproduceMethod.Base, GridOutcome.Ran));
        progress.Report(new GridStep(1, 2, "piezo_max_dij", ReproduceMethod.ScratchMlElementalFractions, null));
        progress.Report(new GridStep(2, 2, "piezo_max_dij", ReproduceMethod.ScratchMlElementalFractions, GridOutcome.Failed));
    }

    [Test]
    public void RunLive_ShowsDoneOfTotalAndThePairAndPrintsTheLogAboveTheBar()
    {
        var console = new TestConsole().Interactive().EmitAnsiSequences().Width(120);

        var result = GridProgress.RunLive(console, (log, progress) =>
        {
            log.WriteLine("piezo_max_dij base (Base): running");
            TwoPairs(progress);
            return 7;
        });

        Assert.That(result, Is.EqualTo(7));
        Assert.That(console.Output, Does.Contain("piezo_max_dij base (Base): running"));
        Assert.That(console.Output, Does.Contain("2/2  piezo_max_dij sc-ml-ef: failed").And.Contain("100%"));
    }

    [Test]
    public void Run_NotATerminal_WritesOnePlainLinePerFinishedPair()
    {
        using var error = new StringWriter();

        GridProgress.Run(error, (log, progress) =>
        {
            TwoPairs(progress);
            return 0;
        });

        var lines = error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Is.EqualTo(new[] { "grid 1/2: piezo_max_dij base ran", "grid 2/2: piezo_max_dij sc-ml-ef failed" }));
    }

    [Test]
    public void Outcome_NamesEachOutcome_AnEnsembleNotComputableAsNotApplicable()
    {
        Assert.That(Enum.GetValues<GridOutcome>().Select(GridProgress.Outcome), Is.EqualTo(new[] { "done", "ran", "failed", "busy", "n/a" }).AsCollection);
    }
}
