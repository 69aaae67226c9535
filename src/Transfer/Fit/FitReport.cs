using System.Globalization;
using System.Text;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Fit;

/// <summary>
/// The report of a fit folder (<see cref="FitFolder.ReportFileName"/>): the data (rows kept and skipped), the validation scheme, every
/// candidate's out-of-fold score and time, the blend's weights, clipping and log space, the
/// uncertainty's correlation with the error, the test metrics (scored once, after the choice), what
/// the time limit cut, and the plots.
/// </summary>
internal static class FitReport
{
    public static string Markdown(
        FitOptions options, FitPlan plan, FitData data, FoldPlan folds, FitSummary summary,
        IReadOnlyList<CandidateOutcome> outcomes, ClippingEffect clipping, IReadOnlyList<string> plots)
    {
        var model = summary.Model;
        var text = new StringBuilder();
        void Line(FormattableString? line = null) => text.AppendLine(line is null ? "" : line.ToString(CultureInfo.InvariantCulture));

        Line($"# fit: {Path.GetFileName(options.TrainPath)} → {data.TargetName}");
        Line();
        Line($"`{Command(options)}`");
        Line();
        Line($"Budget **{FitBudgets.Name(options.Budget)}**{(options.Plan is null ? "" : " (custom plan)")}, seed {options.Seed}, device {options.Device.ToString().ToLowerInvariant()}; {summary.Elapsed.TotalSeconds:F0} s in all{(options.TimeLimit is { } limit ? $" (time limit {limit.TotalSeconds:F0} s)" : "")}.");
        Line();

        Line($"## Data");
        Line();
        Line($"| file | rows read | kept | skipped |");
        Line($"|---|--:|--:|--:|");
        Line($"| training `{options.TrainPath}` | {data.FileRows} | {data.Count} | {data.Skipped.Count} |");
        if (options.TestPath is { } test)
        {
            Line($"| test `{test}` | – | {data.TestRows} | – |");
        }
        Line();
        foreach (var row in data.Skipped.Take(DataLoading.SkippedRowsListed))
        {
            Line($"- skipped line {row.Line} `{row.Formula}`: {row.Reason}");
        }
        if (data.Skipped.Count > DataLoading.SkippedRowsListed)
        {
            Line($"- … and {data.Skipped.Count - DataLoading.SkippedRowsListed} more");
        }
        var targets = data.Targets;
        Line($"Target `{data.TargetName}`: min {targets.Min():G5}, max {targets.Max():G5}, mean {targets.Average(t => (double)t):G5}, skewness {data.Skewness:F2}; {data.Groups.Distinct(StringComparer.Ordinal).Count()} distinct reduced compositions.");
        Line();

        Line($"## Validation");
        Line();
        Line($"{folds.Description}. Sets of up to {plan.CrossValidationMaxRows:N0} rows are cross-validated in {plan.Folds} folds, larger ones get one split of {plan.HoldoutFraction:P0}: below that size a single split's MAE is too noisy to rank candidates a few per cent apart, above it one split ranks them well enough and K network trainings would take the budget from the networks. Polymorphs (rows of one reduced composition) are never on both sides. Every candidate is scored on the same out-of-fold rows ({folds.OutOfFoldRows().Length}); a network stops early on {plan.EarlyStoppingFraction:P0} of its fold's training rows (whole compositions), never on the rows that score it; the blend is learned on the out-of-fold predictions only; the test file plays no part in any choice.");
        Line();

        Line($"## Candidates");
        Line();
        Line($"| candidate | what | status | out-of-fold MAE | seconds | blend weight | note |");
        Line($"|---|---|---|--:|--:|--:|---|");
        foreach (var outcome in outcomes.OrderBy(o => o.OutOfFoldMae ?? double.PositiveInfinity))
        {
            var record = outcome.ToRecord(plan);
            Line($"| {record.Candidate} | {record.Description} | {record.Status} | {(record.OutOfFoldMae is { } mae ? mae.ToString("G5", CultureInfo.InvariantCulture) : "–")} | {record.Seconds:F1} | {record.Weight:0.00} | {Note(record)} |");
        }
        Line($"| **blend** | non-negative weights summing to 1 (greedy selection, {GreedyBlend.MaxRounds} rounds at most; {model.Members.Length} member{(model.Members.Length == 1 ? "" : "s")}) | | **{model.OutOfFoldMae:G5}** | | 1.00 | |");
        Line();
        if (plots.Contains(FitFolder.LeaderboardPlotName))
        {
            Line($"![leaderboard]({FitFolder.LeaderboardPlotName})");
            Line();
        }

        Line($"## The model");
        Line();
        Line($"Prediction = Σ weight × (mean of the member's models){(model.ClipAtZero ? ", clipped at 0" : "")}:");
        Line();
        foreach (var member in model.Members)
        {
            Line($"- **{member.Candidate}** × {member.Weight:0.00}: {member.Models.Length} model{(member.Models.Length == 1 ? "" : "s")} ({string.Join(", ", member.Models.Select(m => $"`{m}`"))})");
        }
        Line();
        Line($"`predict --model {summary.OutputDirectory}` and `evaluate --model {summary.OutputDirectory}` use it as saved; `export --format onnx` needs a model that is one network.");
        Line();

        Line($"## Non-negative targets and log space");
        Line();
        if (model.ClipAtZero)
        {
            Line($"Every training target is ≥ 0, so predictions are clipped at 0 (recorded as `clip_at_zero` in fit.json). On the out-of-fold rows the unclipped blend went below 0 on {clipping.NegativeRows} rows; clipping moved its MAE from {clipping.MaeUnclipped:G5} to {clipping.MaeClipped:G5}.");
        }
        else
        {
            Line($"Some training targets are negative: no clipping.");
        }
        Line();
        var log = outcomes.FirstOrDefault(o => o.Candidate.LogTarget);
        var raw = outcomes.FirstOrDefault(o => o.Candidate.Kind == FitCandidateKind.BoostedTreesPa);
        if (log is null)
        {
            Line($"Log space was not tried: {(model.ClipAtZero ? $"the skewness {data.Skewness:F2} is at most {plan.LogSkewness:F1}" : "the target has negative values")}.");
        }
        else
        {
            Line($"The target is non-negative and skewed ({data.Skewness:F2} > {plan.LogSkewness:F1}), so boosted trees on physical attributes were also fitted to log(1 + y): out-of-fold MAE {Mae(log)} against {Mae(raw)} in linear space; blend weight {log.Weight:0.00} — validation {(log.Weight > 0 ? "kept" : "did not keep")} the log-space model.");
        }
        Line();

        var gated = outcomes.FirstOrDefault(o => o.Candidate.Gated);
        Line($"{data.ZeroShare:P0} of the training targets are exactly 0. {(gated is null ? $"The gated candidate was not tried (it needs a non-negative target with more than {plan.GateZeroShare:P0} zeros)." : $"A boosted-tree gate (is y > 0?) in front of boosted trees fitted to the positive rows was tried: out-of-fold MAE {Mae(gated)}, blend weight {gated.Weight:0.00}.")}");
        Line();

        Line($"## Uncertainty");
        Line();
        Line($"`predict` and `evaluate` give a `std` per row: the standard deviation of the members as a mixture (each candidate with its weight, its fold models alike), i.e. how much the fold models and the blended candidates disagree.");
        Line($"On the out-of-fold rows each row has one model per candidate, so there the spread is the candidates' (weighted std around the blend): Pearson r of |error| and spread = {R(summary.OutOfFoldErrorStdCorrelation)}{(model.Members.Length == 1 ? " (one member carries all the weight, so the candidates' spread is 0)" : "")}.");
        if (summary.TestErrorStdCorrelation is { } testR)
        {
            Line($"On the test rows (full spread, fold models included): r = {R(testR)}.");
        }
        Line();

        if (summary.Test is { } metrics)
        {
            Line($"## Test (scored once, after the choice, by the saved model)");
            Line();
            Line($"| rows | MAE | RMSE | R² | mean-predictor MAE |");
            Line($"|--:|--:|--:|--:|--:|");
            Line($"| {metrics.Count} | {metrics.Mae:G5} | {metrics.Rmse:G5} | {metrics.R2:F4} | {metrics.MeanPredictorMae:G5} |");
            Line();
        }

        Line($"## Cut by the time limit");
        Line();
        var cut = outcomes.Where(o => o.Status == CandidateStatus.Cut).ToList();
        if (cut.Count == 0)
        {
            Line($"Nothing: every planned candidate ran{(outcomes.Any(o => o.Status == CandidateStatus.Failed) ? " or failed (see the table)" : "")}.");
        }
        else
        {
            Line($"Candidates run in order of expected value, so the last ones go first:");
            Line();
            foreach (var outcome in cut)
            {
                Line($"- {outcome.Candidate.Name}: {outcome.Note}");
            }
        }
        Line();

        var parities = plots.Where(p => p.StartsWith("parity_", StringComparison.Ordinal)).ToList();
        if (parities.Count > 0)
        {
            Line($"## Parity");
            Line();
            foreach (var plot in parities)
            {
                Line($"![{Path.GetFileNameWithoutExtension(plot)}]({plot})");
            }
            Line();
        }

        Line($"## Files");
        Line();
        Line($"`fit.json` (the model and the scores), `predictions_oof.csv` (blend and spread on the out-of-fold rows), `candidates_oof.csv` (each candidate's out-of-fold predictions){(options.TestPath is null ? "" : ", `predictions_test.csv`")}, `fit.log` (every training line), `candidates/` (the models; run folders for networks, ML.NET archives for trees).");
        return text.ToString();
    }

    private static string Mae(CandidateOutcome? outcome) =>
        outcome?.OutOfFoldMae is { } mae ? mae.ToString("G5", CultureInfo.InvariantCulture) : "–";

    private static string R(double r) => double.IsNaN(r) ? "n/a" : r.ToString("F3", CultureInfo.InvariantCulture);

    private static string Note(FitScoreRecord record) =>
        string.Join("; ", new[] { record.Epochs is null ? null : $"epochs (best): {record.Epochs}", record.Note }.Where(n => n is not null))
            .Replace("|", "\\|", StringComparison.Ordinal);

    private static string Command(FitOptions options)
    {
        var parts = new List<string> { "cpilgpu fit", "--train", options.TrainPath };
        if (options.TestPath is { } test)
        {
            parts.AddRange(["--test", test]);
        }
        parts.AddRange(["--budget", FitBudgets.Name(options.Budget)]);
        if (options.TimeLimit is { } limit)
        {
            parts.AddRange(["--time-limit", limit.TotalSeconds.ToString(CultureInfo.InvariantCulture)]);
        }
        if (options.Sources is { } sources)
        {
            parts.AddRange(["--sources", string.Join(',', sources)]);
        }
        if (options.Candidates is { } candidates)
        {
            parts.AddRange(["--candidates", string.Join(',', candidates)]);
        }
        parts.AddRange(["--seed", options.Seed.ToString(CultureInfo.InvariantCulture), "--out", options.OutputDirectory]);
        return string.Join(' ', parts);
    }
}
