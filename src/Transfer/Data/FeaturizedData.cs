namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>
/// A data set ready for a model: one feature row per kept record, row-major, with the targets
/// alongside, and the rows that were left out.
/// </summary>
public sealed class FeaturizedData
{
    /// <summary>Creates a featurised data set.</summary>
    /// <param name="records">The kept rows, in file order.</param>
    /// <param name="features"><c>records.Count × width</c> floats, row-major.</param>
    /// <param name="width">Features per row.</param>
    /// <param name="targets">One target per kept row (NaN where a row has none), or null when no row has one.</param>
    /// <param name="skipped">The rows left out, in file order.</param>
    /// <param name="outputs">Targets per row: with several, <paramref name="targets"/> is row-major records.Count × outputs (NaN = unlabelled).</param>
    /// <exception cref="ArgumentException">The array lengths do not match <paramref name="records"/> and <paramref name="width"/>.</exception>
    public FeaturizedData(
        IReadOnlyList<MaterialsRecord> records, float[] features, int width, float[]? targets, IReadOnlyList<SkippedRow> skipped, int outputs = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(skipped);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if (features.Length != (long)records.Count * width)
        {
            throw new ArgumentException(
                $"Expected {records.Count} × {width} = {(long)records.Count * width} features, got {features.Length}.", nameof(features));
        }
        if (targets is not null && targets.Length != (long)records.Count * outputs)
        {
            throw new ArgumentException($"Expected {records.Count} × {outputs} targets, got {targets.Length}.", nameof(targets));
        }

        Records = records;
        Features = features;
        Width = width;
        Targets = targets;
        Skipped = skipped;
        Outputs = outputs;
    }

    /// <summary>
    /// The targets of <paramref name="kept"/> rows as <see cref="Targets"/> holds them and how many
    /// per row: several when the rows were read with several target columns
    /// (<see cref="MaterialsRecord.Targets"/>), else one (null when no row has one).
    /// </summary>
    internal static (float[]? Targets, int Outputs) TargetsOf(IReadOnlyList<MaterialsRecord> kept)
    {
        if (kept.Count > 0 && kept[0].Targets is { } first)
        {
            return ([.. kept.SelectMany(r => r.Targets!)], first.Length);
        }
        return (kept.Any(r => r.Target.HasValue) ? [.. kept.Select(r => r.Target ?? float.NaN)] : null, 1);
    }

    /// <summary>The kept rows, in file order; row <c>i</c> of <see cref="Features"/> and <see cref="Targets"/> belongs to <c>Records[i]</c>.</summary>
    public IReadOnlyList<MaterialsRecord> Records { get; }

    /// <summary>The features, <see cref="Count"/> × <see cref="Width"/> floats, row-major.</summary>
    public float[] Features { get; }

    /// <summary>Features per row (86 for elemental fractions).</summary>
    public int Width { get; }

    /// <summary>
    /// The target of each kept row, or null when none of them has one (a file without a target
    /// column, or a predict file whose target cells are all empty). When only some rows have a
    /// target, the others hold <see cref="float.NaN"/>: test with <see cref="float.IsNaN(float)"/>
    /// before using a value.
    /// </summary>
    public float[]? Targets { get; }

    /// <summary>Targets per row (1 unless the file was read with several target columns); <see cref="Targets"/> is row-major Count × Outputs.</summary>
    public int Outputs { get; }

    /// <summary>The rows left out (unparseable formula, element outside the model's inputs), in file order.</summary>
    public IReadOnlyList<SkippedRow> Skipped { get; }

    /// <summary>The number of kept rows.</summary>
    public int Count => Records.Count;

    /// <summary>The features of kept row <paramref name="index"/>.</summary>
    /// <param name="index">0-based index among the kept rows.</param>
    public ReadOnlySpan<float> Row(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Features.AsSpan(index * Width, Width);
    }
}
