using System.Diagnostics;
using System.Globalization;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Baselines;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Fit;

/// <summary>What a finished fit reports.</summary>
/// <param name="OutputDirectory">The fit folder.</param>
/// <param name="Model">Its <c>fit.json</c>: members, weights, every candidate's score.</param>
/// <param name="Test">The saved model's metrics on the test file, scored once after the choice; null without one.</param>
/// <param name="TestErrorStdCorrelation">Pearson's r of |error| and the spread on the test rows.</param>
/// <param name="OutOfFoldErrorStdCorrelation">Pearson's r of |error| and the candidates' spread on the out-of-fold rows.</param>
/// <param name="Elapsed">Wall time of the whole fit.</param>
public sealed record FitSummary(
    string OutputDirectory, FitModelFile Model, RegressionMetrics? Test, double? TestErrorStdCorrelation, double OutOfFoldErrorStdCorrelation, TimeSpan Elapsed);

/// <summary>
/// The <c>fit</c> verb's work: from one training CSV to the best blend of candidate models, saved in
/// one folder that <c>predict</c>, <c>evaluate</c> and <c>export</c> take. Steps: check every option
/// and read the files (nothing is written before they pass); group the rows by reduced composition
/// and cross-validate (small sets) or hold out one split (large ones) — <see cref="FitPlan.CrossValidationMaxRows"/>;
/// run the candidates in order of expected value, each giving an out-of-fold prediction for every
/// validated row (a time limit cuts the last ones); learn non-negative blend weights on those
/// predictions alone (<see cref="GreedyBlend"/>); keep the weighted members' models (the fold models,
/// or the trees refitted on every row after a single split); then score the test file once with the
/// saved model, and write the report and plots.
/// </summary>
public static class FitRun
{
    /// <summary>Time kept back from a <c>--time-limit</c> for the blend, the test, the report and plots.</summary>
    public static readonly TimeSpan FinishingReserve = TimeSpan.FromSeconds(15);

    /// <summary>A network fold is not started with less time than this: it could not finish an epoch worth having.</summary>
    public static readonly TimeSpan MinimumFoldTime = TimeSpan.FromSeconds(5);

    /// <summary>Runs the fit; log lines go to <paramref name="log"/> (and the folder's fit.log), steps to <paramref name="progress"/>.</summary>
    /// <exception cref="OptionException">A bad option, naming it.</exception>
    /// <exception cref="DataFileException">A data file cannot be read.</exception>
    /// <exception cref="UsageException">Too few rows or compositions, or no candidate finished.</exception>
    public static FitSummary Run(FitOptions options, TextWriter log, IProgress<FitProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var clock = Stopwatch.StartNew();
        var plan = options.ResolvedPlan;
        var only = CheckOptions(options, plan);
        var sources = ResolveSources(options, log);
        RunFolder.CheckNew(options.OutputDirectory);

        // Inputs first: a bad file or option fails before the fit folder exists.
        var data = FitData.Load(options, log);
        var folds = data.Count <= plan.CrossValidationMaxRows
            ? FoldPlan.CrossValidation(data.Groups, plan.Folds, options.Seed)
            : FoldPlan.Holdout(data.Groups, plan.HoldoutFraction, options.Seed);
        var skewed = data.NonNegative && data.Skewness > plan.LogSkewness;
        var zeroInflated = data.NonNegative && data.ZeroShare > plan.GateZeroShare;
        var candidates = FitCandidates.Plan(plan, sources, skewed, zeroInflated, only);
        if (candidates.Count == 0)
        {
            throw new OptionException(nameof(FitOptions.Candidates), string.Join(',', options.Candidates ?? []),
                "leaves no candidate to run (the transfer kinds need a source model, gbm-pa-log a skewed non-negative target, gbm-pa-gated a non-negative one with many zeros).");
        }

        var (folder, folderLock) = FitFolder.Create(options.OutputDirectory);
        using (folderLock)
        using (var fileLog = folder.OpenLog())
        {
            var say = new Say(log, fileLog);
            say.Line($"data: {data.Count} rows of {data.FileRows} kept from {options.TrainPath} ({data.Skipped.Count} skipped); target '{data.TargetName}'{(data.TestRows is { } t ? $"; test file {options.TestPath}: {t} rows, scored once at the end" : "")}");
            say.Line($"validation: {folds.Description}");
            say.Line($"candidates ({FitBudgets.Name(options.Budget)}{(options.Plan is null ? "" : ", custom plan")}): {string.Join(", ", candidates.Select(c => c.Name))}");
            var runner = new CandidateRunner(options, plan, data, folds, folder, fileLog, say, progress, clock, candidates.Count, cancellation);
            var outcomes = new List<CandidateOutcome>();
            foreach (var candidate in candidates)
            {
                cancellation.ThrowIfCancellationRequested();
                var outcome = runner.Run(candidate, outcomes.Count);
                outcomes.Add(outcome);
                var line = outcome.Describe();
                say.Line($"{candidate.Name}: {line}");
                progress?.Report(new FitProgress(outcomes.Count, candidates.Count, candidate.Name, line, clock.Elapsed, FitProgressKind.Finished));
            }
            return Finish(options, plan, data, folds, folder, say, outcomes, progress, clock);
        }
    }

