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

    private static TrainRunSummary Run(TrainRunOptions options, (FeaturizedData Data, string TargetName)? inMemory, TextWriter log, IProgress<EpochMetrics>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var features = FeatureSource.Resolve(options.Features, new FeaturizerOptions { OnUnsupported = options.OnUnsupported, MinElements = options.MinElements });
        if (options.ValidationPath is null && !(options.ValidationFraction > 0 && options.ValidationFraction < 1))
        {
            throw new OptionException(nameof(TrainRunOptions.ValidationFraction), options.ValidationFraction.ToString(CultureInfo.InvariantCulture), "must lie strictly between 0 and 1.");
        }
        var source = SourceModel.Load(options, features);
        var network = NetworkDesign.Resolve(options, source);
        var inputScaling = NetworkDesign.ResolveInputScaling(options, source, features);
        var data = RunData.Load(options, inMemory, features, inputScaling, log);
        var folder = new RunFolder(options.OutputDirectory);
        // A resumed run holds its folder from the start; a new one from its creation below.
        using var resumeLock = options.Resume ? folder.Lock() : null;
        var resume = options.Resume ? folder.LoadCheckpoint() : default((TrainingState State, TargetScaler Scaler)?);
        if (!options.Resume)
        {
            RunFolder.CheckNew(folder.Path);
        }

        using var lease = BackendPool.Rent(options.Device, options.Gemm);
        var backend = lease.Backend;
        network.CheckMemory(backend.Device, options, data);
        var scaler = resume?.Scaler ?? TargetScaling(options, source, data, log);
        using var sequential = network.Build(options, source, backend, data.Train.Width, startsFromCheckpoint: resume is not null, log);

        using var newLock = options.Resume ? null : RunFolder.CreateLocked(folder.Path).Lock;
        if (resume is { } r)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"resuming {folder.Path} after epoch {r.State.Epoch} (best epoch {r.State.BestEpoch}, {r.State.Seconds:F0} s trained so far)"));
        }
        log.WriteLine($"device: {backend.Device}");
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"data: {data.Train.Count} train, {data.Validation.Count} validation{(data.Test is null ? "" : $", {data.Test.Count} test")} rows; target '{data.TargetName}'"));
        // A resumed run keeps the config.json its first session wrote.
        var config = resume is null ? RunRecords.Config(options, source, network, data, backend.Device) : folder.ReadConfig();
        if (resume is null)
        {
            folder.WriteConfig(config);
            folder.WriteSplits(data.Split.ToFile(options, data.Test));
        }

        var result = Train(options, folder, sequential, network.Trainer, data, scaler, resume?.State, progress, cancellation);
        var diverged = result.StopReason == Trainer.NonFiniteStop;
        if (diverged && result.BestEpoch == 0)
        {
            // No epoch ended sound: the network holds only its starting weights, not a model.
            throw new TrainingDivergedException(folder.Path, DivergenceMessage(folder, result, modelWritten: false));
        }
        var manifest = RunRecords.Manifest(options, source, network, features, data, scaler, result, backend.Device);
        folder.SaveModel(manifest, sequential);
        var metrics = WritePredictions(folder, manifest, sequential, scaler, data);
        Reports.RunPlots.TryWrite(folder.Path, log);
        return diverged
            ? throw new TrainingDivergedException(folder.Path, DivergenceMessage(folder, result, modelWritten: true))
            : new TrainRunSummary(folder.Path, backend.Device, result, metrics, config);
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
    // result is in target units.
    private static TrainingResult Train(
        TrainRunOptions options, RunFolder folder, Sequential sequential, TrainerOptions trainerOptions, RunData data, TargetScaler scaler,
        TrainingState? resume, IProgress<EpochMetrics>? progress, CancellationToken cancellation)
    {
        var trainer = new Trainer(sequential, trainerOptions);
        var lossScale = options.Loss == LossKind.Mae ? scaler.Scale : scaler.Scale * scaler.Scale;
        var sinceCheckpoint = Stopwatch.StartNew();
        TrainingResult result;
        using (var metrics = folder.OpenMetrics(options.Loss))
        {
            foreach (var earlier in resume?.History ?? [])
            {
                metrics.Append(earlier, lossScale, scaler.Scale);
            }
            var scaledProgress = new InlineProgress(m =>
            {
                metrics.Append(m, lossScale, scaler.Scale);
                progress?.Report(m with { TrainLoss = m.TrainLoss * lossScale, ValidationMae = m.ValidationMae * scaler.Scale });
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
                new DataMatrix(data.Train.Features, scaler.Transform(data.Train.Targets!), data.Train.Width),
                new DataMatrix(data.Validation.Features, scaler.Transform(data.Validation.Targets!), data.Validation.Width),
                scaledProgress,
                resume: resume,
                epochCompleted: options.CheckpointEvery > 0 ? Checkpoint : null,
                cancellation: cancellation);
        }
        return result with
        {
            BestValidationMae = result.BestValidationMae * scaler.Scale,
            History = result.History.Select(m => m with { TrainLoss = m.TrainLoss * lossScale, ValidationMae = m.ValidationMae * scaler.Scale }).ToList(),
        };
    }

    // predictions_<split>.csv for each split, and their metrics beside the mean predictor's.
    private static List<RegressionMetrics> WritePredictions(RunFolder folder, ModelManifest manifest, Sequential sequential, TargetScaler scaler, RunData data)
    {
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

    /// <summary>Reports on the training thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class InlineProgress(Action<EpochMetrics> report) : IProgress<EpochMetrics>
    {
        public void Report(EpochMetrics value) => report(value);
    }
}
