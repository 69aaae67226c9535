using System.Globalization;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Demo;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Cli;

/// <summary>Results on stdout; their tables go through <see cref="ResultTable"/> (drawn on a terminal, plain text otherwise).</summary>
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

    /// <summary>A source screening: each source's validation MAE, epochs and seconds, and which was chosen.</summary>
    public static void Screening(TextWriter output, ScreeningFile screening)
    {
        ArgumentNullException.ThrowIfNull(screening);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"source screening ({screening.Strategy.ToName()}, {screening.Epochs} epochs; validation split of {screening.ValidationRows} rows) in {screening.Seconds:F1} s:"));
        var table = new ResultTable(new("source", Math.Max(10, screening.Sources.Max(s => s.Source.Length)), LeftAligned: true),
            new("val MAE", 12), new("epochs", 7), new("seconds", 8), new("chosen", 7));
        foreach (var source in screening.Sources)
        {
            table.Add(source.Source, source.ValidationMae is { } mae ? Cell(mae, "G6") : "diverged", Cell(source.Epochs), Cell(source.Seconds, "F1"), source.Chosen ? "yes" : "");
        }
        table.Write(output);
    }

    public static void Folds(TextWriter output, IReadOnlyList<FoldResult> folds)
    {
        var table = new ResultTable(new("fold", 5), new("val MAE", 12), new("test MAE", 12), new("epochs", 7), new("run folder", 0, LeftAligned: true, Separator: "  "));
        foreach (var fold in folds)
        {
            table.Add(Cell(fold.Fold), Cell(fold.ValidationMae, "G6"), fold.TestMae is { } t ? Cell(t, "G6") : "-", Cell(fold.Epochs), fold.RunFolder);
        }
        table.Write(output);
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
        var table = new ResultTable(new("member", 7), new("val MAE", 12), new("epochs", 7), new("run folder", 0, LeftAligned: true, Separator: "  "));
        for (var k = 0; k < summary.Members.Count; k++)
        {
            var member = summary.Members[k];
            table.Add(Cell(k + 1), Cell(member.Metrics.Single(m => m.Split == "validation").Mae, "G6"), Cell(member.Training.Epochs), member.OutputDirectory);
        }
        table.Write(output);
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
        var table = new ResultTable(
            new("split", Math.Max(10, metrics.Max(m => m.Split.Length)), LeftAligned: true),
            new("n", 7), new("MAE", 12), new("RMSE", 12), new("R2", 8), new("mean-predictor MAE", 19));
        foreach (var m in metrics)
        {
            table.Add(m.Split, Cell(m.Count), Cell(m.Mae, "G6"), Cell(m.Rmse, "G6"), Cell(m.R2, "F4"), Cell(m.MeanPredictorMae, "G6"));
        }
        table.Write(output);
    }

    /// <summary>A fit's leaderboard (best out-of-fold MAE first), the blend, and the test metrics when a test file was given.</summary>
    public static void Fit(TextWriter output, Transfer.Fit.FitSummary summary)
    {
        var model = summary.Model;
        var table = new ResultTable(new("candidate", Math.Max(12, model.Candidates.Max(c => c.Candidate.Length)), LeftAligned: true),
            new("status", 7), new("OOF MAE", 11), new("seconds", 8), new("weight", 7));
        foreach (var c in model.Candidates.OrderBy(c => c.OutOfFoldMae ?? double.PositiveInfinity))
        {
            table.Add(c.Candidate, c.Status, c.OutOfFoldMae is { } mae ? Cell(mae, "G5") : "-", Cell(c.Seconds, "F1"), Cell(c.Weight, "F2"));
        }
        table.Add("blend", "", Cell(model.OutOfFoldMae, "G5"), "", Cell(1.0, "F2"));
        table.Write(output);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"validation: {model.Validation}; predictions {(model.ClipAtZero ? "clipped at 0" : "not clipped")}; |error|-spread r on out-of-fold rows {summary.OutOfFoldErrorStdCorrelation:F3}"));
        if (summary.Test is { } test)
        {
            output.WriteLine("test (scored once, after the choice):");
            Metrics(output, [test]);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test: correlation of |error| with std (Pearson r) {summary.TestErrorStdCorrelation:F3}"));
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fit folder: {summary.OutputDirectory} ({summary.Elapsed.TotalSeconds:F0} s); report: {Path.Combine(summary.OutputDirectory, Transfer.Fit.FitFolder.ReportFileName)}"));
    }

    /// <summary>The demo's comparison: transfer, scratch and the mean predictor.</summary>
    public static void Demo(TextWriter output, IReadOnlyList<DemoRow> rows)
    {
        var table = new ResultTable(new("method", 22, LeftAligned: true), new("test MAE", 10), new("val MAE", 10), new("epochs", 7), new("seconds", 8));
        foreach (var row in rows)
        {
            table.Add(row.Method, Cell(row.TestMae, "F4"), row.ValidationMae is { } v ? Cell(v, "F4") : "-", Cell(row.Epochs), Cell(row.Seconds, "F1"));
        }
        table.Write(output);
    }

    /// <summary>A cell as the plain text has always formatted it: invariant culture.</summary>
    public static string Cell<T>(T value, string? format = null)
        where T : IFormattable => value.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>One plain line per epoch on stderr.</summary>
internal sealed class EpochLine(TextWriter error) : IProgress<EpochMetrics>
{
    public void Report(EpochMetrics value) =>
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {value.Epoch,5}  train {value.TrainLoss,12:G6}  val MAE {value.ValidationMae,12:G6}{(value.Improved ? " *" : "  ")}  {value.Seconds,8:F1} s"));
}
