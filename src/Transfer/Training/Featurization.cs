using CrossPropertyILGPU.Transfer.Chemistry;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>
/// The <c>featurize</c> verb's work: each usable formula's features as a CSV — <c>formula</c>, one
/// column per feature (for <c>ef</c> the 86 element symbols in ElemNet's order, H … Pu), and the
/// target when the file has one.
/// </summary>
public static class Featurization
{
    /// <summary>Featurises <paramref name="inputPath"/> into <paramref name="output"/>; returns the rows written.</summary>
    public static int Run(string inputPath, string features, TextWriter output, string? formulaColumn, string? targetColumn, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (features != "ef")
        {
            // Resolve gives the precise reason (pa not available yet; a path is not a feature kind here).
            _ = FeatureSource.Resolve(features);
            throw new UsageException($"--features {features}: featurize computes features from formulas; use ef.");
        }
        var data = DataLoading.Load(inputPath, formulaColumn, targetColumn, requireTargets: false, log, out var targetName);
        CsvOutput.WriteFeatures(output, ElementTable.ElemNetElements, data.Records, data.Features, data.Targets, targetName ?? "target");
        return data.Count;
    }
}
