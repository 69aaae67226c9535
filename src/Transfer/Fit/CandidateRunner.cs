using System.Diagnostics;
using System.Globalization;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Baselines;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Fit;

/// <summary>How a candidate's run ended.</summary>
internal enum CandidateStatus
{
    /// <summary>Every validated fold finished: it has an out-of-fold prediction for every validated row.</summary>
    Ran,

    /// <summary>The time limit stopped it (before it started or in a fold): left out of the blend.</summary>
    Cut,

    /// <summary>It failed (diverged, or an error of its own): left out of the blend.</summary>
    Failed,
}

/// <summary>One candidate's run: its out-of-fold predictions, models, time and fate.</summary>
internal sealed class CandidateOutcome(FitCandidate candidate)
{
    public FitCandidate Candidate { get; } = candidate;

    public CandidateStatus Status { get; set; } = CandidateStatus.Ran;

    /// <summary>One prediction per training row (NaN where no model scored it out of fold), in target units.</summary>
    public float[]? OutOfFold { get; set; }

    /// <summary>The fold models, relative to the fit folder.</summary>
    public List<string> Models { get; } = [];

    /// <summary>A tree candidate's inputs over every training row (for the refit).</summary>
    public FeaturizedData? Inputs { get; set; }

    public TimeSpan Elapsed { get; set; }

    public List<string> Epochs { get; } = [];

    public double? OutOfFoldMae { get; set; }

    public double Weight { get; set; }

    public string? Note { get; set; }

    public string Describe() => Status switch
    {
        CandidateStatus.Ran => string.Create(CultureInfo.InvariantCulture,
            $"ran in {Elapsed.TotalSeconds:F1} s{(Epochs.Count > 0 ? $" (epochs, best: {string.Join(' ', Epochs)})" : "")}"),
        CandidateStatus.Cut => $"cut: {Note}",
        _ => $"failed: {Note}",
    };

    public FitScoreRecord ToRecord(FitPlan plan) => new()
    {
        Candidate = Candidate.Name,
        Description = Candidate.Describe(plan),
        Status = Status.ToString().ToLowerInvariant(),
        OutOfFoldMae = OutOfFoldMae,
        Seconds = Math.Round(Elapsed.TotalSeconds, 1),
        Weight = Weight,
        Epochs = Epochs.Count > 0 ? string.Join(' ', Epochs) : null,
        Note = Note,
    };
}

