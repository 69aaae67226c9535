using System.Globalization;
using CrossPropertyILGPU.Transfer.Data;
using CsvHelper;

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

    /// <summary>
    /// A multi-output model's predictions (row-major data.Count × targetNames.Count): a
    /// <c>formula</c> column, then per target <c>&lt;name&gt;,&lt;name&gt;_prediction</c> when
    /// <paramref name="data"/> holds those targets (an unlabelled entry is an empty cell), else
    /// <c>&lt;name&gt;_prediction</c> alone.
    /// </summary>
    public static void WriteSeveral(TextWriter writer, FeaturizedData data, ReadOnlySpan<float> predictions, IReadOnlyList<string> targetNames)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(targetNames);
        var outputs = targetNames.Count;
        if (predictions.Length != data.Count * outputs)
        {
            throw new ArgumentException($"{predictions.Length} predictions for {data.Count} rows of {outputs} targets.", nameof(predictions));
        }
        var withTargets = data.Targets is not null && data.Outputs == outputs;
        var header = new System.Text.StringBuilder("formula");
        foreach (var name in targetNames)
        {
            header.Append(withTargets ? $",{CsvOutput.Escape(name)}" : "").Append(',').Append(CsvOutput.Escape(name + "_prediction"));
        }
        writer.WriteLine(header.ToString());
        var line = new System.Text.StringBuilder();
        for (var i = 0; i < data.Count; i++)
        {
            line.Clear().Append(CsvOutput.Escape(data.Records[i].Formula));
            for (var k = 0; k < outputs; k++)
            {
                if (withTargets)
                {
                    var target = data.Targets![i * outputs + k];
                    line.Append(',').Append(float.IsNaN(target) ? "" : target.ToString("R", CultureInfo.InvariantCulture));
                }
                line.Append(',').Append(predictions[i * outputs + k].ToString("R", CultureInfo.InvariantCulture));
            }
            writer.WriteLine(line.ToString());
        }
    }

    /// <summary>As <see cref="WriteSeveral(TextWriter, FeaturizedData, ReadOnlySpan{float}, IReadOnlyList{string})"/>, to a file.</summary>
    public static void WriteSeveral(string path, FeaturizedData data, float[] predictions, IReadOnlyList<string> targetNames) =>
        CsvOutput.WriteAtomically(path, writer =>
        {
            WriteSeveral(writer, data, predictions, targetNames);
            return data.Count;
        });

    /// <summary>Writes to a file.</summary>
    public static void Write(string path, FeaturizedData data, float[] predictions, string targetName) =>
        CsvOutput.WriteAtomically(path, writer =>
        {
            Write(writer, data, predictions, targetName);
            return data.Count;
        });

    /// <summary>
    /// Reads back a one-target file <see cref="Write(string, FeaturizedData, float[], string)"/>
    /// wrote: each row's formula and its <c>prediction</c> column (exact: written as round-trip
    /// floats). Null when the file does not exist.
    /// </summary>
    /// <exception cref="DataFileException">No <c>prediction</c> column, or a value that is not a number.</exception>
    public static PredictionRows? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        using var reader = CsvReader.FromFile(path, MaterialsCsv.Options);
        var column = reader.Headers.ToList().IndexOf("prediction");
        if (column < 0)
        {
            throw new DataFileException(path, "no 'prediction' column; expected formula,<target>,prediction", line: 1);
        }
        var (formulas, predictions) = (new List<string>(), new List<float>());
        while (reader.Read())
        {
            var text = reader.GetString(column);
            if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var prediction))
            {
                throw new DataFileException(path, $"'{text}' is not a number", checked((int)reader.LineNumber), "prediction", text);
            }
            formulas.Add(reader.GetString(0));
            predictions.Add(prediction);
        }
        return new PredictionRows(formulas, [.. predictions]);
    }
}

/// <summary>The rows of a predictions file: each row's formula and prediction, in file order.</summary>
/// <param name="Formulas">The formula of each row.</param>
/// <param name="Predictions">The prediction of each row.</param>
public sealed record PredictionRows(IReadOnlyList<string> Formulas, float[] Predictions);
