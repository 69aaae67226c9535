using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>
/// The <c>featurize</c> verb's work: each usable formula's features as a CSV — <c>formula</c>, one
/// column per feature (for <c>ef</c> the 86 element symbols in ElemNet's order, H … Pu; for
/// <c>pa</c> matminer's 145 labels, <c>0-norm</c> … <c>avg ionic char</c>), and the target when the
/// file has one. Features are written as computed, never standardised.
/// </summary>
public static class Featurization
{
    /// <summary>Featurises <paramref name="inputPath"/> into <paramref name="output"/>; returns the rows written.</summary>
    public static int Run(string inputPath, string features, TextWriter output, string? formulaColumn, string? targetColumn, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(output);
        var source = features is "ef" or "pa"
            ? FeatureSource.Resolve(features)
            : throw new OptionException(nameof(TrainRunOptions.Features), features, "featurize computes features from formulas; use ef or pa.");
        var data = DataLoading.OneTarget(
            DataLoading.Load(inputPath, formulaColumn, targetColumn, requireTargets: false, log, out var targetName, source), targetColumn, "featurize");
        CsvOutput.WriteFeatures(output, source.ColumnNames, data.Records, data.Features, data.Targets, targetName ?? "target");
        return data.Count;
    }
}
