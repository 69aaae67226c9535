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
    /// <exception cref="ArgumentException">The array lengths do not match <paramref name="records"/> and <paramref name="width"/>.</exception>
    public FeaturizedData(
        IReadOnlyList<MaterialsRecord> records, float[] features, int width, float[]? targets, IReadOnlyList<SkippedRow> skipped)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(skipped);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if (features.Length != (long)records.Count * width)
        {
            throw new ArgumentException(
                $"Expected {records.Count} × {width} = {(long)records.Count * width} features, got {features.Length}.", nameof(features));
        }
        if (targets is not null && targets.Length != records.Count)
        {
            throw new ArgumentException($"Expected {records.Count} targets, got {targets.Length}.", nameof(targets));
        }

        Records = records;
        Features = features;
        Width = width;
        Targets = targets;
        Skipped = skipped;
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
