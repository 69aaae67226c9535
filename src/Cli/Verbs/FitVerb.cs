using System.CommandLine;
using System.Globalization;
using CrossPropertyILGPU.Transfer;
using CrossPropertyILGPU.Transfer.Fit;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Cli.Verbs;

/// <summary><c>fit</c>: from a CSV of formulas and values to the best blend of candidate models, in one folder.</summary>
internal static class FitVerb
{
    public static Command Create()
    {
        var train = new Option<string>("--train") { Description = "Training CSV (a formula column and a target column).", Required = true };
        var test = new Option<string?>("--test") { Description = "Test CSV, scored once at the end by the saved model; it never takes part in a choice. Default: none." };
        var budget = new Option<string>("--budget") { Description = "quick (≤ 10 min on 2 cores for 5,000 rows), standard (≤ 1 h: every candidate, longer training) or thorough.", DefaultValueFactory = _ => "quick" };
        var timeLimit = new Option<double?>("--time-limit") { Description = "Wall-time limit of the whole fit in seconds; the candidates of least expected value are cut first, and the report says which. Default: none (the budget's own times)." };
        var sources = new Option<string?>("--sources") { Description = $"Source models for transfer and extracted features, comma-separated run folders or model.json files; 'none' for no transfer. Default: {FitOptions.DefaultSource} when it exists." };
        var candidates = new Option<string?>("--candidates") { Description = $"Only these candidates, comma-separated: {string.Join(", ", FitCandidates.KindNames)}. Default: all the budget runs." };
        var output = new Option<string?>("--out") { Description = "Fit folder to create (must not exist or be empty). Default: runs/fit-<UTC time>." };
        var (device, seed, formulaColumn, target) = (CommonOptions.Device(), CommonOptions.Seed(), CommonOptions.FormulaColumn(), new Option<string?>("--target") { Description = "Target column (default: the last column)." });
        seed.Description = "Seed of all randomness: folds, initialisation, shuffling, the forest's sampling.";
        var command = new Command("fit", "Fit the best model for a CSV of formulas and values: transfer, boosted trees, forests and networks cross-validated by composition, blended, saved in one folder with a report.");
        foreach (var option in new Option[] { train, test, budget, timeLimit, sources, candidates, device, seed, output, formulaColumn, target })
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellation) => Task.FromResult(CliApp.Guard(parse, () =>
        {
            var options = new FitOptions
            {
                TrainPath = parse.GetValue(train)!,
                TestPath = parse.GetValue(test),
                FormulaColumn = parse.GetValue(formulaColumn),
                TargetColumn = parse.GetValue(target),
                Budget = FitBudgets.Parse(parse.GetValue(budget)!),
                TimeLimit = parse.GetValue(timeLimit) is { } seconds ? Seconds(seconds) : null,
                Sources = parse.GetValue(sources) is { } list ? List(list, "none") : null,
                Candidates = parse.GetValue(candidates) is { } names ? List(names, null) : null,
                Device = CommonOptions.ParseDevice(parse.GetValue(device)!),
                Seed = parse.GetValue(seed),
                OutputDirectory = parse.GetValue(output) ?? RunFolder.DefaultPath("fit"),
            };
            var error = parse.InvocationConfiguration.Error;
            var summary = FitProgressDisplay.Run(error, (log, progress) => FitRun.Run(options, log, progress, cancellation));
            Report.Fit(parse.InvocationConfiguration.Output, summary);
            return CliApp.Success;
        })));
        return command;
    }

    private static TimeSpan Seconds(double seconds) =>
        double.IsFinite(seconds) && seconds > 0 && seconds < TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new OptionException(nameof(FitOptions.TimeLimit), seconds.ToString(CultureInfo.InvariantCulture), "must be a positive number of seconds.");

    // A comma list; the single word `none` (when allowed) is the empty list.
    private static string[] List(string text, string? none) =>
        none is not null && string.Equals(text.Trim(), none, StringComparison.OrdinalIgnoreCase)
            ? []
            : [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
