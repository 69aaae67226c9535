using System.CommandLine;
using CrossPropertyILGPU.Transfer;
using CrossPropertyILGPU.Transfer.Fit;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Cli.Verbs;

/// <summary><c>evaluate</c>: metrics of a saved model on a labelled file.</summary>
internal static class EvaluateVerb
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Run folder, model.json or model.safetensors, an ensemble folder (train --ensemble N) or a fit folder (fit).", Required = true };
        var data = new Option<string>("--data") { Description = "Labelled CSV to evaluate on.", Required = true };
        var (device, formulaColumn, target) = (CommonOptions.Device(), CommonOptions.FormulaColumn(), CommonOptions.Target());
        var command = new Command("evaluate", "MAE, RMSE, R², n and the mean-predictor MAE of a saved model on a labelled file.");
        foreach (var option in new Option[] { model, data, device, formulaColumn, target })
        {
            command.Options.Add(option);
        }
        command.SetAction(parse => CliApp.Guard(parse, () =>
        {
            if (FitModel.IsFitFolder(parse.GetValue(model)!))
            {
                var fit = FitModel.Load(parse.GetValue(model)!, CommonOptions.ParseDevice(parse.GetValue(device)!));
                var (fitMetrics, spreadR) = fit.Evaluate(parse.GetValue(data)!, parse.GetValue(formulaColumn), parse.GetValue(target), parse.InvocationConfiguration.Error);
                Report.Metrics(parse.InvocationConfiguration.Output, [fitMetrics]);
                Report.ErrorStdCorrelation(parse.InvocationConfiguration.Output, fitMetrics.Split, spreadR);
                return CliApp.Success;
            }
            if (Ensemble.IsEnsemble(parse.GetValue(model)!))
            {
                var members = Ensemble.Load(parse.GetValue(model)!, CommonOptions.ParseDevice(parse.GetValue(device)!));
                try
                {
                    var (ensembleMetrics, r) = Evaluation.EvaluateEnsemble(members, parse.GetValue(data)!, parse.GetValue(formulaColumn), parse.GetValue(target), parse.InvocationConfiguration.Error);
                    Report.Metrics(parse.InvocationConfiguration.Output, [ensembleMetrics]);
                    Report.ErrorStdCorrelation(parse.InvocationConfiguration.Output, ensembleMetrics.Split, r);
                    return CliApp.Success;
                }
                finally
                {
                    foreach (var member in members)
                    {
                        member.Dispose();
                    }
                }
            }
            using var loaded = MaterialsModel.Load(parse.GetValue(model)!, CommonOptions.ParseDevice(parse.GetValue(device)!));
            var metrics = Evaluation.EvaluateTargets(loaded, parse.GetValue(data)!, parse.GetValue(formulaColumn), parse.GetValue(target), parse.InvocationConfiguration.Error);
            Report.Metrics(parse.InvocationConfiguration.Output, metrics);
            return CliApp.Success;
        }));
        return command;
    }
}
