using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>The <c>evaluate</c> and <c>predict</c> verbs' work on a loaded model.</summary>
public static class Evaluation
{
    /// <summary>Metrics of <paramref name="model"/> on a labelled file (MAE, RMSE, R², n, mean-predictor MAE).</summary>
    public static RegressionMetrics Evaluate(MaterialsModel model, string dataPath, string? formulaColumn, string? targetColumn, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(model);
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
    /// <c>formula[,target],prediction</c> to <paramref name="output"/>. Returns the rows written.
    /// </summary>
    public static int Predict(MaterialsModel model, string inputPath, string? formulaColumn, TextWriter output, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(model);
        var data = DataLoading.Load(inputPath, formulaColumn, targetColumn: null, requireTargets: false, log, out var targetName, model.Features);
        var predictions = model.Predict(data);
        PredictionsCsv.Write(output, data, predictions, targetName ?? "target");
        return data.Count;
    }
}