    // Budget, time limit and candidate names; returns the kinds asked for (null: all).
    private static HashSet<FitCandidateKind>? CheckOptions(FitOptions options, FitPlan plan)
    {
        if (options.TimeLimit is { } limit && !(limit > TimeSpan.Zero))
        {
            throw new OptionException(nameof(FitOptions.TimeLimit), limit.TotalSeconds.ToString(CultureInfo.InvariantCulture), "must be a positive number of seconds.");
        }
        if (!Enum.IsDefined(options.Budget))
        {
            throw new OptionException(nameof(FitOptions.Budget), options.Budget.ToString(), "use quick, standard or thorough.");
        }
        if (plan.Folds < 2 || !(plan.HoldoutFraction > 0 && plan.HoldoutFraction < 1) || plan.NetworkMaxEpochs < 1 || plan.NetworkPatience < 1)
        {
            throw new ArgumentException("The plan needs at least 2 folds, a holdout fraction in (0, 1) and positive epochs and patience.", nameof(options));
        }
        if (string.IsNullOrWhiteSpace(options.TrainPath))
        {
            throw new OptionException(nameof(TrainRunOptions.TrainPaths), null, "give the training file.");
        }
        return options.Candidates is { } names ? [.. names.Select(FitCandidates.ParseKind)] : null;
    }

    // The source models: given ones must exist and take elemental fractions; the default is used
    // only where it exists (a fit run outside the repository still fits trees).
    private static List<string> ResolveSources(FitOptions options, TextWriter log)
    {
        if (options.Sources is null)
        {
            if (File.Exists(RunFolder.ResolveManifest(FitOptions.DefaultSource)))
            {
                return [Path.GetFullPath(FitOptions.DefaultSource)];
            }
            log.WriteLine($"note: no source model at {FitOptions.DefaultSource} (run from the repository root, or give --sources); the transfer candidates are left out.");
            return [];
        }
        var sources = new List<string>();
        foreach (var source in options.Sources)
        {
            var manifestPath = RunFolder.ResolveManifest(source);
            if (!File.Exists(manifestPath))
            {
                throw new OptionException(nameof(FitOptions.Sources), source, "no model there (a run folder, model.json or model.safetensors).");
            }
            var manifest = ModelManifest.Load(manifestPath);
            if (manifest.FeatureKind != FeatureKind.ElementalFractions || manifest.TargetList().Count != 1)
            {
                throw new OptionException(nameof(FitOptions.Sources), source,
                    $"takes {manifest.FeatureKind.ToName()} inputs with {manifest.TargetList().Count} outputs; a source for fit takes elemental fractions and predicts one target.");
            }
            sources.Add(Path.GetFullPath(Directory.Exists(source) ? source : Path.GetDirectoryName(manifestPath)!));
        }
        return sources;
    }

