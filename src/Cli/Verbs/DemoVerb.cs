using System.CommandLine;
using CrossPropertyILGPU.Transfer.Demo;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Cli.Verbs;

/// <summary><c>demo</c>: the main job on shipped data — transfer vs scratch vs the mean predictor.</summary>
internal static class DemoVerb
{
    public static Command Create()
    {
        var source = new Option<string>("--source") { Description = "Source model.", DefaultValueFactory = _ => DemoOptions.DefaultSource };
        var data = new Option<string>("--data") { Description = "Folder with <name>_training_set.csv and <name>_test_set.csv.", DefaultValueFactory = _ => DemoOptions.DefaultData };
        var maxEpochs = new Option<int>("--max-epochs") { Description = "Epoch limit per model.", DefaultValueFactory = _ => 200 };
        var patience = new Option<int>("--patience") { Description = "Early-stopping patience per model.", DefaultValueFactory = _ => 30 };
        var timeLimit = new Option<double>("--time-limit") { Description = "Wall-time limit per model, seconds.", DefaultValueFactory = _ => 200 };
        var output = new Option<string?>("--out") { Description = "Folder for the run folders (default: runs/demo-<timestamp>)." };
        var (device, seed) = (CommonOptions.Device(), CommonOptions.Seed());
        var command = new Command("demo", "Fine-tune the shipped source model on a small shipped set, train the same net from scratch, and compare both with the mean predictor.");
        foreach (var option in new Option[] { source, data, maxEpochs, patience, timeLimit, device, seed, output })
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellation) => Task.FromResult(CliApp.Guard(parse, () =>
        {
            var rows = DemoRun.Run(new DemoOptions
            {
                SourceModel = parse.GetValue(source)!,
                DataFolder = parse.GetValue(data)!,
                MaxEpochs = parse.GetValue(maxEpochs),
                Patience = parse.GetValue(patience),
                TimeLimitPerModel = TimeSpan.FromSeconds(parse.GetValue(timeLimit)),
                Device = CommonOptions.ParseDevice(parse.GetValue(device)!),
                Seed = parse.GetValue(seed),
                OutputDirectory = parse.GetValue(output) ?? RunFolder.DefaultPath("demo"),
            }, parse.InvocationConfiguration.Error, cancellation);
            Report.Demo(parse.InvocationConfiguration.Output, rows);
            return cancellation.IsCancellationRequested ? CliApp.Interrupted : CliApp.Success;
        })));
        return command;
    }
}
