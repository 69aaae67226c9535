using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network;
using CrossPropertyILGPU.Network.Checkpoints;
using CrossPropertyILGPU.Network.Spec;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Chemistry;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer;

/// <summary>
/// A trained model ready to predict: the network on a backend, its manifest and target scaling.
/// The facade for embedding: <c>using var model = MaterialsModel.Load("runs/x"); model.Predict(["Fe2O3"])</c>.
/// </summary>
public sealed class MaterialsModel : IDisposable
{
    /// <summary>Rows per inference chunk.</summary>
    public const int InferenceRows = NetworkDesign.InferenceRows;

    // The pooled backend this model was loaded onto, given back on Dispose; null when the caller owns the backend.
    private readonly BackendLease? _lease;

    private MaterialsModel(ModelManifest manifest, IComputeBackend backend, Sequential network, BackendLease? lease, FeatureSource features)
    {
        Features = features;
        Manifest = manifest;
        Backend = backend;
        Network = network;
        _lease = lease;
        Scaler = new TargetScaler(manifest.TargetOffset, manifest.TargetScale);
        Scalers = manifest.TargetScalers();
    }

    /// <summary>What the model is.</summary>
    public ModelManifest Manifest { get; }

    /// <summary>Where it runs.</summary>
    public IComputeBackend Backend { get; }

    /// <summary>The network.</summary>
    public Sequential Network { get; }

    /// <summary>Maps network outputs to target units (with several targets, the first's; see <see cref="Scalers"/>).</summary>
    public TargetScaler Scaler { get; }

    /// <summary>One scaler per output, in output order (<see cref="ModelManifest.TargetList"/>).</summary>
    public IReadOnlyList<TargetScaler> Scalers { get; }

    /// <summary>Targets the model predicts per row: the network's output width, the length of <see cref="ModelManifest.TargetList"/>.</summary>
    public int Outputs => Network.OutputWidth;

    /// <summary>How formulas become the model's inputs (elemental fractions, physical attributes or the model's feature file, standardised when the model says so).</summary>
    public FeatureSource Features { get; }

    /// <summary>
    /// For a model made by <see cref="FineTune(IReadOnlyList{string}, IEnumerable{ValueTuple{string, double}}, FineTuneSettings?)"/>
    /// from several sources: how each scored on validation and which was chosen (<see cref="ModelManifest.SourceModel"/>
    /// names it too); null for any other model.
    /// </summary>
    public ScreeningFile? Screening { get; private init; }

