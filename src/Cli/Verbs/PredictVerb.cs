using System.CommandLine;
using System.Globalization;
using CrossPropertyILGPU.Transfer;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Cli.Verbs;

/// <summary><c>predict</c>: predictions of a saved model for a file of formulas.</summary>
internal static class PredictVerb
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Run folder, model.json or model.safetensors.", Required = true };
        var input = new Option<string>("--input") { Description = "CSV with a formula column (targets optional).", Required = true };
        var output = new Option<string?>("--output") { Description = "CSV to write (formula[,target],prediction); default: stdout." };
        var (device, formulaColumn) = (CommonOptions.Device(), CommonOptions.FormulaColumn());
        var command = new Command("predict", "Predict the target for every formula of a file with a saved model.");
        foreach (var option in new Option[] { model, input, output, device, formulaColumn })
        {
            command.Options.Add(option);
        }
        command.SetAction(parse => CliApp.Guard(parse, () =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            using var loaded = MaterialsModel.Load(parse.GetValue(model)!, CommonOptions.ParseDevice(parse.GetValue(device)!));
            if (parse.GetValue(output) is { } path)
            {
                var rows = CsvOutput.WriteAtomically(path, writer => Evaluation.Predict(loaded, parse.GetValue(input)!, parse.GetValue(formulaColumn), writer, stderr));
                stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {rows} predictions to {path}"));
            }
            else
            {
                Evaluation.Predict(loaded, parse.GetValue(input)!, parse.GetValue(formulaColumn), parse.InvocationConfiguration.Output, stderr);
            }
            return CliApp.Success;
        }));
        return command;
    }
}
