using CrossPropertyILGPU.Transfer.Chemistry;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>A source model to fine-tune: its manifest, where it and its weights are.</summary>
internal sealed record SourceModel(string ManifestPath, string WeightsPath, ModelManifest Manifest)
{
    /// <summary>FineTune keeps the source's output layer, and with it the source's target scaling.</summary>
    public static bool KeepsScaling(TrainRunOptions options, SourceModel? source) =>
        source is not null && !options.ReinitializeLast;

    /// <summary>The source <paramref name="options"/> name (null when training from scratch), checked against the features.</summary>
    public static SourceModel? Load(TrainRunOptions options, FeatureSource features)
    {
        if (options.SourceModel is null)
        {
            return null;
        }
        var manifestPath = RunFolder.ResolveManifest(options.SourceModel);
        var manifest = ModelManifest.Load(manifestPath);
        if (manifest.FeatureKind != features.Kind || manifest.InputWidth != features.Width)
        {
            throw new OptionException(nameof(TrainRunOptions.Features), options.Features,
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