    /// <summary>
    /// Loads a model from a run folder, a <c>model.json</c>, or a <c>model.safetensors</c> (whose
    /// <c>model.json</c> sits beside it), onto this process's backend of <paramref name="device"/>
    /// (<see cref="BackendPool"/>: created and compiled once, reused by later loads and runs).
    /// </summary>
    public static MaterialsModel Load(string path, DeviceKind device = DeviceKind.Auto)
    {
        var manifestPath = ResolveManifest(path);
        var manifest = ModelManifest.Load(manifestPath);
        // The files are checked against each other before a backend is even rented.
        var files = ModelFiles.Check(manifestPath, manifest);
        var lease = BackendPool.Rent(device);
        try
        {
            return Load(manifestPath, manifest, files, lease.Backend, lease);
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    /// <summary>Loads onto an existing backend (not disposed with the model).</summary>
    public static MaterialsModel Load(string path, IComputeBackend backend)
    {
        var manifestPath = ResolveManifest(path);
        var manifest = ModelManifest.Load(manifestPath);
        return Load(manifestPath, manifest, ModelFiles.Check(manifestPath, manifest), backend, lease: null);
    }

    /// <summary>The layer stack a manifest describes.</summary>
    public static IReadOnlyList<LayerSpec> Layers(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return ElemNetLayers.Build(ElemNetSpec.Parse(manifest.Architecture), manifest.KeepProbabilities);
    }

    /// <summary>
    /// Predictions, in target units, for featurised rows: one per row, or with several targets
    /// row-major rows × <see cref="Outputs"/>, each column in its target's units.
    /// </summary>
    public float[] Predict(FeaturizedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Width != Manifest.InputWidth)
        {
            throw new UsageException($"The data has {data.Width} features per row; the model takes {Manifest.InputWidth}.");
        }
        return Outputs == 1
            ? Scaler.Predict(Network, data.Features, data.Count)
            : TargetScaler.PredictPerTarget(Scalers, Network, data.Features, data.Count);
    }

    /// <summary>Predictions for formulas (row-major rows × <see cref="Outputs"/> with several targets); a formula the model cannot featurise throws <see cref="UsageException"/>.</summary>
    public float[] Predict(IEnumerable<string> formulas) => Predict(Featurize(formulas));

    private FeaturizedData Featurize(IEnumerable<string> formulas)
    {
        ArgumentNullException.ThrowIfNull(formulas);
        var records = formulas.Select((f, i) => new MaterialsRecord(i + 1, f, null)).ToList();
        var data = Features.Featurize(new MaterialsTable("(formulas)", "formula", null, records));
        if (data.Skipped.Count > 0)
        {
            var first = data.Skipped[0];
            throw new UsageException($"Formula '{first.Formula}' cannot be used: {first.Reason}");
        }
        return data;
    }

    /// <summary>
    /// Activations of hidden dense layer <paramref name="layer"/> (1-based: 1 … 16 for ElemNet) for
    /// each formula: one row of the layer's width per formula (TL:FeatExtr descriptors).
    /// </summary>
    public float[][] Extract(IEnumerable<string> formulas, int layer)
    {
        var data = Featurize(formulas);
        var hidden = Network.DenseLayers.Count - 1;
        if (layer < 1 || layer > hidden)
        {
            throw new UsageException($"Layer {layer}: the model has hidden dense layers 1 to {hidden}.");
        }
        var width = Network.DenseLayers[layer - 1].OutputWidth;
        var flat = Network.Activations(data.Features, data.Count, [layer - 1])[0];
        return [.. Enumerable.Range(0, data.Count).Select(i => flat.AsSpan(i * width, width).ToArray())];
    }

    /// <summary>
    /// Fine-tunes the model at <paramref name="sourcePath"/> on in-memory (formula, value) pairs and
    /// returns the trained model, loaded on the backend it trained on. The run folder (config, splits,
    /// metrics, model files) goes to <see cref="FineTuneSettings.OutputDirectory"/>, or to a
    /// temporary folder deleted once the model is loaded.
    /// </summary>
    public static MaterialsModel FineTune(string sourcePath, IEnumerable<(string Formula, double Value)> samples, FineTuneSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(sourcePath);
        return FineTune([sourcePath], samples, settings);
    }

    /// <summary>
    /// Fine-tunes the best of several source models on in-memory (formula, value) pairs: each is
    /// fine-tuned briefly on the samples' training split and scored on their validation split
    /// (<see cref="FineTuneSettings.Screening"/>; the same split and seed for each), then the one with
    /// the lowest validation MAE is fine-tuned at the full budget and returned, its scores in
    /// <see cref="Screening"/>. Sources may differ in their output layers: a multi-output (multi-task)
    /// source gets a new one-unit output layer. With one source this is
    /// <see cref="FineTune(string, IEnumerable{ValueTuple{string, double}}, FineTuneSettings?)"/>.
    /// </summary>
    public static MaterialsModel FineTune(IReadOnlyList<string> sourcePaths, IEnumerable<(string Formula, double Value)> samples, FineTuneSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(sourcePaths);
        ArgumentNullException.ThrowIfNull(samples);
        if (sourcePaths.Count == 0)
        {
            throw new OptionException(nameof(TrainRunOptions.SourceModel), null, "give at least one source model.");
        }
        settings ??= new FineTuneSettings();
        var records = samples.Select((s, i) => new MaterialsRecord(i + 1, s.Formula, (float)s.Value)).ToList();
        var data = Featurizer.ElementalFractions(new MaterialsTable("(samples)", "formula", settings.TargetName, records));
        if (data.Skipped.Count > 0)
        {
            var first = data.Skipped[0];
            throw new UsageException($"Sample {first.Line}, formula '{first.Formula}', cannot be used: {first.Reason}");
        }
        var temporary = settings.OutputDirectory is null;
        var folder = settings.OutputDirectory ?? Path.Combine(Path.GetTempPath(), "cpilgpu-finetune-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new TrainRunOptions
            {
                TrainPaths = ["(in-memory samples)"],
                SourceModel = sourcePaths.Count == 1 ? sourcePaths[0] : null,
                ReinitializeLast = settings.ReinitializeLast,
                FreezeDenseLayers = settings.FreezeDenseLayers,
                ValidationFraction = settings.ValidationFraction,
                MaxEpochs = settings.MaxEpochs,
                Patience = settings.Patience,
                LearningRate = settings.LearningRate,
                TimeLimit = settings.TimeLimit,
                Device = settings.Device,
                Seed = settings.Seed,
                OutputDirectory = folder,
                CheckpointEvery = 0,
            };
            var log = settings.Log ?? TextWriter.Null;
            if (sourcePaths.Count == 1)
            {
                return Load(TrainingRun.Run(options, data, settings.TargetName, log).OutputDirectory, settings.Device);
            }
            var screened = SourceScreening.Run(options, sourcePaths, settings.Screening, (data, settings.TargetName), log, progress: null, CancellationToken.None);
            var model = Load(screened.Final.OutputDirectory, settings.Device);
            return new MaterialsModel(model, screened.Screening);
        }
        finally
        {
            if (temporary && Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    // The same loaded model with the screening that chose its source: the network and lease move over.
    private MaterialsModel(MaterialsModel loaded, ScreeningFile screening)
        : this(loaded.Manifest, loaded.Backend, loaded.Network, loaded._lease, loaded.Features)
    {
        Screening = screening;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Network.Dispose();
        _lease?.Dispose();
    }

    private static MaterialsModel Load(string manifestPath, ModelManifest manifest, CheckedModel files, IComputeBackend backend, BackendLease? lease)
    {
        FeatureSource features;
        if (manifest.FeatureKind == FeatureKind.ElementalFractions && manifest.InputWidth == ElementalFractions.Width)
        {
            if (!manifest.Elements.SequenceEqual(ElementTable.ElemNetElements))
            {
                throw new UsageException($"{manifestPath}: the model's element order differs from this engine's; it cannot be fed the same fractions.");
            }
            features = FeatureSource.ElementalFractions;
        }
        else if (manifest.FeatureKind == FeatureKind.File && manifest.FeatureFile is { } featureFile)
        {
            // A model trained on extracted features needs its feature file to featurise formulas.
            features = File.Exists(featureFile)
                ? FeatureFile.Load(featureFile)
                : throw new UsageException($"{manifestPath}: the model takes features from '{featureFile}', which does not exist here.");
            if (features.Width != manifest.InputWidth)
            {
                throw new UsageException($"{manifestPath}: '{featureFile}' has {features.Width} features; the model takes {manifest.InputWidth}.");
            }
        }
        else if (manifest.FeatureKind == FeatureKind.PhysicalAttributes && manifest.InputWidth == PhysicalAttributes.Width)
        {
            if (manifest.FeatureNames is { Length: > 0 } names && !names.SequenceEqual(PhysicalAttributes.Names))
            {
                throw new UsageException($"{manifestPath}: the model's physical attributes differ from this engine's (names or order); it cannot be fed the same features.");
            }
            features = FeatureSource.PhysicalAttributes;
        }
        else
        {
            throw new UsageException($"{manifestPath}: feature kind '{manifest.FeatureKind.ToName()}' with {manifest.InputWidth} inputs is not supported by this version.");
        }
        // Rows are standardised as in training, wherever the model featurises them (evaluate, predict, extract).
        if (manifest.ReadInputScaler(manifestPath) is { } scaler)
        {
            features = features.WithScaling(scaler);
        }
        // Sizes, shapes and the weights' hash were checked by ModelFiles.Check; what is left is whether the network fits here.
        ModelFiles.CheckMemory(manifestPath, files, manifest.InputWidth, backend.Device, InferenceRows);
        var network = new Sequential(backend, manifest.InputWidth, files.Layers, InferenceRows);
        try
        {
            if (manifest.TargetList().Count != network.OutputWidth)
            {
                throw new UsageException(
                    $"{manifestPath}: the network has {network.OutputWidth} outputs but the file describes {manifest.TargetList().Count} targets.");
            }
            var weights = files.WeightsPath;
            try
            {
                ModelWeights.Load(network, weights);
            }
            catch (InvalidDataException e)
            {
                throw new UsageException(e.Message, e);
            }
            return new MaterialsModel(manifest, backend, network, lease, features);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>The model.json a run folder, model.json or model.safetensors path stands for.</summary>
    public static string ResolveManifest(string path) => RunFolder.ResolveManifest(path);
}
