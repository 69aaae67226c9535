using System.Globalization;
using System.Text;
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
        var header = new StringBuilder("formula");
        foreach (var element in ElementTable.ElemNetElements)
        {
            header.Append(',').Append(element);
        }
        if (data.Targets is not null)
        {
            header.Append(',').Append(Quote(targetName ?? "target"));
        }
        output.WriteLine(header);
        var line = new StringBuilder();
        for (var row = 0; row < data.Count; row++)
        {
            line.Clear().Append(Quote(data.Records[row].Formula));
            foreach (var value in data.Row(row))
            {
                line.Append(',').Append(value.ToString("R", CultureInfo.InvariantCulture));
            }
            if (data.Targets is not null)
            {
                line.Append(',').Append(data.Targets[row].ToString("R", CultureInfo.InvariantCulture));
            }
            output.WriteLine(line);
        }
        return data.Count;
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : field;
}
