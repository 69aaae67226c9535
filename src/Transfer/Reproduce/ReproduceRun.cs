using System.Globalization;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network.Spec;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Reproduce;

/// <summary>What happened to one (data set, method) in a grid run.</summary>
public enum GridOutcome
{
    /// <summary>Its result file existed (status ok) and was left alone.</summary>
    Skipped,

    /// <summary>It ran and its result was written.</summary>
    Ran,

    /// <summary>It failed; a result with status <c>failed</c> and the message was written, and the next grid run tries it again.</summary>
    Failed,

    /// <summary>Another live process holds its claim (<see cref="GridClaim"/>) and is running it; left to that process.</summary>
    Busy,

    /// <summary>An ensemble whose members' results cannot be averaged yet (missing, failed, without predictions); nothing was written, and <see cref="GridEntry.Reason"/> says why.</summary>
    NotComputable,
}

/// <summary>One (data set, method) of a grid run.</summary>
/// <param name="Dataset">Data set name.</param>
/// <param name="Method">Method.</param>
/// <param name="Outcome">Skipped, ran, failed, or busy in another process.</param>
/// <param name="Result">The result file's content (the existing one when skipped); null when busy or not computable.</param>
/// <param name="Path">The result file.</param>
/// <param name="Reason">Why an ensemble is not computable, in one line; null otherwise.</param>
public sealed record GridEntry(string Dataset, ReproduceMethod Method, GridOutcome Outcome, MethodResult? Result, string Path, string? Reason = null);

/// <summary>Where a grid run stands, reported when a (data set, method) starts and when it is finished.</summary>
/// <param name="Done">(Data set, method) pairs finished so far, skipped ones included.</param>
/// <param name="Total">Pairs in the grid: data sets × methods.</param>
/// <param name="Dataset">The data set now starting or just finished.</param>
/// <param name="Method">Its method.</param>
/// <param name="Outcome">Null when starting; how it ended when finished.</param>
public sealed record GridStep(int Done, int Total, string Dataset, ReproduceMethod Method, GridOutcome? Outcome);

/// <summary>
/// The <c>reproduce</c> verb's grid: for each data set and method, one result file in the results
/// folder (<c>&lt;set&gt;/&lt;method&gt;.json</c>). A method whose result exists with status ok is
/// skipped, so the grid resumes where it stopped; a method runs only under its <see cref="GridClaim"/>,
/// so several processes (or machines sharing the folder) can run the same grid side by side, each
/// taking the pairs the others do not hold; every method of a set uses the set's one
/// validation split (<c>&lt;set&gt;/splits.json</c>); the test file is scored, never selected on.
/// The ensembles come last and train nothing: each is derived from its members' result files
/// (<see cref="MethodEnsemble"/>), again whenever those change. A task of an array
/// (<see cref="ReproduceOptions.GridTask"/>) runs only the pairs <see cref="GridPartition"/> deals it,
/// and no ensemble.
/// </summary>
public static class ReproduceRun
{
    /// <summary>Runs the grid; progress to <paramref name="log"/>. A method's failure is recorded and the grid goes on.</summary>
    /// <exception cref="UsageException">Bad data set, method, source, layer, architecture or budget, found before anything runs.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; finished results are kept and an interrupted network keeps its checkpoint.</exception>
    public static IReadOnlyList<GridEntry> Run(ReproduceOptions options, TextWriter log, CancellationToken cancellation = default) =>
        Run(options, log, null, cancellation);

