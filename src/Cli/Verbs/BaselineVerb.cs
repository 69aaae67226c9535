using System.CommandLine;
using System.Globalization;
using CrossPropertyILGPU.Transfer.Baselines;

namespace CrossPropertyILGPU.Cli.Verbs;

/// <summary><c>baseline</c>: a classical model (mean predictor, random forest, gradient boosting) on the same files as <c>train</c>.</summary>
internal static class BaselineVerb
{
    public static Command Create()
    {
        var train = new Option<string>("--train") { Description = "Training CSV (formula and target columns).", Required = true };
        var val = new Option<string?>("--val") { Description = "Validation CSV, evaluated only (the baselines select nothing on it)." };
        var test = new Option<string?>("--test") { Description = "Test CSV, evaluated once." };
        var features = new Option<string>("--features") { Description = "Input features: ef (elemental fractions), pa (145 physical attributes), or a feature CSV written by extract (rows looked up by formula).", DefaultValueFactory = _ => "ef" };
        var model = new Option<string>("--model") { Description = "mean (training mean), rf (random forest) or gbm (gradient-boosted trees).", DefaultValueFactory = _ => "rf" };
        var output = new Option<string?>("--out") { Description = "Folder to create for predictions_<split>.csv (default: write no files)." };
        var (seed, formulaColumn, target) = (CommonOptions.Seed(), CommonOptions.FormulaColumn(), CommonOptions.Target());
        // Only the forest draws anything at random here; say so rather than list training's sources.
        seed.Description = "Seed of the random forest's row sampling (mean and gbm are deterministic without it).";

        var command = new Command("baseline", "Fit a classical baseline (mean, random forest, gradient boosting) and print train/validation/test metrics.");
        foreach (var option in new Option[] { train, val, test, features, model, seed, output, formulaColumn, target })
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellation) => Task.FromResult(CliApp.Guard(parse, () =>
        {
            var options = new BaselineRunOptions
            {
                TrainPath = parse.GetValue(train)!,
                ValidationPath = parse.GetValue(val),
                TestPath = parse.GetValue(test),
                FormulaColumn = parse.GetValue(formulaColumn),
                TargetColumn = parse.GetValue(target),
                Features = parse.GetValue(features)!,
                Model = BaselineModels.Parse(parse.GetValue(model)!),
                Seed = parse.GetValue(seed),
                OutputDirectory = parse.GetValue(output),
            };
            var stdout = parse.InvocationConfiguration.Output;
            var summary = BaselineRun.Run(options, parse.InvocationConfiguration.Error, cancellation);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"baseline {BaselineModels.Name(summary.Model)}: {BaselineModels.Describe(summary.Model)}; fitted and predicted in {summary.FitTime.TotalSeconds:F1} s"));
            Report.Metrics(stdout, summary.Metrics);
            if (summary.OutputDirectory is { } folder)
            {
                stdout.WriteLine($"predictions: {folder}");
            }
            return CliApp.Success;
        })));
        return command;
    }
}
