using System.Globalization;
using CrossPropertyILGPU.Transfer.Reproduce;
using Spectre.Console;

namespace CrossPropertyILGPU.Cli;

/// <summary>
/// Progress of the <c>reproduce</c> grid on stderr: a Spectre.Console bar over the (data set, method)
/// pairs — done/total, the pair now running, elapsed time — when stderr is an interactive terminal,
/// otherwise one plain line per finished pair (<see cref="GridLine"/>), after the grid's own log lines.
/// </summary>
internal static class GridProgress
{
    /// <summary>Runs <paramref name="grid"/> with the progress display that suits <paramref name="error"/>.</summary>
    public static T Run<T>(TextWriter error, Func<TextWriter, IProgress<GridStep>, T> grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (!ReferenceEquals(error, Console.Error) || Console.IsErrorRedirected)
        {
            return grid(error, new GridLine(error));
        }
        // Interactive because stderr is a terminal, whatever stdin and stdout are (see EpochProgress).
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            Interactive = InteractionSupport.Yes,
            Ansi = AnsiSupport.Detect,
        });
        return RunLive(console, grid);
    }

    /// <summary>The live display on <paramref name="console"/>; the grid's log lines are printed above the bar.</summary>
    public static T RunLive<T>(IAnsiConsole console, Func<TextWriter, IProgress<GridStep>, T> grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                // The total is known once the grid has resolved its data sets: the first step sets it.
                var task = context.AddTask("grid", maxValue: 1);
                using var log = new EpochProgress.ConsoleLineWriter(console);
                var result = grid(log, new TaskProgress(task));
                task.StopTask();
                return result;
            });
    }

    private sealed class TaskProgress(ProgressTask task) : IProgress<GridStep>
    {
        public void Report(GridStep value)
        {
            task.MaxValue = Math.Max(1, value.Total);
            task.Value = value.Done;
            var now = value.Outcome is null ? "running" : Outcome(value.Outcome.Value);
            task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{value.Done}/{value.Total}  {value.Dataset} {value.Method.Name()}: {now}"));
        }
    }

    /// <summary>How a finished pair is named in the plain line and the results table.</summary>
    public static string Outcome(GridOutcome outcome) => outcome switch
    {
        GridOutcome.Ran => "ran",
        GridOutcome.Skipped => "done",
        GridOutcome.Busy => "busy",
        GridOutcome.NotComputable => "n/a",
        _ => "failed",
    };
}

/// <summary>One plain line on stderr per finished (data set, method).</summary>
internal sealed class GridLine(TextWriter error) : IProgress<GridStep>
{
    public void Report(GridStep value)
    {
        if (value.Outcome is { } outcome)
        {
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"grid {value.Done}/{value.Total}: {value.Dataset} {value.Method.Name()} {GridProgress.Outcome(outcome)}"));
        }
    }
}