    /// <summary>Runs the grid; progress to <paramref name="log"/> and, per (data set, method) started and finished, to <paramref name="progress"/>.</summary>
    /// <exception cref="UsageException">Bad data set, method, source, layer, architecture or budget, found before anything runs.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; finished results are kept and an interrupted network keeps its checkpoint.</exception>
    public static IReadOnlyList<GridEntry> Run(ReproduceOptions options, TextWriter log, IProgress<GridStep>? progress, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var sets = TargetDataset.Resolve(options.DataRoot, options.Datasets);
        Validate(options, sets);
        // The paper's methods and, with --sources, their zoo variants.
        var gridMethods = options.GridMethods;
        var share = options.GridTask is { } task ? TakeShare(options, sets, task, log) : null;
        // A task runs its share; the whole grid runs every requested pair.
        IReadOnlyList<ReproduceMethod> MethodsOf(TargetDataset set) =>
            share is null ? gridMethods : [.. gridMethods.Where(m => share.Contains(new GridPair(set.Name, m)))];
        var total = share?.Count ?? sets.Count * gridMethods.Count;

        var entries = new List<GridEntry>();
        void Record(string dataset, ReproduceMethod method, GridOutcome outcome, MethodResult? result, string path, string? reason = null)
        {
            entries.Add(new GridEntry(dataset, method, outcome, result, path, reason));
            progress?.Report(new GridStep(entries.Count, total, dataset, method, outcome));
        }
        using var runner = new MethodRunner(options, log, cancellation);
        foreach (var set in sets)
        {
            var methods = MethodsOf(set);
            if (methods.Count == 0)
            {
                continue;
            }
            var setResults = Path.Combine(options.ResultsDirectory, set.Name);
            // An ensemble is checked when its turn comes, after the members this pass may run again.
            var pending = methods.Where(m => m.IsEnsemble() || !IsDone(setResults, m, runner, set.Name, log)).ToList();
            foreach (var method in methods.Except(pending))
            {
                var path = ResultPath(options.ResultsDirectory, set.Name, method);
                Record(set.Name, method, GridOutcome.Skipped, MethodResult.Load(path), path);
            }
            if (pending.Count == 0)
            {
                log.WriteLine($"{set.Name}: every requested method has a result in {setResults}; skipped");
                continue;
            }
            var splitsPath = Path.Combine(setResults, SharedSplit.FileName);
            // Ensembles alone carve no split: without one, none of their members has a result.
            var splits = pending.Any(m => !m.IsEnsemble()) || File.Exists(splitsPath)
                ? SharedSplit.LoadOrCreate(set, setResults, options.Seed, options.ValidationFraction, log)
                : null;
            foreach (var method in pending)
            {
                cancellation.ThrowIfCancellationRequested();
                var path = ResultPath(options.ResultsDirectory, set.Name, method);
                using var claim = GridClaim.TryTake(path, log, out var holder);
                if (claim is null)
                {
                    log.WriteLine($"{set.Name} {method.Name()}: {holder} is running it; left to it (delete {GridClaim.PathFor(path)} if that grid is gone)");
                    Record(set.Name, method, GridOutcome.Busy, null, path);
                    continue;
                }
                // Another process may have finished it between this set's start and the claim.
                if (IsDone(setResults, method, runner, set.Name, method.IsEnsemble() ? log : TextWriter.Null))
                {
                    Record(set.Name, method, GridOutcome.Skipped, MethodResult.Load(path), path);
                    continue;
                }
                log.WriteLine($"{set.Name} {method.Name()} ({method.PaperName()}): {(method.IsEnsemble() ? "deriving from its members' results" : "running")}");
                progress?.Report(new GridStep(entries.Count, total, set.Name, method, null));
                MethodResult result;
                GridOutcome outcome;
                try
                {
                    if (method.IsEnsemble())
                    {
                        var (derived, notComputable) = runner.Ensemble(set, splits, splitsPath, method, setResults);
                        if (derived is null)
                        {
                            // Not a failure: nothing is written, and the grid goes on.
                            log.WriteLine($"{set.Name} {method.Name()}: not computable: {notComputable}");
                            Record(set.Name, method, GridOutcome.NotComputable, null, path, notComputable);
                            continue;
                        }
                        result = derived;
                    }
                    else
                    {
                        result = runner.Run(set, splits!, splitsPath, method);
                    }
                    outcome = GridOutcome.Ran;
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{set.Name} {method.Name()}: test MAE {result.TestMae:G5}, validation MAE {result.ValidationMae:G5}{(result.Selected is { } s ? $" ({s})" : "")}{(result.Epochs is { } e ? $", {e} epochs" : "")}, {result.Seconds:F1} s"));
                }
                catch (Exception e) when (e is not (OperationCanceledException or DeviceUnavailableException or OutOfMemoryException))
                {
                    // One method's failure (PA features not available, a bad feature file, a
                    // diverging network) is recorded in its result; the rest of the grid goes on.
                    result = runner.Failed(set, splitsPath, method, e, splits?.UsableRows ?? 0);
                    outcome = GridOutcome.Failed;
                    log.WriteLine($"{set.Name} {method.Name()}: failed: {e.Message}");
                    if (e is not (UsageException or Data.DataFileException))
                    {
                        log.WriteLine(e.ToString());
                    }
                }
                result.Save(path);
                Record(set.Name, method, outcome, result, path);
            }
        }
        return entries;
    }

    // The pairs dealt to this task, once the results folder confirms that every task of the grid
    // splits it alike.
    private static HashSet<GridPair> TakeShare(ReproduceOptions options, IReadOnlyList<TargetDataset> sets, GridTask task, TextWriter log)
    {
        var pairs = GridPartition.Pairs(sets.Select(s => s.Name), options.GridMethods);
        if (pairs.Count == 0)
        {
            throw new OptionException(nameof(options.Methods), string.Join(",", options.Methods.Select(m => m.Name())),
                "only ensembles, which no task of an array derives (they average results other tasks write): derive them in a run without a task index.");
        }
        var record = GridPartition.RecordTaskCount(options.ResultsDirectory, pairs, task);
        var share = GridPartition.Share(pairs, task).ToHashSet();
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{task}: {share.Count} of the grid's {pairs.Count} (data set, method) pairs (task count recorded in {record})"));
        if (options.Methods.Where(m => m.IsEnsemble()).ToList() is { Count: > 0 } ensembles)
        {
            log.WriteLine($"{string.Join(", ", ensembles.Select(m => m.Name()))}: left to the run without a task index after the array (they average results that other tasks write)");
        }
        return share;
    }

    /// <summary>The result file of (<paramref name="dataset"/>, <paramref name="method"/>).</summary>
    public static string ResultPath(string results, string dataset, ReproduceMethod method) =>
        Path.Combine(results, dataset, method.Name() + ".json");

    // A transfer result counts as done only for the source model it was made from: swapping
    // --source (or retraining models/elemnet-oqmd) re-runs the TL methods instead of mixing sources.
    // An ensemble counts as done only while it still averages the members that would be chosen now,
    // in the versions it read.
    private static bool IsDone(string setResults, ReproduceMethod method, MethodRunner runner, string dataset, TextWriter log)
    {
        var path = Path.Combine(setResults, method.Name() + ".json");
        if (!File.Exists(path))
        {
            return false;
        }
        var result = MethodResult.Load(path);
        if (!result.IsUsable)
        {
            return false;
        }
        if (method.IsEnsemble())
        {
            var current = MethodEnsemble.IsCurrent(result, MethodEnsemble.ReadSetResults(setResults));
            if (!current)
            {
                log.WriteLine($"{dataset} {method.Name()}: its members' results changed since {path} was derived; deriving it again");
            }
            return current;
        }
        if (method.IsZoo() && !runner.SameZoo(result.Config))
        {
            log.WriteLine($"{dataset} {method.Name()}: {path} was screened from other source models or with another screening budget than --sources and --screen now give; running it again");
            return false;
        }
        if (method.UsesSource() && result.Config.SourceSha256 != runner.SourceSha256)
        {
            log.WriteLine($"{dataset} {method.Name()}: {path} was made with source sha256 {result.Config.SourceSha256?[..12] ?? "(none)"}…, not {runner.SourceSha256[..12]}…; running it again");
            return false;
        }
        return true;
    }

    // The zoo methods need two or more distinct source models taking elemental fractions, and a sound screening budget.
    private static void ValidateZoo(ReproduceOptions options)
    {
        var zoo = options.GridMethods.Where(m => m.IsZoo()).ToList();
        if (options.Sources is null)
        {
            if (zoo.Count > 0)
            {
                throw new OptionException(nameof(options.Sources), null, $"{string.Join(" and ", zoo.Select(m => m.Name()))} choose their source among source models; give two or more, comma-separated.");
            }
            return;
        }
        options.Screening.Check();
        if (options.Sources.Count < 2)
        {
            throw new OptionException(nameof(options.Sources), string.Join(",", options.Sources), "give two or more source models, comma-separated, to choose from (--source gives the paper's methods their one).");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in options.Sources)
        {
            var manifestPath = MaterialsModel.ResolveManifest(source);
            if (!File.Exists(manifestPath))
            {
                throw new OptionException(nameof(options.Sources), source, $"no model there ({manifestPath} does not exist); give run folders, model.json or model.safetensors files.");
            }
            if (!seen.Add(Path.GetFullPath(manifestPath)))
            {
                throw new OptionException(nameof(options.Sources), source, "is given twice; give each source once.");
            }
            var manifest = ModelManifest.Load(manifestPath);
            if (manifest.FeatureKind != Data.FeatureKind.ElementalFractions)
            {
                throw new OptionException(nameof(options.Sources), source, $"it takes '{manifest.FeatureKind.ToName()}' features; the transfer methods use elemental fractions (ef) only, as the paper's.");
            }
        }
    }

    // Everything that would fail every set alike is checked before the first one starts.
    private static void Validate(ReproduceOptions options, IReadOnlyList<TargetDataset> sets)
    {
        if (options.Methods.Count == 0)
        {
            throw new OptionException(nameof(options.Methods), null, "no method chosen.");
        }
        if (options.ClassicalModels.Count == 0)
        {
            throw new OptionException(nameof(options.ClassicalModels), null, "no model chosen.");
        }
        if (options.LargeClassicalModels.Count == 0)
        {
            throw new OptionException(nameof(options.LargeClassicalModels), null, "no model chosen.");
        }
        // The large tier's options are named Large… beside the standard ones (MaxEpochs, LargeMaxEpochs, …).
        foreach (var (budget, prefix) in new[] { (options.Budget, ""), (options.LargeBudget, "Large") })
        {
            if (budget.MaxEpochs < 1)
            {
                throw new OptionException(prefix + nameof(TrainingBudget.MaxEpochs), budget.MaxEpochs.ToString(CultureInfo.InvariantCulture), "must be at least 1.");
            }
            if (budget.Patience < 1)
            {
                throw new OptionException(prefix + nameof(TrainingBudget.Patience), budget.Patience.ToString(CultureInfo.InvariantCulture), "must be at least 1.");
            }
            if (budget.TimeLimit is { } limit && limit <= TimeSpan.Zero)
            {
                throw new OptionException(prefix + nameof(TrainingBudget.TimeLimit), limit.TotalSeconds.ToString(CultureInfo.InvariantCulture), "must be positive.");
            }
        }
        // Named as the training options name them (the same flags); the grid trains at the default base rate.
        TrainRunOptions.CheckSchedule(options.Schedule, TrainRunOptions.DefaultLearningRate);
        var recipe = options.FineTuning;
        if (recipe.BatchSize < 1)
        {
            throw new OptionException(nameof(TrainRunOptions.BatchSize), recipe.BatchSize.ToString(CultureInfo.InvariantCulture), "must be at least 1.");
        }
        if (!(recipe.LearningRate > 0f && float.IsFinite(recipe.LearningRate)))
        {
            throw new OptionException(nameof(TrainRunOptions.LearningRate), recipe.LearningRate.ToString(CultureInfo.InvariantCulture), "must be a positive number.");
        }
        TrainRunOptions.CheckRegularization(recipe.Regularization, recipe.LearningRate, hasSource: true);
        if (!(options.ValidationFraction > 0 && options.ValidationFraction < 1))
        {
            throw new OptionException(nameof(options.ValidationFraction), options.ValidationFraction.ToString(CultureInfo.InvariantCulture), "must lie strictly between 0 and 1.");
        }
        if (options.Architecture is { } architecture)
        {
            try
            {
                ElemNetSpec.Parse(architecture);
            }
            catch (SpecFormatException e)
            {
                throw new OptionException(nameof(options.Architecture), architecture, e.Message, e);
            }
        }
        ValidateZoo(options);
        if (options.Methods.Any(m => m.UsesSource()))
        {
            var manifestPath = MaterialsModel.ResolveManifest(options.SourceModel);
            if (!File.Exists(manifestPath))
            {
                throw new OptionException(nameof(options.SourceModel), options.SourceModel, $"no model.json there; the transfer methods need a source model (the shipped one is {ReproduceOptions.DefaultSource}).");
            }
            var manifest = ModelManifest.Load(manifestPath);
            if (manifest.FeatureKind != Data.FeatureKind.ElementalFractions)
            {
                throw new OptionException(nameof(options.SourceModel), options.SourceModel, $"it takes '{manifest.FeatureKind.ToName()}' features; the transfer methods use elemental fractions (ef) only, as the paper's.");
            }
            var hidden = ElemNetSpec.Parse(manifest.Architecture).DenseLayerCount - 1;
            if (options.Methods.Any(m => m is ReproduceMethod.MlFeatureExtraction or ReproduceMethod.DlFeatureExtraction))
            {
                if (options.FeatureLayers.Count == 0 || options.FeatureLayers.Any(k => k < 1 || k > hidden))
                {
                    throw new OptionException(nameof(options.FeatureLayers), string.Join(",", options.FeatureLayers),
                        $"the source model {manifestPath} has hidden dense layers 1 to {hidden}.");
                }
            }
        }
        foreach (var set in sets)
        {
            var existing = SharedSplit.ExistingSeed(Path.Combine(options.ResultsDirectory, set.Name));
            if (existing is { } seed && seed != options.Seed)
            {
                throw new OptionException(nameof(options.Seed), options.Seed.ToString(CultureInfo.InvariantCulture),
                    $"{Path.Combine(options.ResultsDirectory, set.Name, SharedSplit.FileName)} was carved with seed {seed}; one results folder holds one split. Use the same seed or another results folder.");
            }
        }
    }
}
