using System.CommandLine;
using System.Globalization;
using CrossPropertyILGPU.Transfer;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Fit;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Cli.Verbs;

/// <summary><c>predict</c>: predictions of a saved model for a file of formulas.</summary>
internal static class PredictVerb
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Run folder, model.json or model.safetensors, an ensemble folder (train --ensemble N) or a fit folder (fit); the last two add a std column.", Required = true };
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
            // A fit folder predicts its blend with a std column.
            if (FitModel.IsFitFolder(parse.GetValue(model)!))
            {
                var fit = FitModel.Load(parse.GetValue(model)!, deviceKind);
                return WritePredictions(parse, output, writer => fit.WritePredictions(parse.GetValue(input)!, parse.GetValue(formulaColumn), writer, stderr));
            }
            // An ensemble folder predicts the members' mean with a std column.
            var members = Ensemble.IsEnsemble(parse.GetValue(model)!)
                ? Ensemble.Load(parse.GetValue(model)!, deviceKind)
                : [MaterialsModel.Load(parse.GetValue(model)!, deviceKind)];
            try
            {
                return WritePredictions(parse, output, writer => members.Count > 1
                    ? Evaluation.PredictEnsemble(members, parse.GetValue(input)!, parse.GetValue(formulaColumn), writer, stderr)
                    : Evaluation.Predict(members[0], parse.GetValue(input)!, parse.GetValue(formulaColumn), writer, stderr));
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

    // To --output (atomically, with a line saying so) or to stdout.
    private static int WritePredictions(ParseResult parse, Option<string?> output, Func<TextWriter, int> write)
    {
        if (parse.GetValue(output) is { } path)
        {
            var rows = CsvOutput.WriteAtomically(path, write);
            parse.InvocationConfiguration.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {rows} predictions to {path}"));
        }
        else
        {
            write(parse.InvocationConfiguration.Output);
        }
        return CliApp.Success;
    }
}
