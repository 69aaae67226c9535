using System.Collections.Frozen;
using System.Globalization;

namespace CrossPropertyILGPU.Transfer.Chemistry;

/// <summary>
/// The element property tables behind <see cref="PhysicalAttributes"/>: 22 Magpie tables from
/// matminer and two pymatgen tables (Pauling electronegativity, common oxidation states), embedded
/// in this assembly from <c>data/magpie/</c> (see its README for provenance and licences) and read
/// once, on first use.
/// </summary>
/// <remarks>
/// Every table has one line per element: line Z (1-based) holds the value of the element with
/// atomic number Z. A value is read the way matminer reads it: the trimmed line as a number; a line
/// that is not a number (<c>Missing</c>, <c>None</c>, empty) or lies past the end of the file is
/// missing, held here as <see cref="double.NaN"/>. Missing values are not imputed (see
/// <see cref="PhysicalAttributes"/>).
/// </remarks>
public static class MagpieTables
{
    /// <summary>Elements per table: H (1) to Og (118).</summary>
    public const int ElementCount = 118;

    private static readonly Lazy<Tables> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// The Magpie table <paramref name="property"/> (<c>Number</c>, <c>MeltingT</c>, … — one of
    /// <see cref="PhysicalAttributes.MagpieProperties"/>), indexed by atomic number: element Z at
    /// index Z; index 0 is unused (NaN). Missing values are NaN.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="property"/> is not one of the embedded tables.</exception>
    public static IReadOnlyList<double> Property(string property)
    {
        ArgumentNullException.ThrowIfNull(property);
        return Loaded.Value.Properties.TryGetValue(property, out var table)
            ? Array.AsReadOnly(table)
            : throw new ArgumentException($"No Magpie table named '{property}' is embedded.", nameof(property));
    }

    /// <summary>pymatgen's Pauling electronegativity <c>Element.X</c> by atomic number (NaN where pymatgen has none: He, Ne, Ar, Z ≥ 104).</summary>
    public static IReadOnlyList<double> PaulingElectronegativity => Array.AsReadOnly(Loaded.Value.Electronegativity);

    /// <summary>pymatgen's common oxidation states by atomic number (empty where it lists none: He, Ne, Ar, Rn, Z ≥ 105).</summary>
    public static IReadOnlyList<IReadOnlyList<int>> CommonOxidationStates => Loaded.Value.OxidationStates;

    // The arrays, indexed by atomic number, for the featuriser's inner loop (no wrappers, no lookups).
    internal static double[][] PropertyColumns => Loaded.Value.Columns;

    internal static double[] ElectronegativityColumn => Loaded.Value.Electronegativity;

    internal static int[][] OxidationStateColumn => Loaded.Value.OxidationStateArrays;

    private sealed record Tables(
        FrozenDictionary<string, double[]> Properties,
        double[][] Columns,
        double[] Electronegativity,
        int[][] OxidationStateArrays,
        IReadOnlyList<IReadOnlyList<int>> OxidationStates);

    private static Tables Load()
    {
        // The tables say nothing about which element a line is but its position: check that the
        // positions agree with this engine's periodic table before trusting any of them.
        var symbols = ReadLines("pymatgen_symbols.table");
        for (var z = 1; z <= ElementCount; z++)
        {
            var symbol = z <= symbols.Length ? symbols[z - 1].Trim() : "";
            if (symbol != ElementTable.AllElements[z - 1])
            {
                throw new InvalidDataException(
                    $"Embedded magpie/pymatgen_symbols.table line {z} is '{symbol}', expected {ElementTable.AllElements[z - 1]}: the tables are out of order.");
            }
        }

        var properties = PhysicalAttributes.MagpieProperties.ToDictionary(name => name, name => ReadNumbers(name + ".table"), StringComparer.Ordinal);
        var oxidationStates = new int[ElementCount + 1][];
        oxidationStates[0] = [];
        var oxidationLines = ReadLines("pymatgen_common_oxidation_states.table");
        for (var z = 1; z <= ElementCount; z++)
        {
            var line = z <= oxidationLines.Length ? oxidationLines[z - 1] : "";
            oxidationStates[z] = [.. line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
                .Select(token => int.Parse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture))];
        }
        return new Tables(
            properties.ToFrozenDictionary(StringComparer.Ordinal),
            [.. PhysicalAttributes.MagpieProperties.Select(name => properties[name])],
            ReadNumbers("pymatgen_X.table"),
            oxidationStates,
            Array.AsReadOnly(oxidationStates.Select(states => (IReadOnlyList<int>)Array.AsReadOnly(states)).ToArray()));
    }

    // Index Z holds element Z; what matminer cannot parse as a number is NaN.
    private static double[] ReadNumbers(string file)
    {
        var lines = ReadLines(file);
        var values = new double[ElementCount + 1];
        values[0] = double.NaN;
        for (var z = 1; z <= ElementCount; z++)
        {
            values[z] = z <= lines.Length && double.TryParse(lines[z - 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                ? value
                : double.NaN;
        }
        return values;
    }

    // Lines without their CR (many upstream tables have CRLF endings) and surrounding blanks.
    private static string[] ReadLines(string file)
    {
        var name = "magpie/" + file;
        using var stream = typeof(MagpieTables).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidDataException($"The resource '{name}' is not embedded in {typeof(MagpieTables).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        // A final newline ends the last line; it does not start another.
        var lines = text.Split('\n');
        if (lines.Length > 0 && lines[^1].Length == 0)
        {
            lines = lines[..^1];
        }
        return [.. lines.Select(line => line.Trim())];
    }
}
