using CrossPropertyILGPU.Network.Spec;
using CrossPropertyILGPU.Transfer.Chemistry;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>A source model to fine-tune: its manifest, where it and its weights are.</summary>
internal sealed record SourceModel(string ManifestPath, string WeightsPath, ModelManifest Manifest)
{
    /// <summary>FineTune keeps the source's output layer, and with it the source's target scaling.</summary>
    public static bool KeepsScaling(TrainRunOptions options, SourceModel? source) =>
        source is not null && !options.ReinitializeLast;

    /// <summary>Outputs of the source's network: 1, or one per target of a multi-output (multi-task) source.</summary>
    public int Outputs => ElemNetSpec.Parse(Manifest.Architecture).OutputUnits;

    /// <summary>
    /// <paramref name="options"/> as they apply to <paramref name="source"/>: a source with several
    /// outputs fine-tuned on one target cannot keep its output layer (its widths differ), so the
    /// run replaces it with a fresh one-unit layer — ModFineTune, recorded in config.json as
    /// <c>reinitialize_last</c> — and says so in <paramref name="log"/>. Done implicitly rather than
    /// demanding <c>--reinit-last</c> so that FineTune over several sources (screening, the grid's
    /// zoo methods) works whatever heads they have.
    /// </summary>
    public static TrainRunOptions ResolveHead(TrainRunOptions options, SourceModel? source, TextWriter log)
    {
        // Resumed too: a run's options may come from elsewhere than its config.json (the grid builds its own).
        if (source is null || options.ReinitializeLast || source.Outputs == 1)
        {
            return options;
        }
        var targets = source.Manifest.TargetList().Select(t => t.Name);
        log.WriteLine($"source: {source.ManifestPath} has {source.Outputs} outputs ({string.Join(", ", targets)}); its output layer is replaced by a fresh one-unit layer (as --reinit-last) and every other layer is fine-tuned");
        return options with { ReinitializeLast = true };
    }

    /// <summary>The source <paramref name="options"/> name (null when training from scratch), checked against the features.</summary>
    public static SourceModel? Load(TrainRunOptions options, FeatureSource features)
    {
        if (options.SourceModel is null)
        {
            return null;
        }
        return Load(options.SourceModel, options.Features, features);
    }

    /// <summary>The source model at <paramref name="path"/>, checked against the run's <paramref name="features"/> (<paramref name="featuresOption"/> as given).</summary>
    /// <exception cref="OptionException">On <c>SourceModel</c>: no model there; on <c>Features</c>: the source takes other inputs.</exception>
    public static SourceModel Load(string path, string featuresOption, FeatureSource features)
    {
        var manifestPath = RunFolder.ResolveManifest(path);
        if (!File.Exists(manifestPath))
        {
            throw new OptionException(nameof(TrainRunOptions.SourceModel), path,
                $"no model there ({manifestPath} does not exist); give a run folder, its model.json or its model.safetensors.");
        }
        var manifest = ModelManifest.Load(manifestPath);
        if (manifest.FeatureKind != features.Kind || manifest.InputWidth != features.Width)
        {
            throw new OptionException(nameof(TrainRunOptions.Features), featuresOption,
                $"the source model {manifestPath} takes '{manifest.FeatureKind.ToName()}' features ({manifest.InputWidth} inputs), not these '{features.Kind.ToName()}' features ({features.Width} inputs); fine-tuning needs the same input features.");
        }
        if (manifest.FeatureKind == FeatureKind.ElementalFractions && manifest.InputWidth != ElementalFractions.Width)
        {
            throw new UsageException($"The source model {manifestPath} has {manifest.InputWidth} inputs; elemental fractions have {ElementalFractions.Width}.");
        }
        // Sizes, tensor shapes and the weights' hash, from the header only; the memory training needs is NetworkDesign.CheckMemory's.
        return new SourceModel(manifestPath, ModelFiles.Check(manifestPath, manifest).WeightsPath, manifest);
    }
}
