using System.Diagnostics;
using System.Globalization;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>What a screened fine-tune reports: the final run of the chosen source, and the screening that chose it.</summary>
/// <param name="Final">The fine-tune of the chosen source at the full budget, in the run folder.</param>
/// <param name="Screening">Every source's score, as <c>screening.json</c> records them.</param>
public sealed record ScreenedRunSummary(TrainRunSummary Final, ScreeningFile Screening);

/// <summary>
/// <c>finetune --source A,B,…</c>: chooses the source model for a target on validation only, then
/// fine-tunes it. Every source is first fine-tuned briefly — with the run's options, seed and
/// split, never its test file — in <c>screening/&lt;n&gt;-&lt;source&gt;/</c> of the run folder and
/// scored by its best validation MAE (<see cref="ScreeningBudget"/>: a fixed number of epochs
/// each, or successive halving); <c>screening.json</c> records the scores; then the winner is
/// fine-tuned afresh at the full budget in the run folder itself, whose config.json names it as
/// <c>source</c> (and the candidates as <c>sources</c>). FineTune and ModFineTune
/// (<see cref="TrainRunOptions.ReinitializeLast"/>) both apply to every source; a multi-output
/// source gets a new one-unit output layer either way (<see cref="SourceModel.ResolveHead"/>).
/// </summary>
/// <remarks>
/// Everything that would fail any source — a missing model, other input features, an architecture
/// or freeze count the options cannot apply to it — fails before the run folder is created. The
/// run folder is held (<see cref="RunFolder.Lock"/>) from its creation to the final run's end. A
/// final run that was interrupted resumes as any run (<c>--resume RUN</c>: its config.json names
/// the chosen source); an interrupted screening is started again in a new folder (its runs are short).
/// </remarks>
public static class SourceScreening
{
    /// <summary>Screens <paramref name="sources"/> on the files of <paramref name="options"/> and fine-tunes the winner.</summary>
    /// <param name="options">The fine-tune's options; <see cref="TrainRunOptions.SourceModel"/> is set per source.</param>
    /// <param name="sources">Two or more source models (run folders, model.json or model.safetensors).</param>
    /// <param name="budget">How to screen them.</param>
    /// <param name="log">Progress lines.</param>
    /// <param name="progress">The final run's per-epoch metrics (the screening runs report to <paramref name="log"/>).</param>
    /// <param name="cancellation">Stops the screening between runs, or the run under way as training does.</param>
    /// <exception cref="OptionException">A source, the budget or an option that cannot apply to some source; nothing is written.</exception>
    public static ScreenedRunSummary Run(
        TrainRunOptions options, IReadOnlyList<string> sources, ScreeningBudget budget, TextWriter log,
        IProgress<EpochMetrics>? progress = null, CancellationToken cancellation = default) =>
        Run(options, sources, budget, inMemory: null, log, progress, cancellation);

