using System.Diagnostics;
using System.Globalization;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>What a finished <c>train</c> run reports.</summary>
/// <param name="OutputDirectory">The run folder.</param>
/// <param name="Device">Where it trained.</param>
/// <param name="Training">Epochs, best epoch, stop reason, history (target units).</param>
/// <param name="Metrics">One entry per split (train, validation, test when given).</param>
/// <param name="Config">The resolved options, as its <c>config.json</c> records them.</param>
public sealed record TrainRunSummary(string OutputDirectory, DeviceInfo Device, TrainingResult Training, IReadOnlyList<RegressionMetrics> Metrics, RunConfig Config)
{
    /// <summary>The run folder, to read its files.</summary>
    public RunFolder Folder => new(OutputDirectory);
}

/// <summary>
/// The <c>train</c> verb's work as named steps: resolve the design (source, network, input
/// scaling), load and split the data, check the folder and memory, train (metrics.csv and
/// checkpoints as epochs finish), then write the model and per-split predictions. Whatever is wrong
/// with the inputs, the checkpoint, the device or the starting weights fails before the run folder
/// is created or anything in it is touched. Every file goes through <see cref="RunFolder"/>.
/// </summary>
public static class TrainingRun
{
    /// <summary>Runs training; progress lines go to <paramref name="log"/>, per-epoch metrics to <paramref name="progress"/>.</summary>
    public static TrainRunSummary Run(TrainRunOptions options, TextWriter log, IProgress<EpochMetrics>? progress = null, CancellationToken cancellation = default) =>
        Run(options, inMemory: null, log, progress, cancellation);

    /// <summary>
    /// Trains on rows already featurised in memory (the embedding API's fine-tuning) instead of
    /// <see cref="TrainRunOptions.TrainPaths"/>; everything else is as <see cref="Run(TrainRunOptions, TextWriter, IProgress{EpochMetrics}?, CancellationToken)"/>.
    /// </summary>
    public static TrainRunSummary Run(TrainRunOptions options, FeaturizedData train, string targetName, TextWriter log, IProgress<EpochMetrics>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        return Run(options, (train, targetName), log, progress, cancellation);
    }

    private static TrainRunSummary Run(TrainRunOptions options, (FeaturizedData Data, string TargetName)? inMemory, TextWriter log, IProgress<EpochMetrics>? progress, CancellationToken cancellation) =>
        Run(options, new RunContext { InMemory = inMemory }, log, progress, cancellation);

