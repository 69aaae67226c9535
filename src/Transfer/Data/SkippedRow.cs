namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>A row that could not be turned into features, and why.</summary>
/// <param name="Line">The 1-based line of the row in its file.</param>
/// <param name="Formula">The formula as written.</param>
/// <param name="Reason">
/// Why it was skipped, for people: the <see cref="Chemistry.FormulaException"/> message,
/// <c>element 'He' is not among ElemNet's 86 inputs</c>, or
/// <c>1 distinct element, fewer than the minimum of 2</c>, or a missing physical-attribute value.
/// </param>
/// <param name="Kind">Why it was skipped, for code: which check it failed.</param>
public sealed record SkippedRow(int Line, string Formula, string Reason, SkipKind Kind);