/// <summary>
/// Runs one candidate over the folds: networks through <see cref="TrainingRun"/> (one run folder per
/// fold, early stopping on a tenth of the fold's training rows, never on the rows it is scored on),
/// trees in memory (one archive per fold). Each fold model predicts its own validation rows, and
/// only those: the out-of-fold predictions the blend is learned on.
/// </summary>
internal sealed class CandidateRunner(
    FitOptions options, FitPlan plan, FitData data, FoldPlan folds, FitFolder folder, TextWriter fileLog, FitRun.Say say,
    IProgress<FitProgress>? progress, Stopwatch clock, int total, CancellationToken cancellation)
{
    private readonly Dictionary<string, FeaturizedData> _extracted = new(StringComparer.Ordinal);

    public CandidateOutcome Run(FitCandidate candidate, int done)
    {
        var outcome = new CandidateOutcome(candidate);
        var started = clock.Elapsed;
        try
        {
            if (Remaining() is { } left && left < MinimumTime(candidate))
            {
                return Cut(outcome, string.Create(CultureInfo.InvariantCulture,
                    $"not started: {Math.Max(0, left.TotalSeconds):F0} s of the time limit were left for it"));
            }
            outcome.OutOfFold = Enumerable.Repeat(float.NaN, data.Count).ToArray();
            return candidate.IsNetwork ? RunNetwork(outcome, done) : RunTrees(outcome, done);
        }
        finally
        {
            outcome.Elapsed = clock.Elapsed - started;
        }
    }

    /// <summary>The targets a candidate is fitted to: log(1 + y) for the log-space kind, else y.</summary>
    public static float[] FitTargets(FitCandidate candidate, float[] targets) =>
        candidate.LogTarget ? [.. targets.Select(t => MathF.Log(1f + t))] : targets;

    // Time left before the finishing reserve, or null without a time limit.
    private TimeSpan? Remaining() => options.TimeLimit is { } limit ? limit - clock.Elapsed - FitRun.FinishingReserve : null;

    private TimeSpan MinimumTime(FitCandidate candidate) =>
        candidate.IsNetwork ? FitRun.MinimumFoldTime * folds.ValidatedFolds : TimeSpan.FromSeconds(2);

    private static CandidateOutcome Cut(CandidateOutcome outcome, string why)
    {
        outcome.Status = CandidateStatus.Cut;
        outcome.Note = why;
        outcome.OutOfFold = null;
        return outcome;
    }

    private static CandidateOutcome Failed(CandidateOutcome outcome, string why)
    {
        outcome.Status = CandidateStatus.Failed;
        outcome.Note = why;
        outcome.OutOfFold = null;
        return outcome;
    }

    private void Stage(FitCandidate candidate, int done, string text) =>
        progress?.Report(new FitProgress(done, total, candidate.Name, text, clock.Elapsed, FitProgressKind.Stage));

    private string FoldText(int fold) => folds.IsHoldout ? "validation split" : string.Create(CultureInfo.InvariantCulture, $"fold {fold + 1}/{folds.ValidatedFolds}");

    private CandidateOutcome RunNetwork(CandidateOutcome outcome, int done)
    {
        var candidate = outcome.Candidate;
        var budget = candidate.Kind == FitCandidateKind.ScratchPa ? plan.ScratchTime : plan.TransferTime;
        var candidateClock = Stopwatch.StartNew();
        for (var fold = 0; fold < folds.ValidatedFolds; fold++)
        {
            cancellation.ThrowIfCancellationRequested();
            // The candidate's time is shared by its remaining folds; a fold that stops early leaves more to the next.
            var left = budget - candidateClock.Elapsed;
            if (Remaining() is { } remaining && remaining < left)
            {
                left = remaining;
            }
            var perFold = left / (folds.ValidatedFolds - fold);
            if (perFold < FitRun.MinimumFoldTime)
            {
                return Cut(outcome, string.Create(CultureInfo.InvariantCulture, $"{FoldText(fold)} had {Math.Max(0, perFold.TotalSeconds):F0} s left"));
            }
            Stage(candidate, done, $"{FoldText(fold)}: training");
            var relative = FitFolder.FoldModel(candidate.Name, fold, network: true);
            var validationRows = folds.ValidationRows(fold);
            var (fitRows, stopRows) = EarlyStoppingSplit(folds.TrainRows(fold), fold);
            var runOptions = new TrainRunOptions
            {
                TrainPaths = [options.TrainPath],
                FormulaColumn = options.FormulaColumn,
                TargetColumn = options.TargetColumn,
                Features = candidate.Features,
                SourceModel = candidate.Source,
                ReinitializeLast = candidate.Kind == FitCandidateKind.ModFineTune,
                Architecture = candidate.Kind == FitCandidateKind.ScratchPa ? plan.ScratchArchitecture : null,
                MaxEpochs = plan.NetworkMaxEpochs,
                Patience = plan.NetworkPatience,
                TimeLimit = perFold,
                Device = options.Device,
                Seed = options.Seed + fold,
                // Nothing here is resumed: a checkpoint (74 MB for ElemNet) would only cost time.
                CheckpointEvery = 0,
                OutputDirectory = folder.Resolve(relative),
                Splits = Splits(fold, fitRows, stopRows),
            };
            TrainRunSummary run;
            try
            {
                var foldText = FoldText(fold);
                var epochs = new ActionProgress<EpochMetrics>(m => progress?.Report(new FitProgress(done, total, candidate.Name,
                    string.Create(CultureInfo.InvariantCulture, $"{foldText}: epoch {m.Epoch}, validation MAE {m.ValidationMae:G4}"), clock.Elapsed, FitProgressKind.Epoch)));
                run = TrainingRun.Run(runOptions, fileLog, epochs, cancellation);
            }
            catch (OptionException e) when (e.Option == nameof(TrainRunOptions.TimeLimit))
            {
                return Cut(outcome, $"{FoldText(fold)}: its time ran out before the first epoch ended");
            }
            catch (TrainingDivergedException e)
            {
                return Failed(outcome, $"{FoldText(fold)}: {e.Message}");
            }
            catch (UsageException e)
            {
                say.Line($"{candidate.Name}: {FoldText(fold)} failed: {e.Message}");
                return Failed(outcome, $"{FoldText(fold)}: {e.Message}");
            }
            outcome.Models.Add(relative);
            outcome.Epochs.Add(string.Create(CultureInfo.InvariantCulture, $"{run.Training.Epochs}({run.Training.BestEpoch})"));
            // The fold's own rows, scored by the saved model exactly as predict will score new rows.
            using (var model = MaterialsModel.Load(run.OutputDirectory, options.Device))
            {
                var rows = model.Features.Featurize(new MaterialsTable(options.TrainPath, "formula", null, [.. validationRows.Select(i => data.Fractions.Records[i])]));
                if (rows.Count != validationRows.Length)
                {
                    throw new InvalidOperationException($"{run.OutputDirectory}: the model featurised {rows.Count} of the fold's {validationRows.Length} rows.");
                }
                var predictions = model.Predict(rows);
                for (var j = 0; j < validationRows.Length; j++)
                {
                    outcome.OutOfFold![validationRows[j]] = predictions[j];
                }
            }
        }
        return outcome;
    }

    // The fold's training rows split for early stopping: whole compositions, seeded per fold.
    private (int[] Fit, int[] Stop) EarlyStoppingSplit(int[] trainRows, int fold)
    {
        var inner = FoldPlan.Holdout([.. trainRows.Select(i => data.Groups[i])], plan.EarlyStoppingFraction, options.Seed + 1000 + fold);
        return ([.. inner.TrainRows(0).Select(j => trainRows[j])], [.. inner.ValidationRows(0).Select(j => trainRows[j])]);
    }

    // The rows by (file, line), as a cross-validation fold hands them to a training run: the
    // network trains on fitRows and stops early on stopRows; the fold's own rows are not in either.
    private SplitsFile Splits(int fold, int[] fitRows, int[] stopRows)
    {
        SplitRows Rows(int[] indices) => new()
        {
            Files = [options.TrainPath],
            FileIndex = new int[indices.Length],
            Lines = [.. indices.Select(i => data.Fractions.Records[i].Line)],
            Formulas = [.. indices.Select(i => data.Fractions.Records[i].Formula)],
        };
        return new SplitsFile
        {
            Seed = options.Seed,
            ValidationSource = string.Create(CultureInfo.InvariantCulture,
                $"fit: {FoldText(fold)}; early stopping on {plan.EarlyStoppingFraction:P0} of its training rows, grouped by reduced composition, seed {options.Seed}"),
            Train = Rows(fitRows),
            Validation = Rows(stopRows),
        };
    }

    private CandidateOutcome RunTrees(CandidateOutcome outcome, int done)
    {
        var candidate = outcome.Candidate;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        if (Remaining() is { } remaining)
        {
            limit.CancelAfter(remaining);
        }
        try
        {
            Stage(candidate, done, candidate.Kind == FitCandidateKind.BoostedTreesExtracted ? "extracting the source's features" : "featurising");
            var inputs = Inputs(candidate);
            outcome.Inputs = inputs;
            var targets = FitTargets(candidate, data.Targets);
            var all = FitRun.WithTargets(inputs, targets);
            for (var fold = 0; fold < folds.ValidatedFolds; fold++)
            {
                Stage(candidate, done, $"{FoldText(fold)}: fitting");
                var validationRows = folds.ValidationRows(fold);
                var model = FitTrees(candidate, all, folds.TrainRows(fold), options.Seed, limit.Token);
                var predictions = model.Predict(DataLoading.Subset(all, validationRows));
                for (var j = 0; j < validationRows.Length; j++)
                {
                    outcome.OutOfFold![validationRows[j]] = predictions[j];
                }
                var relative = FitFolder.FoldModel(candidate.Name, fold, network: false);
                Directory.CreateDirectory(folder.Resolve(FitFolder.CandidateFolder(candidate.Name)));
                model.Save(folder, relative);
                outcome.Models.Add(relative);
            }
            return outcome;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return Cut(outcome, "the time limit ran out while it was fitting");
        }
        catch (UsageException e)
        {
            return Failed(outcome, e.Message);
        }
    }

    /// <summary>
    /// Fits a tree candidate on <paramref name="rows"/> of <paramref name="all"/> (targets already in
    /// the candidate's space, <see cref="FitTargets"/>): its trees, and for a gated candidate the gate
    /// on every row and the trees on the positive rows only.
    /// </summary>
    public static FittedTrees FitTrees(FitCandidate candidate, FeaturizedData all, int[] rows, int seed, CancellationToken cancellation)
    {
        var train = DataLoading.Subset(all, rows);
        if (!candidate.Gated)
        {
            return new FittedTrees(candidate, TreeModel.Fit(candidate.TreeModel, train, seed, cancellation), null);
        }
        var gate = GateModel.Fit(train, seed, cancellation);
        var positive = rows.Where(i => all.Targets![i] > 0).ToArray();
        return new FittedTrees(candidate, TreeModel.Fit(candidate.TreeModel, DataLoading.Subset(all, positive), seed, cancellation), gate);
    }

    private FeaturizedData Inputs(FitCandidate candidate)
    {
        switch (candidate.Features)
        {
            case "ef":
                return data.Fractions;
            case "pa":
                return data.Attributes;
            default:
                var source = candidate.Source!;
                if (!_extracted.TryGetValue(source, out var extracted))
                {
                    extracted = FitModel.ExtractedFeatures(source, plan.FeatureLayer, data.Table, options.Device);
                    _extracted[source] = extracted;
                }
                return extracted;
        }
    }

    // Reports on the calling thread, at once (System.Progress would post them to the thread pool).
    private sealed class ActionProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

/// <summary>A tree candidate's fitted models: the trees, and the gate of a gated candidate.</summary>
internal sealed record FittedTrees(FitCandidate Candidate, TreeModel Trees, GateModel? Gate)
{
    /// <summary>Predictions in target units: exp(p) − 1 in log space, 0 where the gate gives P(y &gt; 0) &lt; 0.5.</summary>
    public float[] Predict(FeaturizedData data) => Combine(Trees.Predict(data), Gate?.Probabilities(data), Candidate.LogTarget);

    /// <summary>The member's prediction from its trees' raw output and its gate's probabilities (null: no gate).</summary>
    public static float[] Combine(float[] raw, float[]? gate, bool logTarget)
    {
        for (var i = 0; i < raw.Length; i++)
        {
            raw[i] = gate is not null && gate[i] < 0.5f ? 0f : logTarget ? MathF.Exp(raw[i]) - 1f : raw[i];
        }
        return raw;
    }

    /// <summary>Saves the trees at <paramref name="relative"/> and the gate beside them.</summary>
    public void Save(FitFolder folder, string relative)
    {
        Trees.Save(folder.Resolve(relative));
        Gate?.Save(folder.Resolve(FitFolder.GateModel(relative)));
    }
}