    // Blend on the out-of-fold rows, keep the weighted members, write fit.json, score the test file
    // once with the saved model, then the report and plots.
    private static FitSummary Finish(
        FitOptions options, FitPlan plan, FitData data, FoldPlan folds, FitFolder folder, Say say,
        List<CandidateOutcome> outcomes, IProgress<FitProgress>? progress, Stopwatch clock)
    {
        var ran = outcomes.Where(o => o.Status == CandidateStatus.Ran).ToList();
        if (ran.Count == 0)
        {
            var why = string.Join("; ", outcomes.Select(o => $"{o.Candidate.Name}: {o.Describe()}"));
            throw options.TimeLimit is { } limit
                ? new OptionException(nameof(FitOptions.TimeLimit), limit.TotalSeconds.ToString(CultureInfo.InvariantCulture), $"no candidate finished ({why}); allow more time.")
                : new UsageException($"no candidate finished: {why}. The log is {folder.LogPath}.");
        }
        progress?.Report(new FitProgress(outcomes.Count, outcomes.Count, "blend", "learning the blend on the out-of-fold predictions", clock.Elapsed, FitProgressKind.Stage));
        var rows = folds.OutOfFoldRows();
        var targets = rows.Select(i => data.Targets[i]).ToArray();
        var predictions = ran.Select(o => rows.Select(i => o.OutOfFold![i]).ToArray()).ToList();
        foreach (var (outcome, p) in ran.Zip(predictions))
        {
            outcome.OutOfFoldMae = GreedyBlend.Mae(GreedyBlend.Combine([1.0], [p], data.NonNegative), targets);
        }
        var blend = GreedyBlend.Fit(predictions, targets, data.NonNegative);
        var blended = GreedyBlend.Combine(blend.Weights, predictions, data.NonNegative);
        var unclipped = GreedyBlend.Combine(blend.Weights, predictions, clipAtZero: false);
        var spread = GreedyBlend.Spread(blend.Weights, predictions);
        var outOfFoldR = Ensemble.ErrorStdCorrelation(targets, blended, spread);
        for (var c = 0; c < ran.Count; c++)
        {
            ran[c].Weight = blend.Weights[c];
        }
        say.Line(string.Create(CultureInfo.InvariantCulture,
            $"blend: out-of-fold MAE {blend.Mae:G5} (best single {ran.Min(o => o.OutOfFoldMae)!.Value:G5}); weights {string.Join(", ", ran.Where(o => o.Weight > 0).Select(o => $"{o.Candidate.Name} {o.Weight:0.00}"))}"));

        var members = new List<FitMemberRecord>();
        foreach (var outcome in ran)
        {
            if (outcome.Weight > 0)
            {
                members.Add(Member(options, plan, data, folds, folder, say, outcome, clock));
            }
            else if (outcome.Candidate.IsNetwork)
            {
                // Unweighted networks keep their scores and logs; their weights (18 MB each for ElemNet) go.
                foreach (var network in outcome.Models)
                {
                    new RunFolder(folder.Resolve(network)).DeleteWeights();
                }
                outcome.Note = Append(outcome.Note, "weight 0: its networks' weights were deleted");
            }
        }

        var model = new FitModelFile
        {
            TargetName = data.TargetName,
            TrainFile = options.TrainPath,
            Rows = data.Count,
            TrainTargetMean = data.Targets.Average(t => (double)t),
            ClipAtZero = data.NonNegative,
            Validation = folds.Description,
            OutOfFoldMae = blend.Mae,
            Members = [.. members],
            Candidates = [.. outcomes.Select(o => o.ToRecord(plan))],
        };
        folder.WriteModel(model);
        var outOfFoldData = DataLoading.Subset(data.Fractions, rows);
        FitFolder.WritePredictions(folder.OutOfFoldPath, outOfFoldData, blended, data.TargetName, spread);
        folder.WriteCandidatesOutOfFold(data.Fractions, folds.FoldOfRow, [.. ran.Select(o => (o.Candidate.Name, o.OutOfFold!))], data.TargetName);

        // The test file, once, through the model as saved: the choice above never saw it.
        RegressionMetrics? test = null;
        double? testR = null;
        if (options.TestPath is { } testPath)
        {
            progress?.Report(new FitProgress(outcomes.Count, outcomes.Count, "test", "scoring the test file with the saved model", clock.Elapsed, FitProgressKind.Stage));
            var saved = FitModel.Load(folder.Path, options.Device);
            var result = saved.Predict(testPath, options.FormulaColumn, options.TargetColumn, requireTargets: true, TextWriter.Null);
            test = RegressionMetrics.Compute("test", result.Data.Targets!, result.Predictions, model.TrainTargetMean);
            testR = Ensemble.ErrorStdCorrelation(result.Data.Targets!, result.Predictions, result.Std);
            FitFolder.WritePredictions(folder.TestPath, result.Data, result.Predictions, data.TargetName, result.Std);
            say.Line(string.Create(CultureInfo.InvariantCulture, $"test: MAE {test.Mae:G5}, RMSE {test.Rmse:G5}, R² {test.R2:F4} on {test.Count} rows (mean predictor {test.MeanPredictorMae:G5})"));
        }

        var summary = new FitSummary(folder.Path, model, test, testR, outOfFoldR, clock.Elapsed);
        var plots = FitPlots.TryWrite(folder, model, say.Writer);
        var clipping = new ClippingEffect(
            GreedyBlend.Mae(unclipped, targets), blend.Mae, unclipped.Count(v => v < 0));
        folder.WriteReport(FitReport.Markdown(options, plan, data, folds, summary, outcomes, clipping, plots));
        say.Line($"report: {folder.ReportPath}");
        return summary;
    }

