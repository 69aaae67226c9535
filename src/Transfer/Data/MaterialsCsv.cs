using System.Globalization;
using System.Text;
using CsvHelper;

namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>
/// Reads materials data files: CSV with a header, one compound per row, a formula column and
/// usually one numeric target column, as the JARVIS sets of the paper are shipped
/// (<c>,pretty_comp,gap expt</c> — an unnamed row-index column first).
/// </summary>
/// <remarks>
/// <para>Columns are found as the command line documents it:</para>
/// <list type="bullet">
/// <item>The formula column is the one named by <c>formulaColumn</c>, else the leftmost column named
/// <c>formula</c>, <c>pretty_comp</c> or <c>composition</c> (case-insensitive).</item>
/// <item>The target column is the one named by <c>targetColumn</c>, else the last column that is
/// neither the formula column nor a leading unnamed index column.</item>
/// <item>A first column with an empty header name is a row index and is ignored.</item>
/// <item>Names are matched exactly first, then ignoring case; they may contain spaces (<c>gap expt</c>).
/// Whitespace around names and values is ignored.</item>
/// </list>
/// <para>
/// Numbers are read with the invariant culture (<c>1.5</c>, <c>-2e-3</c>) and must be finite 32-bit
/// floats. Every row must have as many fields as the header, and no two header names may be the
/// same. A one-column header holding ';' or a tab is taken for a file with another separator and refused
/// (the message says so); a column not found comes with the closest header name, when one is
/// close. Empty lines are skipped, a UTF-8 byte
/// order mark and CRLF line ends are accepted. Any problem throws a <see cref="DataFileException"/>
/// naming the file and, where it applies, the line, column and value.
/// </para>
/// </remarks>
public static class MaterialsCsv
{
    /// <summary>Header names recognised as the formula column, in no particular priority: the leftmost match wins.</summary>
    public static IReadOnlyList<string> FormulaColumnNames { get; } = Array.AsReadOnly(["formula", "pretty_comp", "composition"]);

    internal static readonly CsvReaderOptions Options = new()
    {
        // Never guess the separator: a file with a single formula column has no separator to detect.
        Separator = ',',
        HasHeader = true,
        TrimWhitespace = true,
        SkipEmptyLines = true,
        TrackLineNumbers = true,
        MalformedData = CsvMalformedDataHandling.Throw,
        // Checked here instead, to report the line and the expected count.
        FieldCountMismatch = CsvFieldCountHandling.Allow,
        FormatProvider = CultureInfo.InvariantCulture,
    };

