using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>
/// <c>model.json</c>, the sidecar of <c>model.safetensors</c>: everything needed to rebuild the network
/// and featurise new formulas the same way — architecture, keep probabilities, input kind and the
/// element order, the target and its scaling — plus a summary of how the model was trained.
/// </summary>
public sealed record ModelManifest
{
    /// <summary>The format tag written by this engine.</summary>
    public const string CurrentFormat = "cpilgpu-model/1";

    /// <summary>Format tag, checked on load.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>Engine version that wrote the file.</summary>
    public string EngineVersion { get; init; } = typeof(ModelManifest).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>ElemNet architecture string.</summary>
    public required string Architecture { get; init; }

    /// <summary>Keep probability of each dropout block, in order.</summary>
    public required float[] KeepProbabilities { get; init; }

    /// <summary>Input features: <c>ef</c> (elemental fractions), <c>pa</c> (physical attributes) or <c>file</c> (looked up in <see cref="FeatureFile"/>).</summary>
    [JsonConverter(typeof(FeatureKindJsonConverter))]
    public required Data.FeatureKind FeatureKind { get; init; }

    /// <summary>For <c>file</c> models: the feature CSV (as given when training) whose rows are looked up by formula.</summary>
    public string? FeatureFile { get; init; }

    /// <summary>Features per sample.</summary>
    public required int InputWidth { get; init; }

    /// <summary>Element symbol of each input column (for <c>ef</c>; empty otherwise).</summary>
    public required string[] Elements { get; init; }

    // The input-scaling members arrived after the first models were shipped; the source-generated
    // reader leaves members a file lacks null, so each one reads as its neutral value when absent.

    /// <summary>Name of each input column for <c>pa</c> (matminer's labels, checked on load); empty or absent otherwise.</summary>
    public string[]? FeatureNames { get; init; }

    /// <summary>
    /// <c>none</c> (inputs fed as featurised; also when absent) or <c>standard</c>: each input
    /// column j is fed as (x − <see cref="InputOffsets"/>[j]) / <see cref="InputScales"/>[j],
    /// fitted on the training split.
    /// </summary>
    public string? InputScaling { get; init; }

    /// <summary>For <c>standard</c> input scaling: the training mean of each input column.</summary>
    public double[]? InputOffsets { get; init; }

    /// <summary>For <c>standard</c> input scaling: the training standard deviation of each input column (1 for constant columns).</summary>
    public double[]? InputScales { get; init; }

    /// <summary>Name of the target column the model was trained on (with several targets, the first; see <see cref="Targets"/>).</summary>
    public required string TargetName { get; init; }

    /// <summary>Predictions are network output × TargetScale + TargetOffset.</summary>
    public required double TargetOffset { get; init; }

    /// <summary>See <see cref="TargetOffset"/>.</summary>
    public required double TargetScale { get; init; }

    /// <summary>Mean target of the training split: the mean predictor's constant.</summary>
    public required double TrainTargetMean { get; init; }

    /// <summary>
    /// A multi-output model's targets, one per network output in order: name, unit if known, scaling
    /// and training mean. Absent (null, not written) for a single-target model, whose one target is
    /// <see cref="TargetName"/>, <see cref="TargetOffset"/>, <see cref="TargetScale"/> and
    /// <see cref="TrainTargetMean"/>; when present those fields repeat the first target, so a reader
    /// that knows one target still finds one. Use <see cref="TargetList"/> to read either form.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ModelTarget[]? Targets { get; init; }

    /// <summary>Training loss: mae or mse.</summary>
    [JsonConverter(typeof(LossJsonConverter))]
    public required Kernels.Backends.LossKind Loss { get; init; }

    /// <summary>Weights file name, beside this file.</summary>
    public string Weights { get; init; } = RunFolder.WeightsFileName;

    /// <summary>
    /// SHA-256 (lower-case hex) of the weights file as it was written, checked on load so weights
    /// from another run with the same architecture are refused instead of predicting with this
    /// file's scaling. Manifests written before this field existed — the shipped
    /// <c>models/elemnet-oqmd/model.json</c> among them — lack it (null, and not written when null);
    /// they load as before, with the weights checked by shape only.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? WeightsSha256 { get; init; }

    /// <summary>How the model was trained.</summary>
    public TrainingSummary? Training { get; init; }

    /// <summary>scratch, finetune or modfinetune.</summary>
    public string TransferMode { get; init; } = "scratch";

    /// <summary>The source model's manifest path, for fine-tuned models.</summary>
    public string? SourceModel { get; init; }

    /// <summary>Leading dense layers that were frozen in training.</summary>
    public int FrozenDenseLayers { get; init; }

    /// <summary>Every target in output order: <see cref="Targets"/>, or the single-target fields as a list of one.</summary>
    public IReadOnlyList<ModelTarget> TargetList() =>
        Targets is { Length: > 0 } targets
            ? targets
            : [new ModelTarget { Name = TargetName, Offset = TargetOffset, Scale = TargetScale, TrainMean = TrainTargetMean }];