    // A weighted candidate as a member of the saved model: its fold models — or, after a single
    // validation split, a tree candidate refitted on every row (its settings, not a validation
    // choice, were validated; the network keeps the model its validation split stopped).
    private static FitMemberRecord Member(FitOptions options, FitPlan plan, FitData data, FoldPlan folds, FitFolder folder, Say say, CandidateOutcome outcome, Stopwatch clock)
    {
        var candidate = outcome.Candidate;
        var models = outcome.Models;
        if (folds.IsHoldout && !candidate.IsNetwork)
        {
            var left = options.TimeLimit is { } limit ? limit - clock.Elapsed - FinishingReserve : TimeSpan.MaxValue;
            // The refit takes a little longer than the fold's fit (a fifth more rows).
            if (left > outcome.Elapsed * 1.5)
            {
                var refit = FitFolder.RefitModel(candidate.Name);
                var features = outcome.Inputs!;
                var all = WithTargets(features, CandidateRunner.FitTargets(candidate, data.Targets));
                CandidateRunner.FitTrees(candidate, all, Enumerable.Range(0, data.Count).ToArray(), options.Seed, CancellationToken.None)
                    .Save(folder, refit);
                models = [refit];
                outcome.Note = Append(outcome.Note, "refitted on every training row");
            }
            else
            {
                outcome.Note = Append(outcome.Note, "not refitted on every row (time limit): the model of the validation split is kept");
                say.Line($"{candidate.Name}: kept the model of the validation split; the time limit leaves no time to refit it on every row");
            }
        }
        return new FitMemberRecord
        {
            Candidate = candidate.Name,
            Kind = FitCandidates.KindName(candidate.Kind),
            Weight = outcome.Weight,
            Network = candidate.IsNetwork,
            Features = candidate.Features,
            Width = candidate.IsNetwork ? 0 : outcome.Inputs!.Width,
            LogTarget = candidate.LogTarget,
            Gated = candidate.Gated,
            Source = candidate.Kind == FitCandidateKind.BoostedTreesExtracted ? candidate.Source : null,
            Layer = candidate.Kind == FitCandidateKind.BoostedTreesExtracted ? plan.FeatureLayer : null,
            Models = [.. models],
        };
    }

    /// <summary><paramref name="data"/>'s rows with <paramref name="targets"/> in place of its own.</summary>
    internal static FeaturizedData WithTargets(FeaturizedData data, float[] targets) =>
        new(data.Records, data.Features, data.Width, targets, []);

    private static string Append(string? note, string more) => note is null ? more : $"{note}; {more}";

    /// <summary>The fit's lines, to the caller's log and to fit.log.</summary>
    internal sealed class Say(TextWriter log, TextWriter file)
    {
        public TextWriter Writer => log;

        public void Line(string text)
        {
            log.WriteLine(text);
            file.WriteLine(text);
        }
    }
}

/// <summary>How clipping at 0 changed the blend's out-of-fold MAE.</summary>
/// <param name="MaeUnclipped">The blend's MAE without clipping.</param>
/// <param name="MaeClipped">With clipping (the model's).</param>
/// <param name="NegativeRows">Out-of-fold rows the unclipped blend put below 0.</param>
public sealed record ClippingEffect(double MaeUnclipped, double MaeClipped, int NegativeRows);