    /// <summary>Reads a materials CSV file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="formulaColumn">The name of the formula column, or null to find it by name (see remarks).</param>
    /// <param name="targetColumn">
    /// The name of the target column, or null for the last column (see remarks). Several names
    /// separated by commas (<c>band_gap,delta_e</c>, when no column is named so) read several
    /// targets: each record's <see cref="MaterialsRecord.Targets"/> in that order, an empty cell
    /// read as NaN (the row is not labelled for that target), never an error.
    /// </param>
    /// <param name="requireTarget">
    /// True (training and evaluation) when every row must have a numeric target; false (prediction)
    /// when the file may lack a target column and empty target cells read as null.
    /// </param>
    /// <returns>The rows and the columns they were read from.</returns>
    /// <exception cref="ArgumentException">A given column name is empty or whitespace.</exception>
    /// <exception cref="DataFileException">
    /// The file is missing or unreadable, empty, or has no data rows; the formula column or a given
    /// target column is not in the header; a required target is missing, or a target is not a finite
    /// number; a row has the wrong number of fields; or the CSV quoting is malformed.
    /// </exception>
    public static MaterialsTable Read(string path, string? formulaColumn = null, string? targetColumn = null, bool requireTarget = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (formulaColumn is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(formulaColumn);
        }
        if (targetColumn is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(targetColumn);
        }
        if (Directory.Exists(path))
        {
            throw new DataFileException(path, "is a directory, not a data file");
        }
        if (!File.Exists(path))
        {
            throw new DataFileException(path, "file not found");
        }

        try
        {
            using var reader = CsvReader.FromFile(path, Options);
            var header = reader.Headers;
            if (header.Count == 0)
            {
                throw new DataFileException(path, "the file is empty; expected a header line and data rows");
            }

            CheckHeader(path, header);
            if (targetColumn is not null && targetColumn.Contains(',', StringComparison.Ordinal) && FindColumn(header, targetColumn) < 0)
            {
                return ReadSeveralTargets(path, reader, header, formulaColumn, targetColumn);
            }
            var columns = ResolveColumns(path, header, formulaColumn, targetColumn, requireTarget);
            var records = new List<MaterialsRecord>();
            while (reader.Read())
            {
                records.Add(ReadRecord(path, reader, header, columns, requireTarget));
            }
            if (records.Count == 0)
            {
                throw new DataFileException(path, "the file has a header but no data rows");
            }

            return new MaterialsTable(
                path, header[columns.Formula], columns.Target is { } target ? header[target] : null, records);
        }
        catch (CsvFormatException e)
        {
            throw new DataFileException(path, e.Message, e.LineNumber > 0 ? checked((int)e.LineNumber) : null, innerException: e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFileException(path, $"cannot be read: {e.Message}", innerException: e);
        }
    }

    // A header that cannot be meant as this reader reads it: another separator (a spreadsheet's
    // ';' export, a tab-separated file) shows up as one single name holding the separator; two
    // columns of the same name would make "the column 'x'" ambiguous.
    private static void CheckHeader(string path, IReadOnlyList<string> header)
    {
        foreach (var (separator, name) in new[] { (';', "semicolons (;)"), ('\t', "tabs") })
        {
            var field = header[0];
            if (header.Count == 1 && field.Contains(separator, StringComparison.Ordinal))
            {
                var shown = field.Replace("\t", "\\t", StringComparison.Ordinal);
                throw new DataFileException(
                    path,
                    $"the file is separated by {name}, not commas (the header reads as the one column '{shown}'); " +
                    "save it as CSV with ',' between columns and '.' as the decimal point",
                    line: 1, column: shown, value: field);
            }
        }
        for (var i = 0; i < header.Count; i++)
        {
            if (header[i].Length == 0)
            {
                continue;
            }
            for (var j = i + 1; j < header.Count; j++)
            {
                if (string.Equals(header[i], header[j], StringComparison.Ordinal))
                {
                    throw new DataFileException(
                        path, $"the header names '{header[i]}' twice (columns {i + 1} and {j + 1}); rename one of them", line: 1, column: header[i], value: header[i]);
                }
            }
        }
    }

    // "; did you mean 'gap expt'?" when a header name is close to one of the wanted names: a
    // typo, a case or separator slip ('gap_expt'), or a prefix ('gap' for 'gap expt').
    private static string Suggest(IReadOnlyList<string> header, IReadOnlyList<string> wanted, string? option = null)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var name in header.Where(h => h.Length > 0))
        {
            foreach (var target in wanted)
            {
                var a = name.ToLowerInvariant();
                var b = target.Trim().ToLowerInvariant();
                var distance = a.StartsWith(b, StringComparison.Ordinal) || b.StartsWith(a, StringComparison.Ordinal)
                    ? 1
                    : EditDistance(a, b);
                if (distance <= Math.Max(1, Math.Min(a.Length, b.Length) / 3) && distance < bestDistance)
                {
                    (best, bestDistance) = (name, distance);
                }
            }
        }
        return best is null ? "" : option is null ? $"; did you mean '{best}'?" : $"; did you mean '{best}'? (give {option} \"{best}\")";
    }

    /// <summary>Levenshtein distance: single-character insertions, deletions and substitutions.</summary>
    internal static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>Where the formula and target are among the fields of a row.</summary>
    private readonly record struct ColumnIndices(int Formula, int? Target);

    private static ColumnIndices ResolveColumns(
        string path, IReadOnlyList<string> header, string? formulaName, string? targetName, bool requireTarget)
    {
        var hasIndexColumn = header[0].Length == 0;

        int formula;
        if (formulaName is not null)
        {
            formula = FindColumn(header, formulaName);
            if (formula < 0)
            {
                throw new DataFileException(
                    path, $"formula column '{formulaName}' not found; the columns are {ListColumns(header)}{Suggest(header, [formulaName])}", column: formulaName);
            }
        }
        else
        {
            formula = FindFormulaColumn(header);
            if (formula < 0)
            {
                throw new DataFileException(
                    path,
                    $"no formula column (a column named {string.Join(", ", FormulaColumnNames.Select(n => $"'{n}'"))}); " +
                    $"the columns are {ListColumns(header)}{Suggest(header, FormulaColumnNames, "--formula-column")}");
            }
        }

        int? target;
        if (targetName is not null)
        {
            var found = FindColumn(header, targetName);
            if (found < 0)
            {
                throw new DataFileException(
                    path, $"target column '{targetName}' not found; the columns are {ListColumns(header)}{Suggest(header, [targetName])}", column: targetName);
            }
            if (found == formula)
            {
                throw new DataFileException(path, $"column '{header[found]}' cannot be both the formula and the target", column: header[found]);
            }
            target = found;
        }
        else
        {
            target = null;
            for (var i = header.Count - 1; i >= 0; i--)
            {
                if (i != formula && !(i == 0 && hasIndexColumn))
                {
                    target = i;
                    break;
                }
            }
            if (target is null && requireTarget)
            {
                throw new DataFileException(
                    path, $"no target column: the only columns are {ListColumns(header)}, and '{header[formula]}' holds the formulas");
            }
        }
        return new ColumnIndices(formula, target);
    }

    // Several target columns: each found as a single target column is (same messages), none twice.
    private static MaterialsTable ReadSeveralTargets(string path, CsvReader reader, IReadOnlyList<string> header, string? formulaColumn, string targetColumns)
    {
        var names = targetColumns.Split(',', StringSplitOptions.TrimEntries);
        if (names.Any(n => n.Length == 0))
        {
            throw new DataFileException(path, $"the target columns '{targetColumns}' include an empty name");
        }
        var formula = -1;
        var indices = new int[names.Length];
        for (var k = 0; k < names.Length; k++)
        {
            var columns = ResolveColumns(path, header, formulaColumn, names[k], requireTarget: true);
            formula = columns.Formula;
            indices[k] = columns.Target!.Value;
            if (Array.IndexOf(indices, indices[k], 0, k) >= 0)
            {
                throw new DataFileException(path, $"the target column '{header[indices[k]]}' is named twice", column: header[indices[k]]);
            }
        }
        var records = new List<MaterialsRecord>();
        while (reader.Read())
        {
            var line = checked((int)reader.LineNumber);
            if (reader.FieldCount != header.Count)
            {
                var raw = Encoding.UTF8.GetString(reader.RawRecord);
                throw new DataFileException(
                    path, $"{reader.FieldCount} fields, but the header has {header.Count}: '{raw}'", line, value: raw);
            }
            var values = new float[indices.Length];
            for (var k = 0; k < indices.Length; k++)
            {
                var text = reader.GetString(indices[k]);
                values[k] = text.Length == 0 ? float.NaN : ParseTarget(path, text, line, header[indices[k]]);
            }
            records.Add(new MaterialsRecord(line, reader.GetString(formula), null) { Targets = values });
        }
        if (records.Count == 0)
        {
            throw new DataFileException(path, "the file has a header but no data rows");
        }
        string[] targetNames = [.. indices.Select(i => header[i])];
        return new MaterialsTable(path, header[formula], string.Join(',', targetNames), records) { TargetColumns = targetNames };
    }

    // Exact match first, so that 'Gap' and 'gap' can coexist; then ignoring case.
    private static int FindColumn(IReadOnlyList<string> header, string name)
    {
        var trimmed = name.Trim();
        for (var i = 0; i < header.Count; i++)
        {
            if (string.Equals(header[i], trimmed, StringComparison.Ordinal))
            {
                return i;
            }
        }
        for (var i = 0; i < header.Count; i++)
        {
            if (string.Equals(header[i], trimmed, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        return -1;
    }

    private static int FindFormulaColumn(IReadOnlyList<string> header)
    {
        for (var i = 0; i < header.Count; i++)
        {
            if (FormulaColumnNames.Contains(header[i], StringComparer.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        return -1;
    }

    private static string ListColumns(IReadOnlyList<string> header) => string.Join(", ", header.Select(name => $"'{name}'"));

    private static MaterialsRecord ReadRecord(
        string path, CsvReader reader, IReadOnlyList<string> header, ColumnIndices columns, bool requireTarget)
    {
        var line = checked((int)reader.LineNumber);
        if (reader.FieldCount != header.Count)
        {
            var raw = Encoding.UTF8.GetString(reader.RawRecord);
            throw new DataFileException(
                path, $"{reader.FieldCount} fields, but the header has {header.Count}: '{raw}'", line, value: raw);
        }

        var formula = reader.GetString(columns.Formula);
        if (columns.Target is not { } targetIndex)
        {
            return new MaterialsRecord(line, formula, null);
        }

        var column = header[targetIndex];
        var text = reader.GetString(targetIndex);
        if (text.Length == 0)
        {
            return requireTarget
                ? throw new DataFileException(path, "the target is empty; every row needs a number", line, column, text)
                : new MaterialsRecord(line, formula, null);
        }
        return new MaterialsRecord(line, formula, ParseTarget(path, text, line, column));
    }

    private static float ParseTarget(string path, string text, int line, string column)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var wide))
        {
            throw new DataFileException(path, $"'{text}' is not a number", line, column, text);
        }
        if (!double.IsFinite(wide))
        {
            throw new DataFileException(path, $"'{text}' is not a finite number", line, column, text);
        }
        // Parsed again as float, not narrowed from double, so the value is rounded once.
        var value = float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return float.IsFinite(value)
            ? value
            : throw new DataFileException(path, $"'{text}' is too large for a 32-bit float", line, column, text);
    }
}