    /// <summary>As the public <see cref="Run(TrainRunOptions, IReadOnlyList{string}, ScreeningBudget, TextWriter, IProgress{EpochMetrics}?, CancellationToken)"/>, on rows featurised in memory when given.</summary>
    internal static ScreenedRunSummary Run(
        TrainRunOptions options, IReadOnlyList<string> sources, ScreeningBudget budget, (FeaturizedData Data, string TargetName)? inMemory,
        TextWriter log, IProgress<EpochMetrics>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(log);
        var candidates = Prepare(options, sources, budget, log);
        var top = new RunFolder(options.OutputDirectory);
        var existed = Directory.Exists(top.Path);
        var clock = Stopwatch.StartNew();
        var (_, held) = RunFolder.CreateLocked(top.Path);
        using (held)
        {
            List<Score> scores;
            try
            {
                scores = Screen(top, candidates, budget, inMemory, log, cancellation);
            }
            catch (Exception e) when (e is UsageException or DataFileException or Chemistry.FormulaException && !AnyScreeningRunExists(top))
            {
                // Bad data or options found by the first run, before it made its folder: leave nothing behind.
                held.Dispose();
                RemoveEmpty(top, existed);
                throw;
            }
            var winner = scores.Where(s => s.ValidationMae is not null).MinBy(s => (s.ValidationMae!.Value, s.Index))
                ?? throw new UsageException($"{top.Path}: the training of every source diverged while screened (their runs are in {top.ScreeningFolder}); try a smaller --lr.");
            var chosen = candidates[winner.Index];
            var screening = Record(options, budget, candidates, scores, winner.Index, top, clock.Elapsed.TotalSeconds);
            top.WriteScreening(screening);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"screening chose {chosen.Path} (validation MAE {winner.ValidationMae:G6} after {winner.Epochs} epochs) of {candidates.Count} sources in {clock.Elapsed.TotalSeconds:F1} s; fine-tuning it at the full budget in {top.Path}"));
            var final = TrainingRun.Run(chosen.Options with { OutputDirectory = top.Path }, new TrainingRun.RunContext
            {
                InMemory = inMemory,
                FolderHeld = true,
                Screening = new TrainingRun.ScreeningLines([.. sources], budget.Strategy, budget.Epochs),
            }, log, progress, cancellation);
            return new ScreenedRunSummary(final, screening);
        }
    }

    // One source as the screening runs it: its path as given, its checked model, and the run options for it.
    private sealed record Candidate(int Index, string Path, SourceModel Source, TrainRunOptions Options, string WeightsSha256);

    // One source's standing: its best validation MAE so far (null once diverged), and its runs.
    private sealed record Score(int Index, double? ValidationMae, int BestEpoch, int Epochs, int Rounds, string StopReason, double Seconds, int TrainRows, int ValidationRows);

    // Checks everything that does not need the data, for every source, before anything is written:
    // each source exists and takes these features, and the options (architecture, freeze count,
    // dropout, regularisation, input scaling) apply to it.
    private static List<Candidate> Prepare(TrainRunOptions options, IReadOnlyList<string> sources, ScreeningBudget budget, TextWriter log)
    {
        budget.Check();
        if (options.Resume)
        {
            throw new OptionException(nameof(TrainRunOptions.Resume), options.OutputDirectory,
                "a screened fine-tune resumes as one run of the source it chose (its config.json names it); give --resume alone.");
        }
        if (sources.Count < 2)
        {
            throw new OptionException(nameof(TrainRunOptions.SourceModel), string.Join(",", sources), "screening needs two or more source models, comma-separated.");
        }
        RunFolder.CheckNew(options.OutputDirectory);
        var features = FeatureSource.Resolve(options.Features, new FeaturizerOptions { OnUnsupported = options.OnUnsupported, MinElements = options.MinElements });
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var candidates = new List<Candidate>();
        foreach (var path in sources)
        {
            var source = SourceModel.Load(path, options.Features, features);
            if (seen.TryGetValue(System.IO.Path.GetFullPath(source.ManifestPath), out var earlier))
            {
                throw new OptionException(nameof(TrainRunOptions.SourceModel), path, $"names the same model as {earlier}; give each source once.");
            }
            seen[System.IO.Path.GetFullPath(source.ManifestPath)] = path;
            var sourceOptions = SourceModel.ResolveHead(options with { SourceModel = path }, source, log);
            try
            {
                NetworkDesign.Resolve(sourceOptions, source);
                NetworkDesign.ResolveInputScaling(sourceOptions, source, features);
            }
            catch (OptionException e) when (!e.Problem.Contains(source.ManifestPath, StringComparison.Ordinal))
            {
                // Say which of the sources the option does not fit (a freeze count, an architecture).
                throw new OptionException(e.Option, e.Value, $"{e.Problem.TrimEnd('.')} (for the source {path}).", e);
            }
            candidates.Add(new Candidate(candidates.Count, path, source, sourceOptions, ModelFiles.Sha256(source.WeightsPath)));
        }
        return candidates;
    }

    // The rounds: every survivor trains to the round's epochs (resuming its run after the first
    // round), then the better half goes on. A source whose run stopped early (patience, time) or
    // diverged trains no further; its score stands.
    private static List<Score> Screen(
        RunFolder top, IReadOnlyList<Candidate> candidates, ScreeningBudget budget, (FeaturizedData Data, string TargetName)? inMemory,
        TextWriter log, CancellationToken cancellation)
    {
        var rounds = budget.RoundEpochs(candidates.Count);
        var scores = candidates.Select(c => new Score(c.Index, double.PositiveInfinity, 0, 0, 0, "", 0, 0, 0)).ToList();
        var survivors = candidates.Select(c => c.Index).ToList();
        for (var round = 0; round < rounds.Count; round++)
        {
            var epochs = rounds[round];
            foreach (var index in survivors)
            {
                cancellation.ThrowIfCancellationRequested();
                var before = scores[index];
                if (round > 0 && before.StopReason != "max-epochs")
                {
                    continue;
                }
                scores[index] = Train(top, candidates[index], before, epochs, last: round == rounds.Count - 1, inMemory, cancellation);
                cancellation.ThrowIfCancellationRequested();
                var now = scores[index];
                var where = rounds.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $" round {round + 1}/{rounds.Count}") : "";
                var score = now.ValidationMae is { } mae
                    ? string.Create(CultureInfo.InvariantCulture, $"validation MAE {mae:G6} (best epoch {now.BestEpoch} of {now.Epochs})")
                    : "diverged";
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"screening{where} {index + 1}/{candidates.Count} {candidates[index].Path}: {score}, {now.Seconds:F1} s"));
            }
            if (round < rounds.Count - 1)
            {
                var kept = survivors.OrderBy(i => scores[i].ValidationMae ?? double.PositiveInfinity).ThenBy(i => i).Take((survivors.Count + 1) / 2).Order().ToList();
                log.WriteLine($"screening round {round + 1}: {string.Join(", ", kept.Select(i => candidates[i].Path))} go on to {rounds[round + 1]} epochs; "
                    + $"{string.Join(", ", survivors.Except(kept).Select(i => candidates[i].Path))} dropped");
                survivors = kept;
            }
        }
        // Only the scores remain of the screening runs: their checkpoints (for the next round) and
        // weights are large and a short fine-tune's model is of no further use.
        foreach (var candidate in candidates)
        {
            var run = top.ScreeningRun(candidate.Index + 1, candidate.Path);
            if (Directory.Exists(run.Path))
            {
                run.DeleteCheckpoint();
                run.DeleteWeights();
            }
        }
        return scores;
    }

    // One source's run for one round: new in the first, resumed from its checkpoint after.
    private static Score Train(
        RunFolder top, Candidate candidate, Score before, int epochs, bool last, (FeaturizedData Data, string TargetName)? inMemory, CancellationToken cancellation)
    {
        var run = top.ScreeningRun(candidate.Index + 1, candidate.Path);
        var options = candidate.Options with
        {
            OutputDirectory = run.Path,
            // Selection on validation only: the screening runs never see the test file.
            TestPath = null,
            MaxEpochs = epochs,
            Resume = before.Rounds > 0,
            // Checkpointed only at a round's end, for the next round; the last round needs none.
            CheckpointEvery = last ? 0 : 1,
            CheckpointInterval = TimeSpan.MaxValue,
        };
        var clock = Stopwatch.StartNew();
        try
        {
            var summary = TrainingRun.Run(options, new TrainingRun.RunContext { InMemory = inMemory, WritePlots = false }, TextWriter.Null, null, cancellation);
            var t = summary.Training;
            var validation = summary.Metrics.Single(m => m.Split == "validation");
            return new Score(candidate.Index, t.BestValidationMae, t.BestEpoch, t.Epochs, before.Rounds + 1, t.StopReason,
                before.Seconds + clock.Elapsed.TotalSeconds, summary.Metrics.Single(m => m.Split == "train").Count, validation.Count);
        }
        catch (TrainingDivergedException)
        {
            // A source whose fine-tune diverges is out of the running, not the end of the screening.
            return before with { ValidationMae = null, Rounds = before.Rounds + 1, StopReason = "diverged", Seconds = before.Seconds + clock.Elapsed.TotalSeconds };
        }
    }

    private static ScreeningFile Record(
        TrainRunOptions options, ScreeningBudget budget, IReadOnlyList<Candidate> candidates, IReadOnlyList<Score> scores, int chosen, RunFolder top, double seconds)
    {
        var counted = scores.FirstOrDefault(s => s.ValidationRows > 0);
        return new ScreeningFile
        {
            Strategy = budget.Strategy,
            Epochs = budget.Epochs,
            RoundEpochs = [.. budget.RoundEpochs(candidates.Count)],
            Seed = options.Seed,
            TrainRows = counted?.TrainRows ?? 0,
            ValidationRows = counted?.ValidationRows ?? 0,
            Chosen = candidates[chosen].Path,
            Seconds = seconds,
            Sources = [.. candidates.Select(c => new ScreenedSource
            {
                Source = c.Path,
                WeightsSha256 = c.WeightsSha256,
                Folder = System.IO.Path.GetRelativePath(top.Path, top.ScreeningRun(c.Index + 1, c.Path).Path).Replace('\\', '/'),
                Outputs = c.Source.Outputs,
                TransferMode = c.Options.ReinitializeLast ? "modfinetune" : "finetune",
                ValidationMae = scores[c.Index].ValidationMae,
                BestEpoch = scores[c.Index].BestEpoch,
                Epochs = scores[c.Index].Epochs,
                Rounds = scores[c.Index].Rounds,
                StopReason = scores[c.Index].StopReason,
                Seconds = scores[c.Index].Seconds,
                Chosen = c.Index == chosen,
            })],
        };
    }

    private static bool AnyScreeningRunExists(RunFolder top) =>
        Directory.Exists(top.ScreeningFolder) && Directory.EnumerateFileSystemEntries(top.ScreeningFolder).Any();

    // The folder this screening made, emptied of its own lock: removed again (kept if it existed before, as the caller's).
    private static void RemoveEmpty(RunFolder top, bool existed)
    {
        if (Directory.Exists(top.ScreeningFolder) && !Directory.EnumerateFileSystemEntries(top.ScreeningFolder).Any())
        {
            Directory.Delete(top.ScreeningFolder);
        }
        if (!existed && Directory.Exists(top.Path) && !Directory.EnumerateFileSystemEntries(top.Path).Any())
        {
            Directory.Delete(top.Path);
        }
    }
}
