using System.CommandLine;
using System.Globalization;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Cli.Verbs;

/// <summary><c>featurize</c>: the features of each formula of a file, as CSV.</summary>
internal static class FeaturizeVerb
{
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "CSV with a formula column (targets optional, carried over).", Required = true };
        var features = new Option<string>("--features") { Description = "ef (ElemNet's 86 elemental fractions) or pa (the 145 physical attributes, matminer's names).", DefaultValueFactory = _ => "ef" };
        var output = new Option<string?>("--output") { Description = "CSV to write; default: stdout." };
        var (formulaColumn, target) = (CommonOptions.FormulaColumn(), CommonOptions.Target());
        var command = new Command("featurize", "Write the features of every formula of a file as CSV (formula, one column per feature, target if present).");
        foreach (var option in new Option[] { input, features, output, formulaColumn, target })
        {
            command.Options.Add(option);
        }
        command.SetAction(parse => CliApp.Guard(parse, () =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            if (parse.GetValue(output) is { } path)
            {
                var rows = CsvOutput.WriteAtomically(path, writer => Featurization.Run(parse.GetValue(input)!, parse.GetValue(features)!, writer, parse.GetValue(formulaColumn), parse.GetValue(target), stderr));
                stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {rows} rows to {path}"));
            }
            else
            {
                Featurization.Run(parse.GetValue(input)!, parse.GetValue(features)!, parse.InvocationConfiguration.Output, parse.GetValue(formulaColumn), parse.GetValue(target), stderr);
            }
            return CliApp.Success;
        }));
        return command;
    }
}
