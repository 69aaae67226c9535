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
