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
        var model = new Option<string>("--model") { Description = "Run folder, model.json or model.safetensors, or an ensemble folder (train --ensemble N: adds a std column).", Required = true };
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
            var deviceKind = CommonOptions.ParseDevice(parse.GetValue(device)!);
            // An ensemble folder predicts the members' mean with a std column.
            var members = Ensemble.IsEnsemble(parse.GetValue(model)!)
                ? Ensemble.Load(parse.GetValue(model)!, deviceKind)
                : [MaterialsModel.Load(parse.GetValue(model)!, deviceKind)];
            try
            {
                int Write(TextWriter writer) => members.Count > 1
                    ? Evaluation.PredictEnsemble(members, parse.GetValue(input)!, parse.GetValue(formulaColumn), writer, stderr)
                    : Evaluation.Predict(members[0], parse.GetValue(input)!, parse.GetValue(formulaColumn), writer, stderr);
                if (parse.GetValue(output) is { } path)
                {
                    var rows = CsvOutput.WriteAtomically(path, Write);
                    stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {rows} predictions to {path}"));
                }
                else
                {
                    Write(parse.InvocationConfiguration.Output);
                }
                return CliApp.Success;
            }
            finally
            {
                foreach (var member in members)
                {
                    member.Dispose();
                }
            }
        }));
        return command;
    }
}
