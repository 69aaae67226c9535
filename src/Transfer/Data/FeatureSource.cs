using System.Globalization;
using CsvHelper;
using CrossPropertyILGPU.Transfer.Chemistry;

namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>
/// Where a row's input features come from: computed from its formula (<c>ef</c>, ElemNet's 86
/// elemental fractions; <c>pa</c>, the 145 physical attributes), or looked up by formula in a feature CSV such as <c>extract</c> writes
/// (the paper's TL:DL(FeatExtr) and TL:ML(FeatExtr) inputs). A feature CSV has a formula column
/// and feature columns named <c>0 … n−1</c>; other columns (a target) are ignored. Lookup is by the
/// exact formula text: polymorphs share a formula and so share features, as they share elemental
/// fractions.
/// </summary>
public abstract class FeatureSource
{
    /// <summary>The kind recorded in model.json.</summary>
    public abstract FeatureKind Kind { get; }

    /// <summary>Features per row.</summary>
    public abstract int Width { get; }

    /// <summary>The name of each feature column (element symbols for <c>ef</c>, matminer's labels for <c>pa</c>; <c>0 … n−1</c> for files).</summary>
    public virtual IReadOnlyList<string> ColumnNames => [.. Enumerable.Range(0, Width).Select(j => j.ToString(CultureInfo.InvariantCulture))];

    /// <summary>The feature file, for <c>file</c> sources.</summary>
    public virtual string? FilePath => null;

    /// <summary>Elemental fractions.</summary>
    public static FeatureSource ElementalFractions { get; } = new ElementalFractionSource();

    /// <summary>Physical attributes.</summary>
    public static FeatureSource PhysicalAttributes { get; } = new PhysicalAttributeSource();

    /// <summary>The source a <c>--features</c> value names: <c>ef</c>, <c>pa</c>, or the path of a feature CSV.</summary>
    /// <exception cref="UsageException">The value is none of these.</exception>
    public static FeatureSource Resolve(string features, FeaturizerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(features);
        var defaults = options is null || options == FeaturizerOptions.Default;
        // "file" is a kind, not a value: a feature file is named by its path.
        var named = Vocabulary.FeatureKind.TryParse(features, out var kind) ? kind : FeatureKind.File;
        return named switch
        {
            FeatureKind.ElementalFractions => defaults ? ElementalFractions : new ElementalFractionSource(options!),
            FeatureKind.PhysicalAttributes => defaults ? PhysicalAttributes : new PhysicalAttributeSource(options!),
            _ when File.Exists(features) => FeatureFile.Load(features),
            _ => throw new OptionException(nameof(Training.TrainRunOptions.Features), features, "use ef, pa, or the path of a feature CSV written by 'extract' (no such file)."),
        };
    }

    /// <summary>Features for every row of <paramref name="table"/>; rows that cannot get features are listed as skipped.</summary>
    public abstract FeaturizedData Featurize(MaterialsTable table);

    /// <summary>This source with every row it featurises standardised by <paramref name="scaler"/> (a model's stored input scaling).</summary>
    /// <exception cref="ArgumentException">The scaler's width differs from <see cref="Width"/>.</exception>
    public FeatureSource WithScaling(InputScaler scaler)
    {
        ArgumentNullException.ThrowIfNull(scaler);
        return scaler.Width == Width
            ? new ScaledSource(this, scaler)
            : throw new ArgumentException($"The input scaling has {scaler.Width} columns; '{Kind.ToName()}' features have {Width}.", nameof(scaler));
    }

    private sealed class ElementalFractionSource(FeaturizerOptions? options = null) : FeatureSource
    {
        private readonly FeaturizerOptions _options = options ?? FeaturizerOptions.Default;

        public override FeatureKind Kind => FeatureKind.ElementalFractions;

        public override int Width => Chemistry.ElementalFractions.Width;

        public override IReadOnlyList<string> ColumnNames => ElementTable.ElemNetElements;

        public override FeaturizedData Featurize(MaterialsTable table) => Featurizer.ElementalFractions(table, _options);
    }

    private sealed class PhysicalAttributeSource(FeaturizerOptions? options = null) : FeatureSource
    {
        private readonly FeaturizerOptions _options = options ?? FeaturizerOptions.Default;

        public override FeatureKind Kind => FeatureKind.PhysicalAttributes;

        public override int Width => Chemistry.PhysicalAttributes.Width;

        public override IReadOnlyList<string> ColumnNames => Chemistry.PhysicalAttributes.Names;

        public override FeaturizedData Featurize(MaterialsTable table) => Featurizer.PhysicalAttributes(table, _options);
    }

