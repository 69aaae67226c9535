namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>Which rows <see cref="Featurizer"/> keeps, and what it does with the others.</summary>
public sealed record FeaturizerOptions
{
    private readonly int _minElements = 1;

    /// <summary>The defaults: skip unusable rows, keep compounds of any number of elements.</summary>
    public static FeaturizerOptions Default { get; } = new();

    /// <summary>
    /// What to do with a row whose formula does not parse or has an element outside ElemNet's 86
    /// inputs: <see cref="UnsupportedRowAction.Skip"/> (default) lists it in
    /// <see cref="FeaturizedData.Skipped"/>; <see cref="UnsupportedRowAction.Error"/> throws a
    /// <see cref="DataFileException"/> at the first such row.
    /// </summary>
    public UnsupportedRowAction OnUnsupported { get; init; } = UnsupportedRowAction.Skip;

    /// <summary>
    /// The fewest distinct elements a kept compound has (default 1: keep everything). Rows with
    /// fewer are skipped (<see cref="SkipKind.TooFewElements"/>) whatever
    /// <see cref="OnUnsupported"/> says: this is a filter, not an error. The paper used 2, dropping
    /// single-element compositions (pure elements carry no information about mixing).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MinElements
    {
        get => _minElements;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _minElements = value;
        }
    }
}
