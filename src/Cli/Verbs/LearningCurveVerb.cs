using System.CommandLine;
using System.Globalization;
using CrossPropertyILGPU.Transfer;
using CrossPropertyILGPU.Transfer.Demo;
using CrossPropertyILGPU.Transfer.Reports;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Cli.Verbs;

/// <summary><c>learning-curve</c>: test MAE against training-set size, scratch against transfer.</summary>
internal static class LearningCurveVerb
{
    public static Command Create()
    {
        var source = new Option<string>("--source") { Description = "Source model fine-tuned for the transfer curve.", DefaultValueFactory = _ => DemoOptions.DefaultSource };
        var data = new Option<string>("--data") { Description = "Folder with <name>_training_set.csv and <name>_test_set.csv.", DefaultValueFactory = _ => DemoOptions.DefaultData };
        var fractions = new Option<string>("--fractions") { Description = "Comma-separated shares of the training rows, nested subsets.", DefaultValueFactory = _ => "0.1,0.25,0.5,1" };
        var maxEpochs = new Option<int>("--max-epochs") { Description = "Epoch limit per model.", DefaultValueFactory = _ => 200 };
        var patience = new Option<int>("--patience") { Description = "Early-stopping patience per model.", DefaultValueFactory = _ => 30 };
        var timeLimit = new Option<double?>("--time-limit") { Description = "Wall-time limit per model, seconds. Default: none." };
        var output = new Option<string?>("--out") { Description = "Folder for the curve and the run folders (default: runs/learning-curve-<timestamp>)." };
        var (device, seed) = (CommonOptions.Device(), CommonOptions.Seed());
        var command = new Command("learning-curve", "Test MAE against training-set size for ElemNet from scratch and the fine-tuned source model; writes learning_curve.csv and learning_curve.png.");
        foreach (var option in new Option[] { source, data, fractions, maxEpochs, patience, timeLimit, device, seed, output })
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellation) => Task.FromResult(CliApp.Guard(parse, () =>
        {
            var shares = parse.GetValue(fractions)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? f : throw new UsageException($"--fractions: '{t}' is not a number."))
                .ToArray();
            var folder = parse.GetValue(output) ?? RunFolder.DefaultPath("learning-curve");
            var points = LearningCurve.Run(new LearningCurveOptions
            {
                SourceModel = parse.GetValue(source)!,
                DataFolder = parse.GetValue(data)!,
                Fractions = shares,
                MaxEpochs = parse.GetValue(maxEpochs),
                Patience = parse.GetValue(patience),
                TimeLimitPerModel = parse.GetValue(timeLimit) is { } s ? TimeSpan.FromSeconds(s) : null,
                Device = CommonOptions.ParseDevice(parse.GetValue(device)!),
                Seed = parse.GetValue(seed),
                OutputDirectory = folder,
            }, parse.InvocationConfiguration.Error, cancellation);
            var stdout = parse.InvocationConfiguration.Output;
            var table = new ResultTable(new("fraction", 8), new("rows", 6), new("scratch MAE", 12), new("transfer MAE", 13));
            foreach (var p in points)
            {
                table.Add(Report.Cell(p.Fraction, "0.###"), Report.Cell(p.TrainRows), Report.Cell(p.ScratchTestMae, "G5"), Report.Cell(p.TransferTestMae, "G5"));
            }
            table.Write(stdout);
            stdout.WriteLine($"curve: {Path.Combine(folder, "learning_curve.csv")}, {Path.Combine(folder, "learning_curve.png")}");
            return cancellation.IsCancellationRequested ? CliApp.Interrupted : CliApp.Success;
        })));
        return command;
    }
}
