using System.CommandLine;
using CrossPropertyILGPU.Cli.Verbs;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer;
using CrossPropertyILGPU.Transfer.Chemistry;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Cli;

/// <summary>
/// The command line: verbs, options, exit codes. Results go to <c>Output</c> (stdout), progress and
/// diagnostics to <c>Error</c> (stderr). Exit codes: 0 success, 1 runtime failure, 2 invalid
/// arguments or data, 3 training diverged (NaN or ∞), 130 interrupted.
/// </summary>
public static class CliApp
{
    /// <summary>Exit code: success.</summary>
    public const int Success = 0;

    /// <summary>Exit code: the command ran and failed.</summary>
    public const int RuntimeFailure = 1;

    /// <summary>Exit code: invalid arguments, configuration or data.</summary>
    public const int InvalidInput = 2;

    /// <summary>
    /// Exit code: training stopped on NaN or ±∞ in the loss, gradient or weights; the run folder
    /// keeps the best model and the last sound checkpoint.
    /// </summary>
    public const int Diverged = 3;

    /// <summary>Exit code: interrupted (Ctrl+C); the run folder keeps what was complete.</summary>
    public const int Interrupted = 130;

    /// <summary>Builds the root command with every verb.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "CrossPropertyILGPU: ElemNet and cross-property transfer learning for small materials data, on a hand-written ILGPU engine.");
        root.Subcommands.Add(DevicesVerb.Create());
        root.Subcommands.Add(FeaturizeVerb.Create());
        root.Subcommands.Add(TrainVerb.Create(TrainDefaults.Train));
        root.Subcommands.Add(TrainVerb.Create(TrainDefaults.Pretrain));
        root.Subcommands.Add(TrainVerb.Create(TrainDefaults.Finetune));
        root.Subcommands.Add(ExtractVerb.Create());
        root.Subcommands.Add(BaselineVerb.Create());
        root.Subcommands.Add(DemoVerb.Create());
        root.Subcommands.Add(LearningCurveVerb.Create());
        root.Subcommands.Add(EvaluateVerb.Create());
        root.Subcommands.Add(PredictVerb.Create());
        root.Subcommands.Add(ReproduceVerb.Create());
        root.Subcommands.Add(ExportVerb.Create());
        root.Subcommands.Add(FitVerb.Create());
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>, writing to the given streams (the console by default).</summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var configuration = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
        };
        var parse = Build().Parse(args);
        if (parse.Errors.Count == 0)
        {
            // --config FILE: its options join the command line's, which win; parsed again so they
            // are checked and converted exactly as typed options are.
            try
            {
                var merged = ConfigFile.Merge(args, parse);
                if (merged != args)
                {
                    parse = Build().Parse(merged);
                }
            }
            catch (UsageException e)
            {
                configuration.Error.WriteLine($"error: {(e is OptionException option ? OptionFlags.Describe(option) : e.Message)}");
                return InvalidInput;
            }
        }
        if (parse.Errors.Count > 0)
        {
            ReportParseErrors(parse, args, configuration.Error);
            return InvalidInput;
        }
        return parse.Invoke(configuration);
    }

    private static void ReportParseErrors(ParseResult parse, string[] args, TextWriter error)
    {
        // No verb matched — none given, an option before any verb, or an unknown word: one line
        // naming what was typed and the verbs there are, not System.CommandLine's "Required command
        // was not provided." followed by each unrecognised word.
        if (parse.CommandResult.Command is RootCommand root)
        {
            var what = args.Length == 0 ? "no verb given"
                : args[0].StartsWith('-') ? $"no verb given before '{args[0]}'"
                : $"unknown verb '{args[0]}'";
            error.WriteLine($"error: {what}; verbs: {string.Join(", ", root.Subcommands.Select(c => c.Name))}. Run 'cpilgpu <verb> --help' for a verb's options.");
            return;
        }
        var config = parse.CommandResult.Command.Options.Any(o => o.Name == ConfigFile.OptionName)
            ? parse.GetValue<string?>(ConfigFile.OptionName)
            : null;
        foreach (var parseError in parse.Errors)
        {
            error.WriteLine(config is null ? parseError.Message : $"{parseError.Message} (options from the command line or --config {config})");
        }
        error.WriteLine("Run with --help to see the verbs and their options.");
    }

    /// <summary>
    /// Runs a verb body and maps failures to exit codes: the user's mistakes (bad option, data file,
    /// formula, model file, missing device) to 2 with one clear message, anything else to 1.
    /// </summary>
    internal static int Guard(ParseResult parse, Func<int> body)
    {
        var error = parse.InvocationConfiguration.Error;
        try
        {
            return body();
        }
        catch (OptionException e)
        {
            error.WriteLine($"error: {OptionFlags.Describe(e)}");
            return InvalidInput;
        }
        catch (Exception e) when (e is UsageException or DataFileException or DeviceUnavailableException or FormulaException)
        {
            error.WriteLine($"error: {e.Message}");
            return InvalidInput;
        }
        catch (TrainingDivergedException e)
        {
            var wayOn = e.RunFolder is { } folder
                ? $" Try a smaller --lr ('--resume {folder} --lr X' continues from the checkpoint)."
                : " Try a smaller --lr in a new run (no epoch was checkpointed, so there is nothing to resume).";
            error.WriteLine($"error: {e.Message}{wayOn}");
            return Diverged;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("interrupted");
            return Interrupted;
        }
        catch (IOException e)
        {
            error.WriteLine($"error: {e.Message}");
            return RuntimeFailure;
        }
    }
}
