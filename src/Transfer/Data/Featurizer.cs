using System.Globalization;
using CrossPropertyILGPU.Transfer.Chemistry;
using Attributes = CrossPropertyILGPU.Transfer.Chemistry.PhysicalAttributes;
using Fractions = CrossPropertyILGPU.Transfer.Chemistry.ElementalFractions;

namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>Turns a <see cref="MaterialsTable"/> into model inputs.</summary>
public static class Featurizer
{
    /// <summary>
    /// ElemNet's 86 elemental fractions of every row, with <see cref="FeaturizerOptions.Default"/>:
    /// rows whose formula does not parse, or that contain an element outside the 86 (ElemNet drops
    /// those compounds), are skipped and listed in <see cref="FeaturizedData.Skipped"/> with the reason.
    /// </summary>
    /// <param name="table">The rows to featurise.</param>
    /// <returns>See <see cref="ElementalFractions(MaterialsTable, FeaturizerOptions)"/>.</returns>
    public static FeaturizedData ElementalFractions(MaterialsTable table) =>
        ElementalFractions(table, FeaturizerOptions.Default);

    /// <summary>
    /// ElemNet's 86 elemental fractions of every row (see <see cref="Fractions"/>), formulas read by
    /// <see cref="FormulaParser"/>. A row is left out, and listed in
    /// <see cref="FeaturizedData.Skipped"/> with its line and reason, when its formula does not
    /// parse or has an element outside the 86 (unless <paramref name="options"/> says
    /// <see cref="UnsupportedRowAction.Error"/>), or when its compound has fewer than
    /// <see cref="FeaturizerOptions.MinElements"/> distinct elements.
    /// </summary>
    /// <param name="table">The rows to featurise.</param>
    /// <param name="options">Which rows to keep, and whether an unusable row is skipped or an error.</param>
    /// <returns>
    /// The kept rows with <see cref="Fractions.Width"/> features each. <see cref="FeaturizedData.Targets"/>
    /// is null when no kept row has a target; when only some do (a predict file with a few known
    /// values), the missing ones are <see cref="float.NaN"/>.
    /// </returns>
    /// <exception cref="DataFileException">
    /// With <see cref="UnsupportedRowAction.Error"/>: the first row whose formula does not parse or
    /// has an element outside the 86, naming the file (<see cref="MaterialsTable.Path"/>), line,
    /// formula column, formula and the problem (the element, or the parser's message, whose
    /// <see cref="FormulaException"/> is the inner exception).
    /// </exception>
    public static FeaturizedData ElementalFractions(MaterialsTable table, FeaturizerOptions options) =>
        Featurize(table, options, Fractions.Width, static (composition, row) =>
        {
            // Every element is one of the 86 by now, so this cannot fail.
            Fractions.TryCompute(composition, row, out _);
            return null;
        });

    /// <summary>The 145 physical attributes of every row, with <see cref="FeaturizerOptions.Default"/>.</summary>
    /// <param name="table">The rows to featurise.</param>
    /// <returns>See <see cref="PhysicalAttributes(MaterialsTable, FeaturizerOptions)"/>.</returns>
    public static FeaturizedData PhysicalAttributes(MaterialsTable table) =>
        PhysicalAttributes(table, FeaturizerOptions.Default);

    /// <summary>
    /// The 145 physical attributes of every row (see <see cref="Attributes"/>), in the order of
    /// <see cref="Attributes.Names"/>. Rows are kept and skipped exactly as by
    /// <see cref="ElementalFractions(MaterialsTable, FeaturizerOptions)"/> — elements outside
    /// ElemNet's 86 included, so EF and PA runs see the same rows and can share a splits.json — and,
    /// in addition, when an element lacks a table value the attributes need
    /// (<see cref="SkipKind.MissingAttributeValue"/>; never the case for the 86).
    /// </summary>
    /// <param name="table">The rows to featurise.</param>
    /// <param name="options">Which rows to keep, and whether an unusable row is skipped or an error.</param>
    /// <returns>The kept rows with <see cref="Attributes.Width"/> features each; targets as for elemental fractions.</returns>
    /// <exception cref="DataFileException">With <see cref="UnsupportedRowAction.Error"/>: the first unusable row.</exception>
    public static FeaturizedData PhysicalAttributes(MaterialsTable table, FeaturizerOptions options) =>
        Featurize(table, options, Attributes.Width, static (composition, row) =>
            Attributes.TryCompute(composition, row, out var problem) ? null : problem);

    // Writes one row's features; returns null, or why the row has none.
    private delegate string? RowFeatures(Composition composition, Span<float> row);

    private static FeaturizedData Featurize(MaterialsTable table, FeaturizerOptions options, int width, RowFeatures compute)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        var kept = new List<MaterialsRecord>(table.Records.Count);
        var skipped = new List<SkippedRow>();
        MemoryBudget.EnsureFeatureMatrix(table.Path, table.Records.Count, width);
        var features = new float[table.Records.Count * width];
        var strict = options.OnUnsupported == UnsupportedRowAction.Error;

        // A row that cannot be used: an error naming file, line and formula, or a skip with the reason.
        void Reject(MaterialsRecord record, string reason, SkipKind kind, FormulaException? cause = null)
        {
            if (strict)
            {
                throw new DataFileException(
                    table.Path,
                    cause is null ? $"formula '{record.Formula}': {reason}" : $"formula '{record.Formula}' cannot be read: {reason}",
                    record.Line, table.FormulaColumn, record.Formula, cause);
            }
            skipped.Add(new SkippedRow(record.Line, record.Formula, reason, kind));
        }

        foreach (var record in table.Records)
        {
            Composition composition;
            try
            {
                composition = FormulaParser.Parse(record.Formula);
            }
            catch (FormulaException e)
            {
                Reject(record, e.Message, SkipKind.InvalidFormula, e);
                continue;
            }

            var unsupported = composition.Amounts.FirstOrDefault(pair => ElementTable.ElemNetIndex(pair.Key) < 0).Key;
            if (unsupported is not null)
            {
                Reject(record, $"element '{unsupported}' is not among ElemNet's 86 inputs", SkipKind.UnsupportedElement);
                continue;
            }

            if (composition.ElementCount < options.MinElements)
            {
                // A filter, not an error: never thrown, whatever OnUnsupported says.
                skipped.Add(new SkippedRow(
                    record.Line,
                    record.Formula,
                    string.Create(CultureInfo.InvariantCulture,
                        $"{composition.ElementCount} distinct element{(composition.ElementCount == 1 ? "" : "s")}, fewer than the minimum of {options.MinElements}"),
                    SkipKind.TooFewElements));
                continue;
            }

            // The row's slot is reused by the next kept row when this one fails; compute clears it.
            if (compute(composition, features.AsSpan(kept.Count * width, width)) is { } problem)
            {
                Reject(record, problem, SkipKind.MissingAttributeValue);
                continue;
            }
            kept.Add(record);
        }

        Array.Resize(ref features, kept.Count * width);
        var (targets, outputs) = FeaturizedData.TargetsOf(kept);
        return new FeaturizedData(kept, features, width, targets, skipped, outputs);
    }
}