    /// <summary>One target scaler per output (network output × Scale + Offset), in output order.</summary>
    public Network.Training.TargetScaler[] TargetScalers() =>
        [.. TargetList().Select(t => new Network.Training.TargetScaler(t.Offset, t.Scale))];

    /// <summary>The weights file beside the manifest at <paramref name="manifestPath"/>; it must exist.</summary>
    /// <exception cref="UsageException">The weights file is missing.</exception>
    public string WeightsPath(string manifestPath)
    {
        var weights = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(manifestPath))!, Weights);
        return File.Exists(weights)
            ? weights
            : throw new UsageException($"{manifestPath}: its weights file '{weights}' does not exist.");
    }

    /// <summary>The stored input scaling: null for <c>none</c>, the scaler for <c>standard</c>.</summary>
    /// <param name="manifestPath">This manifest's path, for messages.</param>
    /// <exception cref="UsageException">An unknown scaling, or offsets and scales that do not fit the inputs.</exception>
    public Data.InputScaler? ReadInputScaler(string manifestPath)
    {
        var scaling = InputScaling is null ? Data.InputScaling.None
            : Vocabulary.InputScaling.TryParse(InputScaling, out var named) && named != Data.InputScaling.Auto ? named
            : throw new UsageException($"{manifestPath}: input scaling '{InputScaling}' is not known to this version (standard or none).");
        if (scaling == Data.InputScaling.None)
        {
            return null;
        }
        if (InputOffsets is null || InputScales is null || InputOffsets.Length != InputWidth || InputScales.Length != InputWidth)
        {
            throw new UsageException(
                $"{manifestPath}: standard input scaling needs {InputWidth} offsets and scales; it has {InputOffsets?.Length ?? 0} and {InputScales?.Length ?? 0}.");
        }
        try
        {
            return new Data.InputScaler(InputOffsets, InputScales);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"{manifestPath}: {e.Message}", e);
        }
    }

    /// <summary>Writes the manifest as indented JSON, beside and renamed into place (<see cref="Data.CsvOutput.WriteAtomically{T}"/>).</summary>
    public void Save(string path)
    {
        var json = JsonSerializer.Serialize(this, TransferJson.Default.ModelManifest);
        Data.CsvOutput.WriteAtomically(path, writer =>
        {
            writer.Write(json);
            return 0;
        });
    }

    /// <summary>Reads a manifest; a missing or foreign file is a <see cref="UsageException"/>.</summary>
    public static ModelManifest Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"Model file '{path}' does not exist.");
        }
        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(File.ReadAllText(path), TransferJson.Default.ModelManifest);
        }
        catch (JsonException e)
        {
            throw new UsageException($"'{path}' is not a model.json written by this engine: {e.Message}", e);
        }
        if (manifest is null || manifest.Format != CurrentFormat)
        {
            throw new UsageException($"'{path}' is not a model.json written by this engine (format '{manifest?.Format}', expected '{CurrentFormat}').");
        }
        return manifest;
    }
}

/// <summary>One target of a multi-output model (an entry of <see cref="ModelManifest.Targets"/>).</summary>
public sealed record ModelTarget
{
    /// <summary>Name of the target column.</summary>
    public required string Name { get; init; }

    /// <summary>Its unit, when known (e.g. <c>eV/atom</c>); null otherwise.</summary>
    public string? Unit { get; init; }

    /// <summary>Predictions are network output × <see cref="Scale"/> + Offset.</summary>
    public required double Offset { get; init; }

    /// <summary>See <see cref="Offset"/>.</summary>
    public required double Scale { get; init; }

    /// <summary>Mean of this target over the training split's labelled rows: the mean predictor's constant.</summary>
    public required double TrainMean { get; init; }
}

/// <summary>How a model was trained (written into model.json).</summary>
public sealed record TrainingSummary
{
    /// <summary>Epochs run.</summary>
    public int Epochs { get; init; }

    /// <summary>Epoch whose weights were kept.</summary>
    public int BestEpoch { get; init; }

    /// <summary>Validation MAE at that epoch, in target units.</summary>
    public double BestValidationMae { get; init; }

    /// <summary>Why training stopped.</summary>
    public string StopReason { get; init; } = "";

    /// <summary>Wall time of training.</summary>
    public double Seconds { get; init; }

    /// <summary>Training rows.</summary>
    public int TrainRows { get; init; }

    /// <summary>Validation rows.</summary>
    public int ValidationRows { get; init; }

    /// <summary>Device description.</summary>
    public string Device { get; init; } = "";

    /// <summary>Seed of the run.</summary>
    public int Seed { get; init; }

    /// <summary>Batch size.</summary>
    public int BatchSize { get; init; }

    /// <summary>Adam learning rate.</summary>
    public float LearningRate { get; init; }

    /// <summary>Training files.</summary>
    public string[] TrainFiles { get; init; } = [];
}

/// <summary>Source-generated JSON for the run folder's files (snake_case, indented).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ModelManifest))]
[JsonSerializable(typeof(RunConfig))]
[JsonSerializable(typeof(SplitsFile))]
[JsonSerializable(typeof(ScreeningFile))]
[JsonSerializable(typeof(EnsembleFile))]
internal sealed partial class TransferJson : JsonSerializerContext;
