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