    /// <summary>
    /// As <see cref="Run(TrainRunOptions, TextWriter, IProgress{EpochMetrics}?, CancellationToken)"/>,
    /// within <paramref name="context"/>: in-memory rows, and for the final fine-tune of a source
    /// screening a folder its caller already holds and the screening's lines for config.json.
    /// </summary>
    internal static TrainRunSummary Run(TrainRunOptions options, RunContext context, TextWriter log, IProgress<EpochMetrics>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(log);
        var inMemory = context.InMemory;
        var features = FeatureSource.Resolve(options.Features, new FeaturizerOptions { OnUnsupported = options.OnUnsupported, MinElements = options.MinElements });
        if (options.ValidationPath is null && !(options.ValidationFraction > 0 && options.ValidationFraction < 1))
        {
            throw new OptionException(nameof(TrainRunOptions.ValidationFraction), options.ValidationFraction.ToString(CultureInfo.InvariantCulture), "must lie strictly between 0 and 1.");
        }
        var source = SourceModel.Load(options, features);
        options = SourceModel.ResolveHead(options, source, log);
        var network = NetworkDesign.Resolve(options, source);
        var inputScaling = NetworkDesign.ResolveInputScaling(options, source, features);
        var data = RunData.Load(options, inMemory, features, inputScaling, log);
        CheckOutputs(options, network, source, data);
        var folder = new RunFolder(options.OutputDirectory);
        // A resumed run holds its folder from the start; a new one from its creation below.
        using var resumeLock = options.Resume ? folder.Lock(nameof(TrainRunOptions.Resume)) : null;
        var resume = ResumeState(options, folder, data, context.FolderHeld);

        using var lease = BackendPool.Rent(options.Device, options.Gemm);
        var backend = lease.Backend;
        network.CheckMemory(backend.Device, options, data);
        TargetScaler[] scalers = resume is { } saved ? [saved.Scaler] : TargetScalers(options, source, data, log);
        var scaler = scalers[0];
        using var sequential = network.Build(options, source, backend, data.Train.Width, startsFromCheckpoint: resume is not null, log);

        using var newLock = options.Resume || context.FolderHeld ? null : RunFolder.CreateLocked(folder.Path).Lock;
        if (resume is { } r)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"resuming {folder.Path} after epoch {r.State.Epoch} (best epoch {r.State.BestEpoch}, {r.State.Seconds:F0} s trained so far)"));
        }
        log.WriteLine($"device: {backend.Device}");
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"data: {data.Train.Count} train, {data.Validation.Count} validation{(data.Test is null ? "" : $", {data.Test.Count} test")} rows; target '{data.TargetName}'"));
        // A resumed run keeps the config.json its first session wrote.
        var config = resume is null ? RunRecords.Config(options, source, network, data, backend.Device) with
        {
            Sources = context.Screening?.Sources,
            SourceScreening = context.Screening?.Strategy,
            SourceScreeningEpochs = context.Screening?.Epochs,
        } : folder.ReadConfig();
        if (resume is null)
        {
            folder.WriteConfig(config);
            folder.WriteSplits(data.Split.ToFile(options, data.Test));
        }

        var result = Train(options, folder, sequential, network.Trainer, data, scalers, resume?.State, progress, cancellation);
        ReportInterruption(options, result, log, cancellation);
        var diverged = result.StopReason == Trainer.NonFiniteStop;
        if (diverged && result.BestEpoch == 0)
        {
            // No epoch ended sound: the network holds only its starting weights, not a model.
            throw new TrainingDivergedException(ResumableFrom(folder), DivergenceMessage(folder, result, modelWritten: false));
        }
        var manifest = RunRecords.Manifest(options, source, network, features, data, scalers, result, backend.Device);
        folder.SaveModel(manifest, sequential);
        var metrics = WritePredictions(folder, manifest, sequential, scalers, data);
        if (context.WritePlots)
        {
            Reports.RunPlots.TryWrite(folder.Path, log);
        }
        return diverged
            ? throw new TrainingDivergedException(ResumableFrom(folder), DivergenceMessage(folder, result, modelWritten: true))
            : new TrainRunSummary(folder.Path, backend.Device, result, metrics, config);
    }

    // Several targets (a comma list of target columns): the output layer must have one unit per
    // target, and this version trains such a model from scratch, without resuming; every target
    // needs a label in the training and the validation rows (its MAE selects the epoch).
    private static void CheckOutputs(TrainRunOptions options, NetworkDesign network, SourceModel? source, RunData data)
    {
        var outputs = data.Outputs;
        if (outputs > 1 && source is not null)
        {
            throw new OptionException(nameof(TrainRunOptions.SourceModel), source.ManifestPath, $"a run with {outputs} targets trains from scratch in this version.");
        }
        if (network.Spec.OutputUnits != outputs)
        {
            throw new OptionException(nameof(TrainRunOptions.Architecture), network.Spec.ToString(), outputs == 1
                ? $"has {network.Spec.OutputUnits} outputs; one target needs an output layer of 1 (the last block)."
                : $"has {network.Spec.OutputUnits} outputs but there are {outputs} targets ({string.Join(", ", data.TargetNames)}); the last block must be {outputs}, e.g. {ElemNetSpecDefaultWithOutputs(outputs)}.");
        }
        if (outputs == 1)
        {
            return;
        }
        if (options.Resume)
        {
            throw new OptionException(nameof(TrainRunOptions.Resume), "true", $"a run with {outputs} targets cannot be resumed in this version.");
        }
        foreach (var (split, name) in new[] { (data.Train, "training"), (data.Validation, "validation") })
        {
            for (var k = 0; k < outputs; k++)
            {
                var labelled = false;
                for (var i = k; i < split.Targets!.Length && !labelled; i += outputs)
                {
                    labelled = !float.IsNaN(split.Targets[i]);
                }
                if (!labelled)
                {
                    throw new UsageException($"No {name} row has a value for the target '{data.TargetNames[k]}'; each target needs labelled training and validation rows.");
                }
            }
        }
    }

    private static string ElemNetSpecDefaultWithOutputs(int outputs) =>
        Network.Spec.ElemNetSpec.Default[..Network.Spec.ElemNetSpec.Default.LastIndexOf('-')] + "-" + outputs.ToString(CultureInfo.InvariantCulture);

    // One scaler per target: several targets are each standardised over their labelled training
    // rows (or left as they are with 'none').
    private static TargetScaler[] TargetScalers(TrainRunOptions options, SourceModel? source, RunData data, TextWriter log)
    {
        if (data.Outputs == 1)
        {
            return [TargetScaling(options, source, data, log)];
        }
        return options.TargetScaling == Training.TargetScaling.Standard
            ? TargetScaler.FitPerTarget(data.Train.Targets!, data.Outputs)
            : [.. Enumerable.Repeat(TargetScaler.Identity, data.Outputs)];
    }

    // FineTune keeps the source's output layer, so it keeps the source's target scaling too: the
    // model then starts out predicting exactly what the source predicts, in target units. A fresh
    // output layer (ModFineTune) or scratch training fits the scaling to this target.
    private static TargetScaler TargetScaling(TrainRunOptions options, SourceModel? source, RunData data, TextWriter log)
    {
        if (SourceModel.KeepsScaling(options, source))
        {
            if (options.TargetScaling == Training.TargetScaling.None)
            {
                log.WriteLine("target scaling: the source model's (FineTune keeps its output layer); 'none' applies to a fresh output layer or training from scratch");
            }
            return new TargetScaler(source!.Manifest.TargetOffset, source.Manifest.TargetScale);
        }
        return options.TargetScaling == Training.TargetScaling.Standard ? TargetScaler.Fit(data.Train.Targets!) : TargetScaler.Identity;
    }

    // The checkpoint to continue from (null for a new run), after checking that the data are the
    // ones the run started on; a new run's folder must be new.
    private static (TrainingState State, TargetScaler Scaler)? ResumeState(TrainRunOptions options, RunFolder folder, RunData data, bool folderHeld)
    {
        if (!options.Resume)
        {
            // A held folder was made new by its holder, which may have written into it since (a screening).
            if (!folderHeld)
            {
                RunFolder.CheckNew(folder.Path);
            }
            return null;
        }
        var resume = folder.LoadCheckpoint();
        if (File.Exists(folder.SplitsPath))
        {
            ValidationSplit.CheckUnchanged(folder.ReadSplits(), data.Split.ToFile(options, data.Test), folder.SplitsPath);
        }
        return resume;
    }

    // An epoch cut short by Ctrl+C/SIGTERM or the time limit was discarded by the trainer: say so;
    // with no epoch complete there is no model to write (interrupted: exit as interrupted; out of
    // time: the time limit was too short).
    private static void ReportInterruption(TrainRunOptions options, TrainingResult result, TextWriter log, CancellationToken cancellation)
    {
        var what = result.StopReason == "cancelled" ? "interrupted" : "time limit reached";
        if (result.History.Count == 0 && result.StopReason is "cancelled" or "time-limit")
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{what} during epoch {result.InterruptedEpoch ?? 1}: no epoch was completed, so no model or checkpoint was written"));
            cancellation.ThrowIfCancellationRequested();
            throw new OptionException(nameof(TrainRunOptions.TimeLimit), options.TimeLimit?.TotalSeconds.ToString(CultureInfo.InvariantCulture),
                $"ran out during epoch {result.InterruptedEpoch ?? 1}, before any epoch was complete; no model or checkpoint was written.");
        }
        if (result.InterruptedEpoch is { } partial)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{what} during epoch {partial}: that partial epoch is discarded; the model is the best completed epoch's ({result.BestEpoch}), and a resumed run trains epoch {partial} again from its start"));
        }
    }

    // Where a resume at a lower rate can continue from: only a folder that holds a checkpoint.
    private static string? ResumableFrom(RunFolder folder) => folder.HasCheckpoint ? folder.Path : null;

    // "epoch 4: train loss NaN, validation MAE NaN, last gradient norm ∞, weight norm ∞ …" and what
    // the run folder still holds; the way on (a lower rate on resume) is the caller's to word.
    private static string DivergenceMessage(RunFolder folder, TrainingResult result, bool modelWritten)
    {
        var bad = result.History[^1];
        var kept = modelWritten
            ? string.Create(CultureInfo.InvariantCulture,
                $"{folder.WeightsPath} holds the best epoch, {result.BestEpoch} (validation MAE {result.BestValidationMae:G6}); the last checkpoint (epoch {bad.Epoch - 1} or earlier) is untouched")
            : "no epoch finished with finite values, so no model was written";
        return string.Create(CultureInfo.InvariantCulture,
            $"training diverged at epoch {bad.Epoch}: train loss {bad.TrainLoss:G6}, validation MAE {bad.ValidationMae:G6}, last gradient norm {bad.GradientNorm:G6}, weight norm {bad.WeightNorm:G6} (learning rate {bad.LearningRate:G6}). {kept}.");
    }

    // Fits the network, writing metrics.csv one line per epoch as it finishes (flushed, in target
    // units) and the checkpoint as TrainRunOptions.CheckpointEvery/CheckpointInterval say. The
    // result is in target units. With several targets the loss and the selection MAE (a mean over
    // targets) stay in training units, standardised when the targets were; each target's
    // validation MAE is mapped to its own units.
    private static TrainingResult Train(
        TrainRunOptions options, RunFolder folder, Sequential sequential, TrainerOptions trainerOptions, RunData data, TargetScaler[] scalers,
        TrainingState? resume, IProgress<EpochMetrics>? progress, CancellationToken cancellation)
    {
        var trainer = new Trainer(sequential, trainerOptions);
        var several = scalers.Length > 1;
        var scaler = several ? TargetScaler.Identity : scalers[0];
        var lossScale = options.Loss == LossKind.Mae ? scaler.Scale : scaler.Scale * scaler.Scale;
        EpochMetrics InTargetUnits(EpochMetrics m) => several
            ? m with { ValidationMaePerTarget = [.. m.ValidationMaePerTarget!.Select((mae, k) => mae * scalers[k].Scale)] }
            : m with { TrainLoss = m.TrainLoss * lossScale, ValidationMae = m.ValidationMae * scaler.Scale };
        DataMatrix Matrix(FeaturizedData split) => several
            ? new DataMatrix(split.Features, TargetScaler.TransformPerTarget(scalers, split.Targets!), split.Width, scalers.Length)
            : new DataMatrix(split.Features, scaler.Transform(split.Targets!), split.Width);
        var sinceCheckpoint = Stopwatch.StartNew();
        TrainingResult result;
        using (var metrics = several ? folder.OpenMetrics(options.Loss, data.TargetNames) : folder.OpenMetrics(options.Loss))
        {
            foreach (var earlier in resume?.History ?? [])
            {
                metrics.Append(earlier, lossScale, scaler.Scale);
            }
            var scaledProgress = new InlineProgress(m =>
            {
                metrics.Append(several ? InTargetUnits(m) : m, lossScale, scaler.Scale);
                progress?.Report(InTargetUnits(m));
            });
            void Checkpoint(EpochEnd end)
            {
                if (end.IsLast || (end.Epoch % options.CheckpointEvery == 0 && sinceCheckpoint.Elapsed >= options.CheckpointInterval))
                {
                    folder.SaveCheckpoint(end.Capture(), scaler);
                    sinceCheckpoint.Restart();
                }
            }
            result = trainer.Fit(
                Matrix(data.Train),
                Matrix(data.Validation),
                scaledProgress,
                resume: resume,
                epochCompleted: options.CheckpointEvery > 0 ? Checkpoint : null,
                cancellation: cancellation);
        }
        return result with
        {
            BestValidationMae = result.BestValidationMae * scaler.Scale,
            History = result.History.Select(InTargetUnits).ToList(),
        };
    }

    // predictions_<split>.csv for each split, and their metrics beside the mean predictor's (with
    // several targets, one entry per split and target, over the rows labelled for it).
    private static List<RegressionMetrics> WritePredictions(RunFolder folder, ModelManifest manifest, Sequential sequential, TargetScaler[] scalers, RunData data)
    {
        if (scalers.Length > 1)
        {
            var all = new List<RegressionMetrics>();
            foreach (var (name, split) in new[] { ("train", data.Train), ("validation", data.Validation), ("test", data.Test) })
            {
                if (split is null)
                {
                    continue;
                }
                var predictions = TargetScaler.PredictPerTarget(scalers, sequential, split.Features, split.Count);
                folder.WritePredictions(name, split, predictions, data.TargetNames);
                all.AddRange(RegressionMetrics.ComputePerTarget(name, split.Targets!, predictions, manifest.TargetList()));
            }
            return all;
        }
        var scaler = scalers[0];
        var metrics = new List<RegressionMetrics>();
        foreach (var (name, split) in new[] { ("train", data.Train), ("validation", data.Validation), ("test", data.Test) })
        {
            if (split is null)
            {
                continue;
            }
            var predictions = scaler.Predict(sequential, split.Features, split.Count);
            folder.WritePredictions(name, split, predictions, data.TargetName);
            metrics.Add(RegressionMetrics.Compute(name, split.Targets!, predictions, manifest.TrainTargetMean));
        }
        return metrics;
    }

    /// <summary>Where a run happens beyond its options.</summary>
    internal sealed record RunContext
    {
        /// <summary>Rows featurised in memory instead of the training files (the embedding API).</summary>
        public (FeaturizedData Data, string TargetName)? InMemory { get; init; }

        /// <summary>
        /// The caller created the run folder and holds its lock (a screening's final fine-tune, whose
        /// folder already holds the screening): the run neither checks that it is new nor locks it again.
        /// </summary>
        public bool FolderHeld { get; init; }

        /// <summary>The screening that chose this run's source, for config.json; null for a run given one source.</summary>
        public ScreeningLines? Screening { get; init; }

        /// <summary>False for the short screening runs, whose curves nobody looks at.</summary>
        public bool WritePlots { get; init; } = true;
    }

    /// <summary>What config.json says of the screening that chose a run's source.</summary>
    /// <param name="Sources">The candidates, as given.</param>
    /// <param name="Strategy">fixed or successive-halving.</param>
    /// <param name="Epochs">The screening's epoch budget.</param>
    internal sealed record ScreeningLines(string[] Sources, ScreeningStrategy Strategy, int Epochs);

    /// <summary>Reports on the training thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class InlineProgress(Action<EpochMetrics> report) : IProgress<EpochMetrics>
    {
        public void Report(EpochMetrics value) => report(value);
    }
}
