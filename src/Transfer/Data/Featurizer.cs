using System.Globalization;
using CrossPropertyILGPU.Transfer.Chemistry;
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
    public static FeaturizedData ElementalFractions(MaterialsTable table, FeaturizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        var kept = new List<MaterialsRecord>(table.Records.Count);
        var skipped = new List<SkippedRow>();
        MemoryBudget.EnsureFeatureMatrix(table.Path, table.Records.Count, Fractions.Width);
        var features = new float[table.Records.Count * Fractions.Width];
        var strict = options.OnUnsupported == UnsupportedRowAction.Error;

        foreach (var record in table.Records)
        {
            Composition composition;
            try
            {
                composition = FormulaParser.Parse(record.Formula);
            }
            catch (FormulaException e)
            {
                if (strict)
                {
                    throw new DataFileException(
                        table.Path, $"formula '{record.Formula}' cannot be read: {e.Message}", record.Line, table.FormulaColumn, record.Formula, e);
                }
                skipped.Add(new SkippedRow(record.Line, record.Formula, e.Message, SkipKind.InvalidFormula));
                continue;
            }

            var row = features.AsSpan(kept.Count * Fractions.Width, Fractions.Width);
            if (!Fractions.TryCompute(composition, row, out var unsupported))
            {
                var reason = $"element '{unsupported}' is not among ElemNet's 86 inputs";
                if (strict)
                {
                    throw new DataFileException(
                        table.Path, $"formula '{record.Formula}': {reason}", record.Line, table.FormulaColumn, record.Formula);
                }
                skipped.Add(new SkippedRow(record.Line, record.Formula, reason, SkipKind.UnsupportedElement));
                continue;
            }

            if (composition.ElementCount < options.MinElements)
            {
                // The row's slot is reused by the next kept row; TryCompute clears it first.
                skipped.Add(new SkippedRow(
                    record.Line,
                    record.Formula,
                    string.Create(CultureInfo.InvariantCulture,
                        $"{composition.ElementCount} distinct element{(composition.ElementCount == 1 ? "" : "s")}, fewer than the minimum of {options.MinElements}"),
                    SkipKind.TooFewElements));
                continue;
            }
            kept.Add(record);
        }

        Array.Resize(ref features, kept.Count * Fractions.Width);
        float[]? targets = null;
        if (kept.Exists(record => record.Target.HasValue))
        {
            targets = kept.Select(record => record.Target ?? float.NaN).ToArray();
        }
        return new FeaturizedData(kept, features, Fractions.Width, targets, skipped);
    }
}