    // The inner source's features, standardised: what a model with stored input scaling is fed.
    private sealed class ScaledSource(FeatureSource inner, InputScaler scaler) : FeatureSource
    {
        public override FeatureKind Kind => inner.Kind;

        public override int Width => inner.Width;

        public override string? FilePath => inner.FilePath;

        public override IReadOnlyList<string> ColumnNames => inner.ColumnNames;

        public override FeaturizedData Featurize(MaterialsTable table) => scaler.Transform(inner.Featurize(table));
    }
}

/// <summary>A feature CSV loaded into memory, keyed by formula.</summary>
public sealed class FeatureFile : FeatureSource
{
    private readonly Dictionary<string, float[]> _rows;

    private FeatureFile(string path, int width, Dictionary<string, float[]> rows)
    {
        FilePath = path;
        Width = width;
        _rows = rows;
    }

    /// <inheritdoc />
    public override FeatureKind Kind => FeatureKind.File;

    /// <inheritdoc />
    public override int Width { get; }

    /// <inheritdoc />
    public override string? FilePath { get; }

    /// <summary>Number of distinct formulas in the file.</summary>
    public int Count => _rows.Count;

    /// <summary>Reads a feature CSV; malformed content is a <see cref="DataFileException"/> naming line, column and value.</summary>
    public static FeatureFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new DataFileException(path, "file not found");
        }
        var rows = new Dictionary<string, float[]>(StringComparer.Ordinal);
        int width;
        try
        {
            using var reader = CsvReader.FromFile(path, MaterialsCsv.Options);
            var header = reader.Headers;
            var formulaColumn = -1;
            for (var i = 0; i < header.Count && formulaColumn < 0; i++)
            {
                formulaColumn = MaterialsCsv.FormulaColumnNames.Contains(header[i].Trim(), StringComparer.OrdinalIgnoreCase) ? i : -1;
            }
            if (formulaColumn < 0)
            {
                throw new DataFileException(path, $"no formula column (one of {string.Join(", ", MaterialsCsv.FormulaColumnNames)}) in the header", line: 1);
            }
            // Feature columns are the ones named by their index, as 'extract' writes them.
            var featureColumns = new List<int>();
            var names = header.Select(h => h.Trim()).ToList();
            while (names.IndexOf(featureColumns.Count.ToString(CultureInfo.InvariantCulture)) is var index and >= 0)
            {
                featureColumns.Add(index);
            }
            if (featureColumns.Count == 0)
            {
                throw new DataFileException(path, "no feature columns; a feature CSV names them 0, 1, …, n−1 (as 'extract' writes them)", line: 1);
            }
            width = featureColumns.Count;
            while (reader.Read())
            {
                var line = checked((int)reader.LineNumber);
                if (reader.FieldCount != header.Count)
                {
                    throw new DataFileException(path, $"{reader.FieldCount} fields, but the header has {header.Count}", line);
                }
                var values = new float[width];
                for (var j = 0; j < width; j++)
                {
                    var text = reader.GetString(featureColumns[j]);
                    if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out values[j]) || !float.IsFinite(values[j]))
                    {
                        throw new DataFileException(path, $"'{text}' is not a finite number", line, header[featureColumns[j]], text);
                    }
                }
                rows.TryAdd(reader.GetString(formulaColumn), values);
            }
        }
        catch (CsvFormatException e)
        {
            throw new DataFileException(path, e.Message, e.LineNumber > 0 ? checked((int)e.LineNumber) : null, innerException: e);
        }
        if (rows.Count == 0)
        {
            throw new DataFileException(path, "the file has a header but no rows", line: 1);
        }
        return new FeatureFile(path, width, rows);
    }

    /// <inheritdoc />
    public override FeaturizedData Featurize(MaterialsTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var kept = new List<MaterialsRecord>();
        var skipped = new List<SkippedRow>();
        MemoryBudget.EnsureFeatureMatrix(table.Path, table.Records.Count, Width);
        var features = new List<float>(table.Records.Count * Width);
        foreach (var record in table.Records)
        {
            if (_rows.TryGetValue(record.Formula, out var values))
            {
                kept.Add(record);
                features.AddRange(values);
            }
            else
            {
                skipped.Add(new SkippedRow(record.Line, record.Formula, $"formula not found in the feature file {FilePath}", SkipKind.NotInFeatureFile));
            }
        }
        var (targets, outputs) = FeaturizedData.TargetsOf(kept);
        return new FeaturizedData(kept, [.. features], Width, targets, skipped, outputs);
    }
}
