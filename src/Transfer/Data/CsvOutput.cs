using System.Globalization;
using System.Text;

namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>The CSV files the verbs write: escaping, atomic replacement, and feature tables.</summary>
public static class CsvOutput
{
    /// <summary>RFC 4180 quoting, only where a field needs it (a comma, quote or line break).</summary>
    public static string Escape(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : field;
    }

    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/> under a temporary name and
    /// renames it into place, so a failure part-way never leaves half a file (or destroys the old one).
    /// </summary>
    public static T WriteAtomically<T>(string path, Func<TextWriter, T> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        // Named per write: two writers of the same file (grids sharing a results folder, in one
        // process or several) never write into each other's temporary file; the rename makes one
        // of them win whole.
        var temporary = string.Create(CultureInfo.InvariantCulture, $"{path}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        T result;
        using (var writer = new StreamWriter(temporary))
        {
            result = write(writer);
        }
        File.Move(temporary, path, overwrite: true);
        return result;
    }

    /// <summary>
    /// A feature table: <c>formula</c>, one column per feature (<paramref name="columns"/>), and the
    /// target when <paramref name="targets"/> is given; <paramref name="features"/> is rows × columns.
    /// </summary>
    public static void WriteFeatures(
        TextWriter writer, IReadOnlyList<string> columns, IReadOnlyList<MaterialsRecord> records, ReadOnlySpan<float> features,
        float[]? targets, string targetName)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(records);
        var width = columns.Count;
        var line = new StringBuilder("formula");
        foreach (var column in columns)
        {
            line.Append(',').Append(Escape(column));
        }
        if (targets is not null)
        {
            line.Append(',').Append(Escape(targetName));
        }
        writer.WriteLine(line);
        for (var row = 0; row < records.Count; row++)
        {
            line.Clear().Append(Escape(records[row].Formula));
            foreach (var value in features.Slice(row * width, width))
            {
                line.Append(',').Append(value.ToString("R", CultureInfo.InvariantCulture));
            }
            if (targets is not null)
            {
                line.Append(',').Append(targets[row].ToString("R", CultureInfo.InvariantCulture));
            }
            writer.WriteLine(line);
        }
    }
}
