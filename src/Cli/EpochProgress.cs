using System.Globalization;
using System.Text;
using CrossPropertyILGPU.Network.Training;
using Spectre.Console;

namespace CrossPropertyILGPU.Cli;

/// <summary>
/// Training progress on stderr: a Spectre.Console progress bar (epoch, train and validation MAE,
/// elapsed and remaining time) when stderr is an interactive terminal, otherwise — redirected,
/// <c>--quiet</c>, or an in-process caller's writer — one plain line per epoch (<see cref="EpochLine"/>).
/// The bar counts towards --max-epochs, so its remaining time is an upper bound: early stopping
/// usually ends a run sooner.
/// </summary>
internal static class EpochProgress
{
    /// <summary>Runs <paramref name="train"/> with the progress display that suits <paramref name="error"/>.</summary>
    public static T Run<T>(TextWriter error, bool quiet, int maxEpochs, Func<TextWriter, IProgress<EpochMetrics>, T> train)
    {
        var interactive = !quiet && ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
        if (!interactive)
        {
            return train(error, new EpochLine(error));
        }
        // Interactive as decided above (stderr is a terminal), whatever stdin and stdout are:
        // Spectre's own guess looks at those too and would then draw nothing at all.
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            Interactive = InteractionSupport.Yes,
            Ansi = AnsiSupport.Detect,
        });
        return RunLive(console, maxEpochs, train);
    }

    /// <summary>The live display on <paramref name="console"/>; log lines are printed above the bar.</summary>
    public static T RunLive<T>(IAnsiConsole console, int maxEpochs, Func<TextWriter, IProgress<EpochMetrics>, T> train)
    {
        ArgumentNullException.ThrowIfNull(train);
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("epoch 0", maxValue: Math.Max(1, maxEpochs));
                using var log = new ConsoleLineWriter(console);
                var result = train(log, new TaskProgress(task, maxEpochs));
                task.StopTask();
                return result;
            });
    }

    private sealed class TaskProgress(ProgressTask task, int maxEpochs) : IProgress<EpochMetrics>
    {
        public void Report(EpochMetrics value)
        {
            task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"epoch {value.Epoch}/{maxEpochs}  train {value.TrainLoss:G5}  val MAE {value.ValidationMae:G5}{(value.Improved ? " *" : "")}"));
            task.Value = value.Epoch;
        }
    }

    /// <summary>A writer whose whole lines go to the console above the live display.</summary>
    internal sealed class ConsoleLineWriter(IAnsiConsole console) : TextWriter
    {
        private readonly StringBuilder _line = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            if (value == '\n')
            {
                console.WriteLine(_line.ToString().TrimEnd('\r'));
                _line.Clear();
            }
            else
            {
                _line.Append(value);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && _line.Length > 0)
            {
                console.WriteLine(_line.ToString());
                _line.Clear();
            }
            base.Dispose(disposing);
        }
    }
}
