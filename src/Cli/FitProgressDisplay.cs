using System.Globalization;
using CrossPropertyILGPU.Transfer.Fit;
using Spectre.Console;

namespace CrossPropertyILGPU.Cli;

/// <summary>
/// Progress of <c>fit</c> on stderr: a Spectre.Console bar over the candidates (finished of planned,
/// the one running and its fold or epoch, elapsed time) when stderr is an interactive terminal,
/// otherwise one plain line per step and per finished candidate (<see cref="FitLine"/>), among the
/// fit's own log lines.
/// </summary>
internal static class FitProgressDisplay
{
    /// <summary>Runs <paramref name="fit"/> with the display that suits <paramref name="error"/>.</summary>
    public static T Run<T>(TextWriter error, Func<TextWriter, IProgress<FitProgress>, T> fit)
    {
        ArgumentNullException.ThrowIfNull(fit);
        if (!ReferenceEquals(error, Console.Error) || Console.IsErrorRedirected)
        {
            return fit(error, new FitLine(error));
        }
        // Interactive because stderr is a terminal, whatever stdin and stdout are (see EpochProgress).
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            Interactive = InteractionSupport.Yes,
            Ansi = AnsiSupport.Detect,
        });
        return RunLive(console, fit);
    }

    /// <summary>The live display on <paramref name="console"/>; the fit's log lines are printed above the bar.</summary>
    public static T RunLive<T>(IAnsiConsole console, Func<TextWriter, IProgress<FitProgress>, T> fit)
    {
        ArgumentNullException.ThrowIfNull(fit);
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("fit", maxValue: 1);
                using var log = new EpochProgress.ConsoleLineWriter(console);
                var result = fit(log, new TaskProgress(task));
                task.Value = task.MaxValue;
                task.StopTask();
                return result;
            });
    }

    private sealed class TaskProgress(ProgressTask task) : IProgress<FitProgress>
    {
        public void Report(FitProgress value)
        {
            task.MaxValue = Math.Max(1, value.Total);
            task.Value = value.Done;
            task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{value.Done}/{value.Total}  {value.Candidate}: {value.Text}"));
        }
    }
}

/// <summary>Plain lines on stderr: each step and each finished candidate, never each epoch.</summary>
internal sealed class FitLine(TextWriter error) : IProgress<FitProgress>
{
    public void Report(FitProgress value)
    {
        if (value.Kind == FitProgressKind.Stage)
        {
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fit {value.Done + (value.Done < value.Total ? 1 : 0)}/{value.Total} [{value.Elapsed.TotalSeconds,6:F0} s] {value.Candidate}: {value.Text}"));
        }
    }
}
