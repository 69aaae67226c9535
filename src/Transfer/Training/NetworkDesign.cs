using System.Globalization;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network;
using CrossPropertyILGPU.Network.Checkpoints;
using CrossPropertyILGPU.Network.Spec;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>
/// The network a run trains — its parsed architecture, dropout keep probabilities, layer stack —
/// and the trainer's options, every one checked before any file is read; then the memory it needs
/// and the network itself with its starting weights.
/// </summary>
internal sealed record NetworkDesign(ElemNetSpec Spec, IReadOnlyList<float> Keep, IReadOnlyList<LayerSpec> Layers, TrainerOptions Trainer)
{
    /// <summary>Rows per inference chunk (predictions, validation), and the least rows a network is built for.</summary>
    public const int InferenceRows = 512;

    /// <summary>Resolves and checks the network options of <paramref name="options"/> (a fine-tune keeps its source's architecture).</summary>
    public static NetworkDesign Resolve(TrainRunOptions options, SourceModel? source)
    {
        var schedule = options.ToSchedule();
        CheckBudget(options);
        TrainRunOptions.CheckSchedule(schedule, options.LearningRate);
        var regularization = options.ToRegularization();
        TrainRunOptions.CheckRegularization(regularization, options.LearningRate, source is not null);
        var trainer = new TrainerOptions
        {
            BatchSize = options.BatchSize,
            MaxEpochs = options.MaxEpochs,
            Patience = options.Patience,
            TimeLimit = options.TimeLimit,
            Loss = options.Loss,
            LearningRate = options.LearningRate,
            Schedule = schedule,
            Regularization = regularization,
            Seed = options.Seed,
            FrozenDenseLayers = options.FreezeDenseLayers,
        };
        ElemNetSpec spec;
        try
        {
            spec = options.Architecture is { } given ? ElemNetSpec.Parse(given)
                : source is not null ? SourceArchitecture(options, source)
                : ElemNetSpec.Parse(ElemNetSpec.Default);
        }
        catch (SpecFormatException e)
        {
            throw new UsageException(e.Message, e);
        }
        if (source is not null && spec.ToString() != SourceArchitecture(options, source).ToString())
        {
            throw new OptionException(nameof(TrainRunOptions.Architecture), spec.ToString(), options.ReinitializeLast
                ? $"differs from {SourceArchitecture(options, source)}, the source model's hidden layers ({source.Manifest.Architecture}) under a new one-unit output layer; fine-tuning keeps the source's hidden layers."
                : $"differs from the source model's architecture {source.Manifest.Architecture}; fine-tuning keeps the source's.");
        }
        // A fine-tune may set its own dropout (the source may have been trained without); else it keeps the source's.
        var keep = options.KeepProbabilities ?? source?.Manifest.KeepProbabilities ?? options.ResolveKeepProbabilities(spec);
        IReadOnlyList<LayerSpec> layers;
        try
        {
            layers = ElemNetLayers.Build(spec, keep);
            trainer.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message, e);
        }
        if (options.FreezeDenseLayers < 0 || options.FreezeDenseLayers >= spec.DenseLayerCount)
        {
            throw new OptionException(nameof(TrainRunOptions.FreezeDenseLayers), options.FreezeDenseLayers.ToString(CultureInfo.InvariantCulture),
                $"{spec} has {spec.DenseLayerCount} dense layers; between 0 and {spec.DenseLayerCount - 1} can be frozen.");
        }
        if (options.ReinitializeLast && source is null)
        {
            throw new OptionException(nameof(TrainRunOptions.ReinitializeLast), null, "needs a source model to fine-tune.");
        }
        if (options.TargetScaling == TargetScaling.Source && !SourceModel.KeepsScaling(options, source))
        {
            throw new OptionException(nameof(TrainRunOptions.TargetScaling), TargetScaling.Source.ToName(),
                "only FineTune (a source model without a new output layer) keeps the source model's scaling; use standard or none.");
        }
        return new NetworkDesign(spec, keep, layers, trainer);
    }

    // What a fine-tune of the source trains: its architecture, or with a new output layer
    // (ModFineTune, or a multi-output source fine-tuned to one target) its hidden layers under one
    // unit — several targets are refused later, as training from scratch only.
    private static ElemNetSpec SourceArchitecture(TrainRunOptions options, SourceModel source)
    {
        var spec = ElemNetSpec.Parse(source.Manifest.Architecture);
        return options.ReinitializeLast ? spec.WithOutputUnits(1) : spec;
    }

    // The trainer's own checks would throw ArgumentOutOfRangeException in its parameter names; these
    // name the option, the value and the allowed range, first, in the order a user reads them.
    private static void CheckBudget(TrainRunOptions options)
    {
        static void AtLeastOne(string option, int value)
        {
            if (value < 1)
            {
                throw new OptionException(option, value.ToString(CultureInfo.InvariantCulture), "must be at least 1.");
            }
        }
        AtLeastOne(nameof(TrainRunOptions.BatchSize), options.BatchSize);
        AtLeastOne(nameof(TrainRunOptions.MaxEpochs), options.MaxEpochs);
        AtLeastOne(nameof(TrainRunOptions.Patience), options.Patience);
        if (options.TimeLimit is { } limit && !(limit > TimeSpan.Zero))
        {
            throw new OptionException(nameof(TrainRunOptions.TimeLimit), limit.TotalSeconds.ToString(CultureInfo.InvariantCulture), "must be a positive number of seconds.");
        }
        if (!(options.LearningRate >= 0 && float.IsFinite(options.LearningRate)))
        {
            throw new OptionException(nameof(TrainRunOptions.LearningRate), options.LearningRate.ToString(CultureInfo.InvariantCulture), "must be a finite number, 0 or more.");
        }
    }

    /// <summary>
    /// Whether inputs are standardised, and with which stored scaling. A fine-tuned model keeps its
    /// source's input scaling: the source's first layer was trained on exactly those inputs.
    /// Otherwise auto means standard for pa, none for the rest.
    /// </summary>
    public static (InputScaling Scaling, InputScaler? SourceScaler) ResolveInputScaling(TrainRunOptions options, SourceModel? source, FeatureSource features)
    {
        var sourceScaler = source?.Manifest.ReadInputScaler(source.ManifestPath);
        var inputScaling = source is null
            ? options.InputScaling.Resolve(features.Kind)
            : sourceScaler is null ? InputScaling.None : InputScaling.Standard;
        if (source is not null && options.InputScaling != InputScaling.Auto && options.InputScaling != inputScaling)
        {
            throw new OptionException(nameof(TrainRunOptions.InputScaling), options.InputScaling.ToName(),
                $"the source model {source.ManifestPath} was trained with input scaling '{inputScaling.ToName()}', which fine-tuning keeps.");
        }
        return (inputScaling, sourceScaler);
    }

    /// <summary>
    /// Training's own allocations, estimated before any is made: on the device the parameters with
    /// their gradients, Adam moments and best copy, the activations of the largest batch, and the
    /// train and validation sets; on the host the shuffle buffer and the per-epoch checkpoint
    /// copies, plus the device's share when the device is this CPU.
    /// </summary>
    public void CheckMemory(DeviceInfo device, TrainRunOptions options, RunData data)
    {
        var (parameters, activations) = Sequential.Measure(data.Train.Width, Layers);
        long maxRows = MaxRows(options);
        long rows = data.Train.Count + data.Validation.Count;
        // What the network takes (weights, Adam's moments, gradients, activations of a batch)
        // against what the data takes: the advice names the larger.
        var networkBytes = 4 * (5 * parameters + 2 * maxRows * activations);
        var dataBytes = 4 * rows * (data.Train.Width + 1);
        var deviceBytes = networkBytes + dataBytes;
        var hostBytes = 4 * ((long)data.Train.Count * data.Train.Width + 5 * parameters) + (device.IsGpu ? 0 : deviceBytes);
        if (device.IsGpu && device.MemoryBytes > 0 && deviceBytes > device.MemoryBytes)
        {
            throw new OptionException(nameof(TrainRunOptions.Device), device.ToString(), string.Create(CultureInfo.InvariantCulture,
                $"training {Spec} on {rows:N0} rows needs about {MemoryBudget.Gib(deviceBytes)} of device memory, but it has {MemoryBudget.Gib(device.MemoryBytes)}; {Advice(networkBytes, dataBytes, parameters)}, or use the cpu device."));
        }
        var inUse = GC.GetTotalMemory(forceFullCollection: false);
        if (hostBytes + inUse > MemoryBudget.HostBytes)
        {
            var hostNetwork = 4 * 5 * parameters + (device.IsGpu ? 0 : networkBytes);
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"training {Spec} on {rows:N0} rows needs about {MemoryBudget.Gib(hostBytes)} of memory besides the {MemoryBudget.Gib(inUse)} the data already takes, but this machine has {MemoryBudget.Gib(MemoryBudget.HostBytes)}; {Advice(hostNetwork, hostBytes - hostNetwork, parameters)}."));
        }
    }

    // The larger share decides the advice: a network too large for the machine needs a smaller
    // architecture whatever the data; data too large needs fewer rows.
    private static string Advice(long networkBytes, long dataBytes, long parameters) => networkBytes >= dataBytes
        ? string.Create(CultureInfo.InvariantCulture,
            $"the network ({parameters:N0} parameters) takes {MemoryBudget.Gib(networkBytes)} of it, the data {MemoryBudget.Gib(dataBytes)}: use a smaller architecture (--arch) or a smaller --batch-size")
        : string.Create(CultureInfo.InvariantCulture,
            $"the data takes {MemoryBudget.Gib(dataBytes)} of it, the network {MemoryBudget.Gib(networkBytes)}: use fewer rows");

    private static int MaxRows(TrainRunOptions options) => Math.Max(options.BatchSize, InferenceRows);

    /// <summary>
    /// The network with its starting weights: Glorot, then the source model's (fine-tuning) unless a
    /// checkpoint is about to replace them all.
    /// </summary>
    public Sequential Build(TrainRunOptions options, SourceModel? source, IComputeBackend backend, int inputWidth, bool startsFromCheckpoint, TextWriter log)
    {
        var sequential = new Sequential(backend, inputWidth, Layers, MaxRows(options), (ulong)options.Seed);
        try
        {
            sequential.InitializeGlorotUniform(options.Seed);
            if (source is not null && !startsFromCheckpoint)
            {
                try
                {
                    // A new output layer takes nothing from the source's, whose width may differ (several outputs).
                    if (options.ReinitializeLast)
                    {
                        ModelWeights.LoadAllButOutputLayer(sequential, source.WeightsPath);
                    }
                    else
                    {
                        ModelWeights.Load(sequential, source.WeightsPath);
                    }
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
}
