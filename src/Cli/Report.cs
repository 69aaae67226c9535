using System.Globalization;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Cli;

/// <summary>Plain-text results on stdout (tables come with the usability issue).</summary>
internal static class Report
{
    public static void Training(TextWriter output, TrainRunSummary summary)
    {
        var t = summary.Training;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained {t.Epochs} epochs in {t.Elapsed.TotalSeconds:F1} s on {summary.Device.Kind.ToName()}; best epoch {t.BestEpoch} (validation MAE {t.BestValidationMae:G6}); stopped: {t.StopReason}"));
        Metrics(output, summary.Metrics);
        output.WriteLine($"run folder: {summary.OutputDirectory}");
    }

    public static void Folds(TextWriter output, IReadOnlyList<FoldResult> folds)
    {
        output.WriteLine($"{"fold",5} {"val MAE",12} {"test MAE",12} {"epochs",7}  run folder");
        foreach (var fold in folds)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{fold.Fold,5} {fold.ValidationMae,12:G6} {(fold.TestMae is { } t ? t.ToString("G6", CultureInfo.InvariantCulture) : "-"),12} {fold.Epochs,7}  {fold.RunFolder}"));
        }
        var (mean, std) = CrossValidation.Summarize([.. folds.Select(f => f.ValidationMae)]);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cross-validated MAE: {mean:G6} ± {std:G6} over {folds.Count} folds"));
        if (folds.All(f => f.TestMae is not null))
        {
            var (testMean, testStd) = CrossValidation.Summarize([.. folds.Select(f => f.TestMae!.Value)]);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test MAE of the fold models: {testMean:G6} ± {testStd:G6}"));
        }
    }

    public static void Ensemble(TextWriter output, EnsembleSummary summary)
    {
        output.WriteLine($"{"member",7} {"val MAE",12} {"epochs",7}  run folder");
        for (var k = 0; k < summary.Members.Count; k++)
        {
            var member = summary.Members[k];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{k + 1,7} {member.Metrics.Single(m => m.Split == "validation").Mae,12:G6} {member.Training.Epochs,7}  {member.OutputDirectory}"));
        }
        output.WriteLine($"ensemble mean of {summary.Members.Count} members:");
        Metrics(output, summary.Metrics);
        foreach (var (split, r) in summary.ErrorStdCorrelation)
        {
            ErrorStdCorrelation(output, split, r);
        }
        output.WriteLine($"run folder: {summary.OutputDirectory}");
    }

    public static void ErrorStdCorrelation(TextWriter output, string split, double r) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{split}: correlation of |error| with std (Pearson r) {r:F3}"));

    public static void Metrics(TextWriter output, IReadOnlyList<RegressionMetrics> metrics)
    {
        var width = Math.Max(10, metrics.Max(m => m.Split.Length));
        output.WriteLine($"{"split".PadRight(width)} {"n",7} {"MAE",12} {"RMSE",12} {"R2",8} {"mean-predictor MAE",19}");
        foreach (var m in metrics)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{m.Split.PadRight(width)} {m.Count,7} {m.Mae,12:G6} {m.Rmse,12:G6} {m.R2,8:F4} {m.MeanPredictorMae,19:G6}"));
        }
    }
}

/// <summary>One plain line per epoch on stderr.</summary>
internal sealed class EpochLine(TextWriter error) : IProgress<EpochMetrics>
{
    public void Report(EpochMetrics value) =>
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {value.Epoch,5}  train {value.TrainLoss,12:G6}  val MAE {value.ValidationMae,12:G6}{(value.Improved ? " *" : "  ")}  {value.Seconds,8:F1} s"));
}
