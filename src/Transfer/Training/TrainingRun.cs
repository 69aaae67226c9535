using System.Globalization;
using System.Text.Json;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network;
using CrossPropertyILGPU.Network.Checkpoints;
using CrossPropertyILGPU.Network.Spec;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Chemistry;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>What a finished <c>train</c> run reports.</summary>
/// <param name="OutputDirectory">The run folder.</param>
/// <param name="Device">Where it trained.</param>
/// <param name="Training">Epochs, best epoch, stop reason, history.</param>
/// <param name="Metrics">One entry per split (train, validation, test when given).</param>
public sealed record TrainRunSummary(string OutputDirectory, DeviceInfo Device, TrainingResult Training, IReadOnlyList<RegressionMetrics> Metrics);

/// <summary>
/// The <c>train</c> verb's work: read and featurise the files, split, build ElemNet on the chosen
/// device, train with early stopping on validation MAE, and write the run folder — config.json and
/// splits.json first, metrics.csv as epochs finish, then the model and per-split predictions.
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
            throw new UsageException($"--val-fraction {options.ValidationFraction}: must lie strictly between 0 and 1.");
        }
        var source = LoadSource(options, features);
        var (network, trainerOptions) = ResolveNetwork(options, source);
        var inputScaling = ResolveInputScaling(options, source, features);

        // Inputs, checkpoint, device and starting weights first: whatever is wrong with them fails
        // before the run folder is created or anything in it is touched.
        var data = LoadData(options, inMemory, features, inputScaling, log);
        var resume = options.Resume ? RunCheckpoint.Load(options.OutputDirectory) : default((TrainingState State, TargetScaler Scaler)?);
        if (!options.Resume)
        {
            CheckNewRunFolder(options.OutputDirectory);
        }
        using var backend = BackendFactory.Create(options.Device, gemm: options.Gemm);
        CheckMemory(backend.Device, network, options, data);
        // FineTune keeps the source's output layer, so it keeps the source's target scaling too:
        // the model then starts out predicting exactly what the source predicts, in target units.
        // A fresh output layer (ModFineTune) or scratch training fits the scaling to this target.
        var keepsSourceScaling = KeepsSourceScaling(options, source);
        var scaler = resume?.Scaler
            ?? (keepsSourceScaling
                ? new TargetScaler(source!.Manifest.TargetOffset, source.Manifest.TargetScale)
                : options.ScaleTargets ? TargetScaler.Fit(data.Train.Targets!) : TargetScaler.Identity);
        if (keepsSourceScaling && !options.ScaleTargets && !options.Resume)
        {
            log.WriteLine("target scaling: the source model's (FineTune keeps its output layer); 'none' applies to a fresh output layer (--reinit-last) or training from scratch");
        }
        using var sequential = BuildSequential(options, source, network, backend, data.Train.Width, startsFromCheckpoint: resume is not null, log);

        var folder = options.Resume ? options.OutputDirectory : CreateRunFolder(options.OutputDirectory);
        if (resume is { } r)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"resuming {folder} after epoch {r.State.Epoch} (best epoch {r.State.BestEpoch}, {r.State.Seconds:F0} s trained so far)"));
        }
        log.WriteLine($"device: {backend.Device}");
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"data: {data.Train.Count} train, {data.Validation.Count} validation{(data.Test is null ? "" : $", {data.Test.Count} test")} rows; target '{data.TargetName}'"));
        var config = BuildConfig(options, source, network, data, backend.Device);
        if (resume is null)
        {
            File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(config, TransferJson.Default.RunConfig));
            WriteSplits(folder, options, data.ValidationSource, (data.Train, data.TrainFileIndex), (data.Validation, data.ValidationFileIndex), data.Test);
        }
        var result = Train(options, folder, sequential, trainerOptions, data, scaler, resume?.State, progress, cancellation);

        var diverged = result.StopReason == Trainer.NonFiniteStop;
        if (diverged && result.BestEpoch == 0)
        {
            // No epoch ended sound: the network holds only its starting weights, not a model.
            throw new TrainingDivergedException(DivergenceMessage(folder, result, modelWritten: false));
        }
        var manifest = BuildManifest(options, source, network, features, data, scaler, config.Loss, result, backend.Device);
        ModelWeights.Save(sequential, Path.Combine(folder, manifest.Weights), new Dictionary<string, string>
        {
            ["architecture"] = manifest.Architecture,
            ["feature_kind"] = manifest.FeatureKind,
            ["target"] = data.TargetName,
        });
        manifest.Save(Path.Combine(folder, "model.json"));
        var metrics = WritePredictions(folder, manifest, backend, sequential, features, data);
        Reports.RunPlots.TryWrite(folder, log);
        return diverged
            ? throw new TrainingDivergedException(DivergenceMessage(folder, result, modelWritten: true))
            : new TrainRunSummary(folder, backend.Device, result, metrics);
    }

    // "epoch 4: train loss NaN, validation MAE NaN, last gradient norm ∞, weight norm ∞ …" and what
    // the run folder still holds.
    private static string DivergenceMessage(string folder, TrainingResult result, bool modelWritten)
    {
        var bad = result.History[^1];
        var kept = modelWritten
            ? string.Create(CultureInfo.InvariantCulture,
                $"{Path.Combine(folder, "model.safetensors")} holds the best epoch, {result.BestEpoch} (validation MAE {result.BestValidationMae:G6}); the last checkpoint (epoch {bad.Epoch - 1} or earlier) is untouched")
            : "no epoch finished with finite values, so no model was written";
        return string.Create(CultureInfo.InvariantCulture,
            $"training diverged at epoch {bad.Epoch}: train loss {bad.TrainLoss:G6}, validation MAE {bad.ValidationMae:G6}, last gradient norm {bad.GradientNorm:G6}, weight norm {bad.WeightNorm:G6} (learning rate {bad.LearningRate:G6}). " +
            $"{kept}. Try a smaller --lr ('--resume {folder} --lr X' continues from the checkpoint).");
    }

    /// <summary>The network to train: its parsed architecture, dropout keep probabilities and layer stack.</summary>
    private sealed record NetworkDesign(ElemNetSpec Spec, IReadOnlyList<float> Keep, IReadOnlyList<LayerSpec> Layers);

    /// <summary>The rows of one run, split, with where each came from.</summary>
    private sealed record RunData(
        FeaturizedData Train, FeaturizedData Validation, FeaturizedData? Test, string TargetName,
        string ValidationSource, int[] TrainFileIndex, int[] ValidationFileIndex, InputScaler? InputScaler)
    {
        public double TrainMean => Train.Targets!.Average(t => (double)t);
    }

    // Training's own allocations, estimated before any is made: on the device the parameters with
    // their gradients, Adam moments and best copy, the activations of the largest batch, and the
    // train and validation sets; on the host the shuffle buffer and the per-epoch checkpoint
    // copies, plus the device's share when the device is this CPU.
    private static void CheckMemory(DeviceInfo device, NetworkDesign network, TrainRunOptions options, RunData data)
    {
        long parameters = 0;
        long activations = 0;
        long inputs = data.Train.Width;
        foreach (var layer in network.Layers)
        {
            if (layer is DenseSpec dense)
            {
                parameters += (inputs + 1) * dense.Units;
                inputs = dense.Units;
            }
            activations += inputs;
        }
        long maxRows = Math.Max(options.BatchSize, MaterialsModel.InferenceRows);
        long rows = data.Train.Count + data.Validation.Count;
        var deviceBytes = 4 * (5 * parameters + 2 * maxRows * activations + rows * (data.Train.Width + 1));
        var hostBytes = 4 * ((long)data.Train.Count * data.Train.Width + 5 * parameters) + (device.IsGpu ? 0 : deviceBytes);
        if (device.IsGpu && device.MemoryBytes > 0 && deviceBytes > device.MemoryBytes)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"training {network.Spec} on {rows:N0} rows needs about {MemoryBudget.Gib(deviceBytes)} of device memory, but {device} has {MemoryBudget.Gib(device.MemoryBytes)}; use fewer rows or --device cpu."));
        }
        var inUse = GC.GetTotalMemory(forceFullCollection: false);
        if (hostBytes + inUse > MemoryBudget.HostBytes)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"training {network.Spec} on {rows:N0} rows needs about {MemoryBudget.Gib(hostBytes)} of memory besides the {MemoryBudget.Gib(inUse)} the data already takes, but this machine has {MemoryBudget.Gib(MemoryBudget.HostBytes)}; use fewer rows."));
        }
    }

    // Every option about the network and its training checked before any file is read.
    private static (NetworkDesign Design, TrainerOptions Trainer) ResolveNetwork(TrainRunOptions options, SourceModel? source)
    {
        var trainerOptions = new TrainerOptions
        {
            BatchSize = options.BatchSize,
            MaxEpochs = options.MaxEpochs,
            Patience = options.Patience,
            TimeLimit = options.TimeLimit,
            Loss = options.Loss,
            LearningRate = options.LearningRate,
            Seed = options.Seed,
            FrozenDenseLayers = options.FreezeDenseLayers,
        };
        ElemNetSpec spec;
        try
        {
            spec = ElemNetSpec.Parse(options.Architecture ?? source?.Manifest.Architecture ?? ElemNetSpec.Default);
        }
        catch (SpecFormatException e)
        {
            throw new UsageException(e.Message, e);
        }
        if (source is not null && spec.ToString() != source.Manifest.Architecture)
        {
            throw new UsageException($"--arch {spec} differs from the source model's architecture {source.Manifest.Architecture}; fine-tuning keeps the source's.");
        }
        var keep = source?.Manifest.KeepProbabilities ?? options.ResolveKeepProbabilities(spec);
        IReadOnlyList<LayerSpec> layers;
        try
        {
            layers = ElemNetLayers.Build(spec, keep);
            trainerOptions.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message, e);
        }
        if (spec.OutputUnits != 1)
        {
            throw new UsageException($"Architecture '{spec}' has {spec.OutputUnits} outputs; training fits one target, so the last block must be 1.");
        }
        if (options.FreezeDenseLayers < 0 || options.FreezeDenseLayers >= spec.DenseLayerCount)
        {
            throw new UsageException($"--freeze {options.FreezeDenseLayers}: {spec} has {spec.DenseLayerCount} dense layers; between 0 and {spec.DenseLayerCount - 1} can be frozen.");
        }
        if (options.ReinitializeLast && source is null)
        {
            throw new UsageException("--reinit-last needs a source model to fine-tune.");
        }
        return (new NetworkDesign(spec, keep, layers), trainerOptions);
    }

    // Reads and featurises the training files (or takes the in-memory rows), splits off validation
    // and reads the test file.
    /// <summary>
    /// Whether inputs are standardised, and with which stored scaling. A fine-tuned model keeps its
    /// source's input scaling: the source's first layer was trained on exactly those inputs.
    /// Otherwise auto means standard for pa, none for the rest.
    /// </summary>
    private static (InputScaling Scaling, InputScaler? SourceScaler) ResolveInputScaling(TrainRunOptions options, SourceModel? source, FeatureSource features)
    {
        var sourceScaler = source?.Manifest.ReadInputScaler(source.ManifestPath);
        var inputScaling = source is null
            ? options.InputScaling.Resolve(features.Kind)
            : sourceScaler is null ? InputScaling.None : InputScaling.Standard;
        if (source is not null && options.InputScaling != InputScaling.Auto && options.InputScaling != inputScaling)
        {
            throw new UsageException(
                $"--input-scaling {options.InputScaling.ToName()}: the source model {source.ManifestPath} was trained with input scaling '{inputScaling.ToName()}', which fine-tuning keeps.");
        }
        return (inputScaling, sourceScaler);
    }

    private static RunData LoadData(
        TrainRunOptions options, (FeaturizedData Data, string TargetName)? inMemory, FeatureSource features,
        (InputScaling Scaling, InputScaler? SourceScaler) inputScaling, TextWriter log)
    {
        if (options.TrainPaths.Count == 0)
        {
            throw new UsageException("Give at least one --train file.");
        }
        var parts = new List<FeaturizedData>();
        var fileOfRow = new List<int>();
        string? targetColumn = inMemory?.TargetName;
        if (inMemory is { } given)
        {
            parts.Add(given.Data);
            fileOfRow.AddRange(new int[given.Data.Count]);
        }
        else
        {
            foreach (var path in options.TrainPaths)
            {
                var part = DataLoading.Load(path, options.FormulaColumn, options.TargetColumn, requireTargets: true, log, out var column, features);
                targetColumn ??= column;
                fileOfRow.AddRange(Enumerable.Repeat(parts.Count, part.Count));
                parts.Add(part);
            }
        }
        var trainFile = DataLoading.Concatenate(parts);
        var (train, validation, validationSource, trainFileIndex, validationFileIndex) = Split(trainFile, [.. fileOfRow], options, features, log);
        var test = options.TestPath is null ? null : DataLoading.Load(options.TestPath, options.FormulaColumn, options.TargetColumn, requireTargets: true, log, features);
        // Fitted on the training split only, so validation and test rows never inform it.
        var inputScaler = inputScaling.Scaling == InputScaling.Standard ? inputScaling.SourceScaler ?? InputScaler.Fit(train) : null;
        if (inputScaler is not null)
        {
            (train, validation) = (inputScaler.Transform(train), inputScaler.Transform(validation));
            test = test is null ? null : inputScaler.Transform(test);
        }
        return new RunData(train, validation, test, targetColumn ?? "target", validationSource, trainFileIndex, validationFileIndex, inputScaler);
    }

    private static RunConfig BuildConfig(TrainRunOptions options, SourceModel? source, NetworkDesign network, RunData data, DeviceInfo device) => new()
    {
        Started = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        Device = options.Device.ToName(),
        Gemm = options.Gemm.ToName(),
        DeviceUsed = device.ToString(),
        Train = [.. options.TrainPaths],
        Validation = options.ValidationPath,
        ValidationFraction = options.ValidationPath is null ? options.ValidationFraction : null,
        Test = options.TestPath,
        FormulaColumn = options.FormulaColumn ?? "",
        TargetColumn = data.TargetName,
        Features = options.Features,
        InputScaling = data.InputScaler is null ? "none" : "standard",
        Architecture = network.Spec.ToString(),
        KeepProbabilities = [.. network.Keep],
        BatchSize = options.BatchSize,
        LearningRate = options.LearningRate,
        MaxEpochs = options.MaxEpochs,
        Patience = options.Patience,
        TimeLimitSeconds = options.TimeLimit?.TotalSeconds,
        Loss = options.Loss == LossKind.Mae ? "mae" : "mse",
        TargetScaling = KeepsSourceScaling(options, source) ? "source" : options.ScaleTargets ? "standard" : "none",
        Seed = options.Seed,
        Source = source?.ManifestPath,
        Splits = options.SplitsPath,
        OnUnsupported = options.OnUnsupported == UnsupportedRowAction.Error ? "error" : "skip",
        MinElements = options.MinElements,
        ReinitializeLast = options.ReinitializeLast,
        FreezeDenseLayers = options.FreezeDenseLayers,
    };

    // FineTune keeps the source's output layer and with it the source's target scaling.
    private static bool KeepsSourceScaling(TrainRunOptions options, SourceModel? source) =>
        source is not null && !options.ReinitializeLast;

    // The network with its starting weights: Glorot, then the source model's (fine-tuning) unless a
    // checkpoint is about to replace them all.
    private static Sequential BuildSequential(
        TrainRunOptions options, SourceModel? source, NetworkDesign network, IComputeBackend backend, int inputWidth, bool startsFromCheckpoint, TextWriter log)
    {
        var sequential = new Sequential(backend, inputWidth, network.Layers, Math.Max(options.BatchSize, MaterialsModel.InferenceRows), (ulong)options.Seed);
        try
        {
            sequential.InitializeGlorotUniform(options.Seed);
            if (source is not null && !startsFromCheckpoint)
            {
                try
                {
                    ModelWeights.Load(sequential, source.WeightsPath);
                }
                catch (InvalidDataException e)
                {
                    throw new UsageException(e.Message, e);
                }
                if (options.ReinitializeLast)
                {
                    sequential.ReinitializeDense(sequential.DenseLayers.Count - 1, options.Seed);
                }
                log.WriteLine($"source: {source.ManifestPath} ({(options.ReinitializeLast ? "all weights but a new output layer" : "all weights")}{(options.FreezeDenseLayers > 0 ? $", first {options.FreezeDenseLayers} dense layers frozen" : "")})");
            }
            return sequential;
        }
        catch
        {
            sequential.Dispose();
            throw;
        }
    }

    // Fits the network, writing metrics.csv one line per epoch as it finishes (flushed, in target
    // units) and checkpoint.safetensors as TrainRunOptions.CheckpointEvery says. The result is in
    // target units.
    private static TrainingResult Train(
        TrainRunOptions options, string folder, Sequential sequential, TrainerOptions trainerOptions, RunData data, TargetScaler scaler,
        TrainingState? resume, IProgress<EpochMetrics>? progress, CancellationToken cancellation)
    {
        var trainer = new Trainer(sequential, trainerOptions);
        var lossScale = options.Loss == LossKind.Mae ? scaler.Scale : scaler.Scale * scaler.Scale;
        TrainingResult result;
        var sinceCheckpoint = System.Diagnostics.Stopwatch.StartNew();
        using (var metricsFile = new StreamWriter(Path.Combine(folder, "metrics.csv")))
        {
            // Rewritten from the checkpoint's history on resume, so it never holds an epoch twice.
            // grad_norm and weight_norm are in training units (standardised targets).
            metricsFile.WriteLine($"epoch,{(options.Loss == LossKind.Mae ? "train_mae" : "train_mse")},val_mae,lr,grad_norm,weight_norm,seconds");
            void WriteMetrics(EpochMetrics m)
            {
                metricsFile.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{m.Epoch},{m.TrainLoss * lossScale:G9},{m.ValidationMae * scaler.Scale:G9},{m.LearningRate:G6},{m.GradientNorm:G6},{m.WeightNorm:G6},{m.Seconds:F3}"));
                metricsFile.Flush();
            }
            foreach (var earlier in resume?.History ?? [])
            {
                WriteMetrics(earlier);
            }
            var scaledProgress = new InlineProgress(m =>
            {
                WriteMetrics(m);
                progress?.Report(m with { TrainLoss = m.TrainLoss * lossScale, ValidationMae = m.ValidationMae * scaler.Scale });
            });
            result = trainer.Fit(
                new DataMatrix(data.Train.Features, scaler.Transform(data.Train.Targets!), data.Train.Width),
                new DataMatrix(data.Validation.Features, scaler.Transform(data.Validation.Targets!), data.Validation.Width),
                scaledProgress,
                resume: resume,
                epochCompleted: options.CheckpointEvery > 0
                    ? end =>
                    {
                        if (end.IsLast || (end.Epoch % options.CheckpointEvery == 0 && sinceCheckpoint.Elapsed >= options.CheckpointInterval))
                        {
                            RunCheckpoint.Save(folder, end.Capture(), scaler);
                            sinceCheckpoint.Restart();
                        }
                    }
                    : null,
                cancellation: cancellation);
        }
        return result with
        {
            BestValidationMae = result.BestValidationMae * scaler.Scale,
            History = result.History.Select(m => m with { TrainLoss = m.TrainLoss * lossScale, ValidationMae = m.ValidationMae * scaler.Scale }).ToList(),
        };
    }

    private static ModelManifest BuildManifest(
        TrainRunOptions options, SourceModel? source, NetworkDesign network, FeatureSource features, RunData data, TargetScaler scaler,
        string loss, TrainingResult result, DeviceInfo device) => new()
    {
        Architecture = network.Spec.ToString(),
        KeepProbabilities = [.. network.Keep],
        FeatureKind = features.Kind,
        FeatureFile = features.FilePath,
        InputWidth = data.Train.Width,
        Elements = features.Kind == "ef" ? [.. ElementTable.ElemNetElements] : [],
        FeatureNames = features.Kind == "pa" ? [.. PhysicalAttributes.Names] : [],
        InputScaling = data.InputScaler is null ? "none" : "standard",
        InputOffsets = data.InputScaler is null ? [] : [.. data.InputScaler.Offsets],
        InputScales = data.InputScaler is null ? [] : [.. data.InputScaler.Scales],
        TargetName = data.TargetName,
        TargetOffset = scaler.Offset,
        TargetScale = scaler.Scale,
        TrainTargetMean = data.TrainMean,
        Loss = loss,
        TransferMode = source is null ? "scratch" : options.ReinitializeLast ? "modfinetune" : "finetune",
        SourceModel = source?.ManifestPath,
        FrozenDenseLayers = options.FreezeDenseLayers,
        Training = new TrainingSummary
        {
            Epochs = result.Epochs,
            BestEpoch = result.BestEpoch,
            BestValidationMae = result.BestValidationMae,
            StopReason = result.StopReason,
            Seconds = result.Elapsed.TotalSeconds,
            TrainRows = data.Train.Count,
            ValidationRows = data.Validation.Count,
            Device = device.ToString(),
            Seed = options.Seed,
            BatchSize = options.BatchSize,
            LearningRate = options.LearningRate,
            TrainFiles = [.. options.TrainPaths],
        },
    };

    // predictions_<split>.csv for each split, and their metrics beside the mean predictor's.
    private static List<RegressionMetrics> WritePredictions(
        string folder, ModelManifest manifest, IComputeBackend backend, Sequential sequential, FeatureSource features, RunData data)
    {
        using var model = MaterialsModel.Create(manifest, backend, sequential, data.InputScaler is null ? features : features.WithScaling(data.InputScaler));
        var metrics = new List<RegressionMetrics>();
        foreach (var (name, split) in new[] { ("train", data.Train), ("validation", data.Validation), ("test", data.Test) })
        {
            if (split is null)
            {
                continue;
            }
            var predictions = model.Predict(split);
            PredictionsCsv.Write(Path.Combine(folder, $"predictions_{name}.csv"), split, predictions, data.TargetName);
            metrics.Add(RegressionMetrics.Compute(name, split.Targets!, predictions, manifest.TrainTargetMean));
        }
        return metrics;
    }

    private sealed record SourceModel(string ManifestPath, string WeightsPath, ModelManifest Manifest);

    private static SourceModel? LoadSource(TrainRunOptions options, FeatureSource features)
    {
        if (options.SourceModel is null)
        {
            return null;
        }
        var manifestPath = MaterialsModel.ResolveManifest(options.SourceModel);
        var manifest = ModelManifest.Load(manifestPath);
        if (manifest.FeatureKind != features.Kind || manifest.InputWidth != features.Width)
        {
            throw new UsageException(
                $"The source model {manifestPath} takes '{manifest.FeatureKind}' features ({manifest.InputWidth} inputs) but --features is '{options.Features}' ({features.Width} inputs); fine-tuning needs the same input features.");
        }
        if (manifest.FeatureKind == "ef" && manifest.InputWidth != ElementalFractions.Width)
        {
            throw new UsageException($"The source model {manifestPath} has {manifest.InputWidth} inputs; elemental fractions have {ElementalFractions.Width}.");
        }
        return new SourceModel(manifestPath, manifest.WeightsPath(manifestPath), manifest);
    }

    /// <summary>The default run folder name: <c>runs/&lt;verb&gt;-&lt;UTC timestamp&gt;</c>.</summary>
    public static string DefaultRunFolder(string verb) =>
        Path.Combine("runs", $"{verb}-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");

    private static (FeaturizedData Train, FeaturizedData Validation, string Source, int[] TrainFileIndex, int[] ValidationFileIndex) Split(
        FeaturizedData trainFile, int[] fileOfRow, TrainRunOptions options, FeatureSource features, TextWriter log)
    {
        if (options.Splits is not null || options.SplitsPath is not null)
        {
            return ReuseSplits(trainFile, fileOfRow, options);
        }
        if (options.ValidationPath is { } path)
        {
            var validation = DataLoading.Load(path, options.FormulaColumn, options.TargetColumn, requireTargets: true, log, features);
            return (trainFile, validation, $"file {path}", fileOfRow, new int[validation.Count]);
        }
        var n = trainFile.Count;
        var validationCount = (int)Math.Round(n * options.ValidationFraction);
        if (validationCount < 1 || validationCount >= n)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"{string.Join(", ", options.TrainPaths)}: {n} usable rows cannot be split {1 - options.ValidationFraction:P0}/{options.ValidationFraction:P0} into non-empty train and validation sets; give --val."));
        }
        var order = Enumerable.Range(0, n).ToArray();
        new Random(options.Seed).Shuffle(order);
        var validationRows = order[..validationCount].Order().ToArray();
        var trainRows = order[validationCount..].Order().ToArray();
        return (DataLoading.Subset(trainFile, trainRows), DataLoading.Subset(trainFile, validationRows),
            string.Create(CultureInfo.InvariantCulture, $"fraction {options.ValidationFraction} of the training files, seed {options.Seed}"),
            [.. trainRows.Select(i => fileOfRow[i])], [.. validationRows.Select(i => fileOfRow[i])]);
    }

    /// <summary>Reads a splits.json, checking it against the training files.</summary>
    public static SplitsFile ReadSplits(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"--splits {path}: file not found.");
        }
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), TransferJson.Default.SplitsFile)
                ?? throw new UsageException($"--splits {path}: empty.");
        }
        catch (JsonException e)
        {
            throw new UsageException($"--splits {path}: not a splits.json ({e.Message}).", e);
        }
    }

    // The rows a splits file names, found by (training file, line) in the loaded data; the formula
    // at each line must match, so a split from other files fails loudly instead of silently.
    private static (FeaturizedData Train, FeaturizedData Validation, string Source, int[] TrainFileIndex, int[] ValidationFileIndex) ReuseSplits(
        FeaturizedData trainFile, int[] fileOfRow, TrainRunOptions options)
    {
        var splits = options.Splits ?? ReadSplits(options.SplitsPath!);
        var source = options.SplitsPath ?? "cross-validation fold";
        var files = options.TrainPaths.Select(Path.GetFullPath).ToArray();
        var rowOf = new Dictionary<(int File, int Line), int>();
        for (var i = 0; i < trainFile.Count; i++)
        {
            rowOf[(fileOfRow[i], trainFile.Records[i].Line)] = i;
        }
        int[] Rows(SplitRows rows, string name)
        {
            var result = new int[rows.Lines.Length];
            for (var j = 0; j < rows.Lines.Length; j++)
            {
                var file = Array.IndexOf(files, Path.GetFullPath(rows.Files[rows.FileIndex[j]]));
                if (file < 0)
                {
                    throw new UsageException($"{source}: its {name} split uses {rows.Files[rows.FileIndex[j]]}, which is not among the --train files.");
                }
                if (!rowOf.TryGetValue((file, rows.Lines[j]), out var row) || trainFile.Records[row].Formula != rows.Formulas[j])
                {
                    throw new UsageException(
                        $"{source}: {name} row '{rows.Formulas[j]}' at {options.TrainPaths[file]} line {rows.Lines[j]} is not in the training data as loaded (a different file, or a skipped formula).");
                }
                result[j] = row;
            }
            return result;
        }
        var trainRows = Rows(splits.Train, "train");
        var validationRows = Rows(splits.Validation, "validation");
        if (trainRows.Length == 0 || validationRows.Length == 0 || trainRows.Intersect(validationRows).Any())
        {
            throw new UsageException($"{source}: the train and validation splits must be non-empty and disjoint.");
        }
        return (DataLoading.Subset(trainFile, trainRows), DataLoading.Subset(trainFile, validationRows), $"splits from {source}",
            [.. trainRows.Select(i => fileOfRow[i])], [.. validationRows.Select(i => fileOfRow[i])]);
    }

    /// <summary>Creates the run folder; an existing file or non-empty folder is refused, never overwritten.</summary>
    internal static string CreateRunFolder(string path)
    {
        CheckNewRunFolder(path);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Refuses a path that is a file or a non-empty folder: nothing already written is ever overwritten.</summary>
    internal static void CheckNewRunFolder(string path)
    {
        if (File.Exists(path))
        {
            throw new UsageException($"--out {path}: a file of that name exists.");
        }
        if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
        {
            throw new UsageException($"--out {path}: the folder exists and is not empty; choose a new run folder (nothing was overwritten).");
        }
    }

    private static void WriteSplits(
        string folder, TrainRunOptions options, string validationSource,
        (FeaturizedData Data, int[] FileIndex) train, (FeaturizedData Data, int[] FileIndex) validation, FeaturizedData? test)
    {
        static SplitRows Rows(string[] files, FeaturizedData data, int[] fileIndex) => new()
        {
            Files = files,
            FileIndex = fileIndex,
            Lines = [.. data.Records.Select(r => r.Line)],
            Formulas = [.. data.Records.Select(r => r.Formula)],
        };
        var splits = new SplitsFile
        {
            Seed = options.Seed,
            ValidationSource = validationSource,
            Train = Rows([.. options.TrainPaths], train.Data, train.FileIndex),
            Validation = options.ValidationPath is { } path
                ? Rows([path], validation.Data, validation.FileIndex)
                : Rows([.. options.TrainPaths], validation.Data, validation.FileIndex),
            Test = test is null ? null : Rows([options.TestPath!], test, new int[test.Count]),
        };
        File.WriteAllText(Path.Combine(folder, "splits.json"), JsonSerializer.Serialize(splits, TransferJson.Default.SplitsFile));
    }

    /// <summary>Reports on the training thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class InlineProgress(Action<EpochMetrics> report) : IProgress<EpochMetrics>
    {
        public void Report(EpochMetrics value) => report(value);
    }
}
