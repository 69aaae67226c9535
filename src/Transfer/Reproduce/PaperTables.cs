using System.Globalization;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Reproduce;

/// <summary>One property of the paper's Table 4 or 5.</summary>
/// <param name="Dataset">Folder name under data/jarvis.</param>
/// <param name="Property">The paper's label.</param>
/// <param name="PaperRows">The paper's "Data size".</param>
/// <param name="Base">Test MAE of the training mean.</param>
/// <param name="BestScratch">Test MAE of the best scratch model (chosen on validation; may use physical attributes).</param>
/// <param name="BestTransfer">Test MAE of the best transfer model (chosen on validation; elemental fractions only).</param>
public sealed record PaperRow(string Dataset, string Property, int PaperRows, double Base, double BestScratch, double BestTransfer);

/// <summary>The paper's Table 4 (39 computational sets) and Table 5 (2 experimental sets), from data/paper.</summary>
/// <param name="Computational">Table 4, in the paper's order.</param>
/// <param name="Experimental">Table 5.</param>
public sealed record PaperTables(IReadOnlyList<PaperRow> Computational, IReadOnlyList<PaperRow> Experimental)
{
    /// <summary>
    /// Our grouping of the sets into property families (<c>families.csv</c>: band gaps, elastic,
    /// thermoelectric, …), not the paper's, for the report's per-family count of chosen sources;
    /// empty when the folder has no such file.
    /// </summary>
    public IReadOnlyDictionary<string, string> Families { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The family of <paramref name="dataset"/>, or <c>other</c>.</summary>
    public string FamilyOf(string dataset) => Families.GetValueOrDefault(dataset) ?? "other";

    /// <summary>The shipped folder of the transcribed tables.</summary>
    public const string DefaultFolder = "data/paper";

    /// <summary>Reads <c>table4.csv</c> and <c>table5.csv</c> from <paramref name="folder"/>.</summary>
    /// <exception cref="DataFileException">A file is missing or a row malformed (file, line, column and value named).</exception>
    public static PaperTables Load(string folder) =>
        new(Read(Path.Combine(folder, "table4.csv")), Read(Path.Combine(folder, "table5.csv")))
        {
            Families = ReadFamilies(Path.Combine(folder, "families.csv")),
        };

    private static readonly string[] FamiliesHeader = ["dataset", "family"];

    private static Dictionary<string, string> ReadFamilies(string path)
    {
        var families = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return families;
        }
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || !lines[0].Split(',').SequenceEqual(FamiliesHeader))
        {
            throw new DataFileException(path, $"the header must be {string.Join(",", FamiliesHeader)}", line: 1);
        }
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }
            var fields = lines[i].Split(',');
            if (fields.Length != FamiliesHeader.Length || fields[1].Length == 0)
            {
                throw new DataFileException(path, $"expected 'dataset,family', got '{lines[i]}'", i + 1);
            }
            if (!families.TryAdd(fields[0], fields[1]))
            {
                throw new DataFileException(path, $"'{fields[0]}' is listed twice", i + 1, "dataset", fields[0]);
            }
        }
        return families;
    }

    private static readonly string[] Header = ["dataset", "property", "paper_rows", "base", "best_sc", "best_tl"];

    // Plain comma-separated values without quoting: the transcribed labels contain no commas.
    private static List<PaperRow> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new DataFileException(path, "file not found (the paper's tables ship in data/paper)");
        }
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || !lines[0].Split(',').SequenceEqual(Header))
        {
            throw new DataFileException(path, $"the header must be {string.Join(",", Header)}", line: 1);
        }
        var rows = new List<PaperRow>();
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }
            var fields = lines[i].Split(',');
            var line = i + 1;
            if (fields.Length != Header.Length)
            {
                throw new DataFileException(path, $"{fields.Length} fields, but the header has {Header.Length}", line);
            }
            double Number(int column) =>
                double.TryParse(fields[column], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= 0
                    ? value
                    : throw new DataFileException(path, $"'{fields[column]}' is not a non-negative number", line, Header[column], fields[column]);
            rows.Add(new PaperRow(fields[0], fields[1], (int)Number(2), Number(3), Number(4), Number(5)));
        }
        return rows;
    }
}
