namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>MAE, RMSE and R² of predictions on one split, with the mean predictor's MAE for scale.</summary>
/// <param name="Split">train, validation, test, or the evaluated file.</param>
/// <param name="Count">Rows.</param>
/// <param name="Mae">Mean absolute error.</param>
/// <param name="Rmse">Root mean squared error.</param>
/// <param name="R2">Coefficient of determination against the split's own mean.</param>
/// <param name="MeanPredictorMae">MAE of always predicting the training mean.</param>
public sealed record RegressionMetrics(string Split, int Count, double Mae, double Rmse, double R2, double MeanPredictorMae)
{
    /// <summary>
    /// A multi-output model's metrics: one entry per target, named <c>&lt;split&gt;:&lt;target&gt;</c>,
    /// over the rows labelled for it (targets and predictions row-major rows × targets.Count; NaN = unlabelled).
    /// </summary>
    /// <exception cref="UsageException">A target has no labelled row.</exception>
    public static IReadOnlyList<RegressionMetrics> ComputePerTarget(string split, ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, IReadOnlyList<ModelTarget> targetList)
    {
        ArgumentNullException.ThrowIfNull(targetList);
        var outputs = targetList.Count;
        if (targets.Length != predictions.Length || targets.Length % outputs != 0)
        {
            throw new ArgumentException($"Need equal numbers of targets and predictions in rows of {outputs} (got {targets.Length} and {predictions.Length}).");
        }
        var metrics = new List<RegressionMetrics>(outputs);
        var (labelledTargets, labelledPredictions) = (new List<float>(), new List<float>());
        for (var k = 0; k < outputs; k++)
        {
            labelledTargets.Clear();
            labelledPredictions.Clear();
            for (var i = k; i < targets.Length; i += outputs)
            {
                if (!float.IsNaN(targets[i]))
                {
                    labelledTargets.Add(targets[i]);
                    labelledPredictions.Add(predictions[i]);
                }
            }
            if (labelledTargets.Count == 0)
            {
                throw new UsageException($"{split}: no row has a value for the target '{targetList[k].Name}'.");
            }
            metrics.Add(Compute($"{split}:{targetList[k].Name}",
                System.Runtime.InteropServices.CollectionsMarshal.AsSpan(labelledTargets),
                System.Runtime.InteropServices.CollectionsMarshal.AsSpan(labelledPredictions), targetList[k].TrainMean));
        }
        return metrics;
    }

    /// <summary>Computes the metrics; <paramref name="trainMean"/> is the mean predictor's constant.</summary>
    public static RegressionMetrics Compute(string split, ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, double trainMean)
    {
        if (targets.Length != predictions.Length || targets.Length == 0)
        {
            throw new ArgumentException($"Need equal, non-zero numbers of targets and predictions (got {targets.Length} and {predictions.Length}).");
        }
        var n = targets.Length;
        double absolute = 0, squared = 0, mean = 0, baseline = 0;
        for (var i = 0; i < n; i++)
        {
            mean += targets[i];
        }
        mean /= n;
        double total = 0;
        for (var i = 0; i < n; i++)
        {
            var error = (double)predictions[i] - targets[i];
            absolute += Math.Abs(error);
            squared += error * error;
            total += (targets[i] - mean) * (targets[i] - mean);
            baseline += Math.Abs(targets[i] - trainMean);
        }
        var r2 = total > 0 ? 1 - squared / total : double.NaN;
        return new RegressionMetrics(split, n, absolute / n, Math.Sqrt(squared / n), r2, baseline / n);
    }
}
