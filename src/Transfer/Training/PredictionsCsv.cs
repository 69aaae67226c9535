using System.Globalization;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>Writes <c>formula,target,prediction</c> CSVs (the target column only when targets exist).</summary>
public static class PredictionsCsv
{
    /// <summary>Writes one row per record to <paramref name="writer"/>.</summary>
    public static void Write(TextWriter writer, FeaturizedData data, ReadOnlySpan<float> predictions, string targetName) =>
        Write(writer, data, predictions, targetName, std: default);

    /// <summary>
    /// Writes one row per record to <paramref name="writer"/>, with a <c>std</c> column (an
    /// ensemble's spread) when <paramref name="std"/> is not empty.
    /// </summary>
    public static void Write(TextWriter writer, FeaturizedData data, ReadOnlySpan<float> predictions, string targetName, ReadOnlySpan<float> std)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(data);
        var withTargets = data.Targets is not null;
        var withStd = !std.IsEmpty;
        writer.WriteLine((withTargets ? $"formula,{CsvOutput.Escape(targetName)},prediction" : "formula,prediction") + (withStd ? ",std" : ""));
        for (var i = 0; i < data.Count; i++)
        {
            var formula = CsvOutput.Escape(data.Records[i].Formula);
            var prediction = predictions[i].ToString("R", CultureInfo.InvariantCulture);
            var spread = withStd ? "," + std[i].ToString("R", CultureInfo.InvariantCulture) : "";
            writer.WriteLine(withTargets
                ? $"{formula},{data.Targets![i].ToString("R", CultureInfo.InvariantCulture)},{prediction}{spread}"
                : $"{formula},{prediction}{spread}");
        }
    }

    /// <summary>Writes to a file.</summary>
    public static void Write(string path, FeaturizedData data, float[] predictions, string targetName) =>
        CsvOutput.WriteAtomically(path, writer =>
        {
            Write(writer, data, predictions, targetName);
            return data.Count;
        });
}
