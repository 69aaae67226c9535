using System.Globalization;
using System.Text;

namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>The CSV files the verbs write: escaping, atomic replacement, and feature tables.</summary>
public static class CsvOutput
{
    /// <summary>
    /// RFC 4180 quoting, only where a field needs it (a comma, quote or line break); and a text cell
    /// that a spreadsheet would run as a formula (one beginning with <c>=</c>, <c>+</c>, <c>-</c>,
    /// <c>@</c>, a tab or a carriage return, and not a number) is neutralised as OWASP advises: a
    /// single quote before it, and the whole cell quoted. Numbers such as <c>-1.5</c> stay numbers.
    /// </summary>
    public static string Escape(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (IsFormulaLike(field))
        {
            return $"\"'{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
        }
        return field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : field;
    }

    private static bool IsFormulaLike(string field) =>
        field.Length > 0
        && field[0] is '=' or '+' or '-' or '@' or '\t' or '\r'
        && !double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/> under a temporary name and
    /// renames it into place, so a failure part-way never leaves half a file (or destroys the old
    /// one); the temporary file is removed on any failure.
    /// </summary>
    /// <exception cref="UsageException"><paramref name="path"/> is a folder, or no file can be created there.</exception>
    /// <exception cref="IOException">Writing or renaming failed (a full disk); the message names <paramref name="path"/>.</exception>
    public static T WriteAtomically<T>(string path, Func<TextWriter, T> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        return Replace(path, stream =>
        {
            using var writer = new StreamWriter(stream);
            return write(writer);
        });
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> to <paramref name="path"/> as <see cref="WriteAtomically{T}"/>
    /// writes text: under a temporary name, renamed into place, the temporary removed on failure.
    /// For binary outputs such as ONNX models and PNG plots.
    /// </summary>
    /// <exception cref="UsageException"><paramref name="path"/> is a folder, or no file can be created there.</exception>
    /// <exception cref="IOException">Writing or renaming failed (a full disk); the message names <paramref name="path"/>.</exception>
    public static void WriteBytesAtomically(string path, ReadOnlyMemory<byte> bytes) =>
        Replace(path, stream =>
        {
            stream.Write(bytes.Span);
            return 0;
        });

    // The one copy of the temporary-file-and-rename dance; the stream is the temporary file's and
    // is closed (flushed) by the time the rename happens.
    private static T Replace<T>(string path, Func<Stream, T> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            throw new UsageException($"{path}: is a folder; give the name of a file to write.");
        }
        // Named per write: two writers of the same file (grids sharing a results folder, in one
        // process or several) never write into each other's temporary file; the rename makes one
        // of them win whole.
        var temporary = string.Create(CultureInfo.InvariantCulture, $"{path}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        FileStream stream;
        try
        {
            stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new UsageException($"{path}: cannot be created there ({CannotCreateReason(e)}).", e);
        }
        try
        {
            T result;
            using (stream)
            {
                result = write(stream);
            }
            File.Move(temporary, path, overwrite: true);
            return result;
        }
        catch (Exception e)
        {
            DeleteQuietly(temporary);
            if (e.GetType() == typeof(IOException) || e is UnauthorizedAccessException)
            {
                throw new IOException($"{path}: could not be written ({e.Message}).", e);
            }
            throw;
        }
    }

    /// <summary>
    /// Why a file could not be created, in the user's words: .NET reads a missing or read-only
    /// folder (such as one under <c>/proc</c>) as "Could not find file".
    /// </summary>
    public static string CannotCreateReason(Exception e) => e switch
    {
        DirectoryNotFoundException or FileNotFoundException => "the folder does not exist or does not accept new files",
        UnauthorizedAccessException => "permission denied",
        _ => e.Message,
    };

    /// <summary>Deletes <paramref name="path"/> if it can; a temporary left over is the lesser harm than hiding the failure that led here.</summary>
    public static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original failure is the one to report.
        }
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
