using System.CommandLine;
using System.Globalization;
using CrossPropertyILGPU.Transfer;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Cli.Verbs;

/// <summary><c>extract</c>: hidden-layer activations of a saved model as feature CSVs.</summary>
internal static class ExtractVerb
{
    public static Command Create()
    {
        var source = new Option<string>("--source") { Description = "Model: run folder, model.json or model.safetensors.", Required = true };
        var input = new Option<string[]>("--input")
        {
            Description = "CSV(s) of formulas (targets carried over when present); several files give one feature file covering all their rows.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var layer = new Option<string>("--layer") { Description = "Hidden dense layer, 1-based (1 … 16 for ElemNet), or 'all'.", Required = true };
        var output = new Option<string>("--output") { Description = "A .csv file for one layer, or a folder (layer_KK_WIDTH.csv per layer).", Required = true };
        var (device, formulaColumn) = (CommonOptions.Device(), CommonOptions.FormulaColumn());
        var command = new Command("extract", "Write the activations of hidden layer K (or all) of a saved model for every formula of a file, as feature CSVs.");
        foreach (var option in new Option[] { source, input, layer, output, device, formulaColumn })
        {
            command.Options.Add(option);
        }
        command.SetAction(parse => CliApp.Guard(parse, () =>
        {
            using var model = MaterialsModel.Load(parse.GetValue(source)!, CommonOptions.ParseDevice(parse.GetValue(device)!));
            var hidden = model.Network.DenseLayers.Count - 1;
            var text = parse.GetValue(layer)!;
            IReadOnlyList<int> layers = text.Equals("all", StringComparison.OrdinalIgnoreCase)
                ? [.. Enumerable.Range(1, hidden)]
                : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var k)
                    ? [k]
                    : throw new UsageException($"--layer {text}: give a layer number 1 to {hidden}, or 'all'.");
            var stderr = parse.InvocationConfiguration.Error;
            foreach (var path in FeatureExtraction.Run(model, parse.GetValue(input)!, layers, parse.GetValue(output)!, parse.GetValue(formulaColumn), stderr))
            {
                parse.InvocationConfiguration.Output.WriteLine(path);
            }
            return CliApp.Success;
        }));
        return command;
    }
}
