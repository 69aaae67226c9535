using System.Globalization;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Chemistry;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>What a run writes about itself: its <see cref="RunConfig"/> before training and its <see cref="ModelManifest"/> after.</summary>
internal static class RunRecords
{
    /// <summary>The resolved options, as <c>config.json</c> records them (itself a valid <c>--config</c>).</summary>
    public static RunConfig Config(TrainRunOptions options, SourceModel? source, NetworkDesign network, RunData data, DeviceInfo device) => new()
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
        InputScaling = data.InputScaler is null ? InputScaling.None : InputScaling.Standard,
        Architecture = network.Spec.ToString(),
        KeepProbabilities = [.. network.Keep],
        BatchSize = options.BatchSize,
        LearningRate = options.LearningRate,
        // The schedule's own parameters only: a reader sees the recipe that ran.
        LrSchedule = options.LearningRateSchedule,
        LrFactor = options.LearningRateSchedule == LearningRateScheduleKind.Plateau ? options.LearningRateFactor : null,
        LrPatience = options.LearningRateSchedule == LearningRateScheduleKind.Plateau ? options.LearningRatePatience : null,
        LrFloor = options.LearningRateSchedule == LearningRateScheduleKind.Plateau ? options.LearningRateFloor : null,
        WarmupEpochs = options.LearningRateSchedule == LearningRateScheduleKind.Cosine ? options.WarmupEpochs : null,
        FinalLr = options.LearningRateSchedule == LearningRateScheduleKind.Cosine ? options.FinalLearningRate : null,
        WeightDecay = options.WeightDecay,
        L2Sp = options.SourceDecay,
        TrunkLrScale = options.TrunkRateScale,
        HeadEpochs = options.HeadOnlyEpochs,
        MaxEpochs = options.MaxEpochs,
        Patience = options.Patience,
        TimeLimitSeconds = options.TimeLimit?.TotalSeconds,
        Loss = options.Loss,
        TargetScaling = SourceModel.KeepsScaling(options, source) ? TargetScaling.Source : options.TargetScaling,
        Seed = options.Seed,
        Source = source?.ManifestPath,
        Splits = options.SplitsPath,
        OnUnsupported = options.OnUnsupported,
        MinElements = options.MinElements,
        ReinitializeLast = options.ReinitializeLast,
        FreezeDenseLayers = options.FreezeDenseLayers,
    };

    /// <summary>The trained model's <c>model.json</c>.</summary>
    public static ModelManifest Manifest(
        TrainRunOptions options, SourceModel? source, NetworkDesign network, FeatureSource features, RunData data, IReadOnlyList<TargetScaler> scalers,
        TrainingResult result, DeviceInfo device) => new()
    {
        Architecture = network.Spec.ToString(),
        KeepProbabilities = [.. network.Keep],
        FeatureKind = features.Kind,
        FeatureFile = features.FilePath,
        InputWidth = data.Train.Width,
        Elements = features.Kind == FeatureKind.ElementalFractions ? [.. ElementTable.ElemNetElements] : [],
        FeatureNames = features.Kind == FeatureKind.PhysicalAttributes ? [.. PhysicalAttributes.Names] : [],
        InputScaling = (data.InputScaler is null ? InputScaling.None : InputScaling.Standard).ToName(),
        InputOffsets = data.InputScaler is null ? [] : [.. data.InputScaler.Offsets],
        InputScales = data.InputScaler is null ? [] : [.. data.InputScaler.Scales],
        // With several targets these describe the first, and Targets lists them all.
        TargetName = data.TargetNames[0],
        TargetOffset = scalers[0].Offset,
        TargetScale = scalers[0].Scale,
        TrainTargetMean = data.TrainMean,
        Targets = scalers.Count == 1 ? null
            : [.. data.TargetNames.Select((name, k) => new ModelTarget { Name = name, Offset = scalers[k].Offset, Scale = scalers[k].Scale, TrainMean = data.TrainMeans[k] })],
        Loss = options.Loss,
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
}
