namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>One data row of a materials file: a chemical formula and, when the file has one, its target value.</summary>
/// <param name="Line">The 1-based line of the row in the file; the header is line 1, so the first data row is usually line 2.</param>
/// <param name="Formula">The formula cell as written (surrounding whitespace removed, not yet parsed).</param>
/// <param name="Target">The target value, or null when the file has no target column or the cell is empty (predict files).</param>
public sealed record MaterialsRecord(int Line, string Formula, float? Target)
{
    /// <summary>
    /// With several target columns (<c>--target a,b,c</c>): each target's value in the order named,
    /// NaN where the cell is empty (the row is not labelled for that target); <see cref="Target"/>
    /// is then null. Null when the file was read for one target.
    /// </summary>
    public float[]? Targets { get; init; }
}
