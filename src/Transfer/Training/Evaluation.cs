using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>The <c>evaluate</c> and <c>predict</c> verbs' work on a loaded model.</summary>
public static class Evaluation
{
    /// <summary>
    /// Metrics of <paramref name="model"/> on a labelled file, one entry per target: for a
    /// single-target model <see cref="Evaluate"/>'s; for a multi-output model each target scored
    /// over the rows labelled for it (<see cref="RegressionMetrics.ComputePerTarget"/>), the target
    /// columns being <paramref name="targetColumn"/> (a comma list, one per output) or by default
    /// the model's target names.
    /// </summary>
    /// <exception cref="UsageException">The file lacks a target column or a labelled row for a target.</exception>
    public static IReadOnlyList<RegressionMetrics> EvaluateTargets(MaterialsModel model, string dataPath, string? formulaColumn, string? targetColumn, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Outputs == 1)
        {
            return [Evaluate(model, dataPath, formulaColumn, targetColumn, log)];
        }
        var targets = model.Manifest.TargetList();
        var data = DataLoading.Load(dataPath, formulaColumn, targetColumn ?? string.Join(',', targets.Select(t => t.Name)), requireTargets: true, log, model.Features);
        if (data.Outputs != model.Outputs)
        {
            throw new OptionException(nameof(TrainRunOptions.TargetColumn), targetColumn,
                $"the model predicts {model.Outputs} targets ({string.Join(", ", targets.Select(t => t.Name))}); name one column for each, separated by commas.");
        }
        var predictions = model.Predict(data);
        return RegressionMetrics.ComputePerTarget(Path.GetFileName(dataPath), data.Targets!, predictions, targets);
    }

    /// <summary>Metrics of a single-target <paramref name="model"/> on a labelled file (MAE, RMSE, R², n, mean-predictor MAE).</summary>
    /// <exception cref="UsageException">The model has several outputs (use <see cref="EvaluateTargets"/>).</exception>
    public static RegressionMetrics Evaluate(MaterialsModel model, string dataPath, string? formulaColumn, string? targetColumn, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Outputs != 1)
        {
            throw new UsageException($"The model predicts {model.Outputs} targets; score each with EvaluateTargets.");
        }
        var data = DataLoading.Load(dataPath, formulaColumn, targetColumn, requireTargets: true, log, model.Features);
        var predictions = model.Predict(data);
        return RegressionMetrics.Compute(Path.GetFileName(dataPath), data.Targets!, predictions, model.Manifest.TrainTargetMean);
    }

    /// <summary>
    /// Metrics of an ensemble's mean on a labelled file, and Pearson's r between each row's
    /// |error| and the members' std.
    /// </summary>
    public static (RegressionMetrics Metrics, double ErrorStdCorrelation) EvaluateEnsemble(
        IReadOnlyList<MaterialsModel> members, string dataPath, string? formulaColumn, string? targetColumn, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(members);
        var data = DataLoading.Load(dataPath, formulaColumn, targetColumn, requireTargets: true, log, members[0].Features);
        var (mean, std) = Ensemble.Predict(members, data);
        return (RegressionMetrics.Compute(Path.GetFileName(dataPath), data.Targets!, mean, members[0].Manifest.TrainTargetMean),
            Ensemble.ErrorStdCorrelation(data.Targets!, mean, std));
    }

    /// <summary>As <see cref="Predict"/> for an ensemble: <c>formula[,target],prediction,std</c>.</summary>
    public static int PredictEnsemble(IReadOnlyList<MaterialsModel> members, string inputPath, string? formulaColumn, TextWriter output, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(members);
        var data = DataLoading.Load(inputPath, formulaColumn, targetColumn: null, requireTargets: false, log, out var targetName, members[0].Features);
        var (mean, std) = Ensemble.Predict(members, data);
        PredictionsCsv.Write(output, data, mean, targetName ?? "target", std);
        return data.Count;
    }

    /// <summary>
    /// Predicts every usable row of <paramref name="inputPath"/> (targets optional) and writes
    /// <c>formula[,target],prediction</c> to <paramref name="output"/> (a multi-output model: one
    /// <c>&lt;target&gt;_prediction</c> column per target). Returns the rows written.
    /// </summary>
    public static int Predict(MaterialsModel model, string inputPath, string? formulaColumn, TextWriter output, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(model);
        var data = DataLoading.Load(inputPath, formulaColumn, targetColumn: null, requireTargets: false, log, out var targetName, model.Features);
        var predictions = model.Predict(data);
        if (model.Outputs > 1)
        {
            PredictionsCsv.WriteSeveral(output, data, predictions, [.. model.Manifest.TargetList().Select(t => t.Name)]);
        }
        else
        {
            PredictionsCsv.Write(output, data, predictions, targetName ?? "target");
        }
        return data.Count;
    }
}
