using CrossPropertyILGPU.Transfer.Chemistry;
using Fractions = CrossPropertyILGPU.Transfer.Chemistry.ElementalFractions;

namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>Turns a <see cref="MaterialsTable"/> into model inputs.</summary>
public static class Featurizer
{
    /// <summary>
    /// ElemNet's 86 elemental fractions of every row (see <see cref="Fractions"/>). Rows whose
    /// formula does not parse, or that contain an element outside the 86 (ElemNet drops those
    /// compounds), are skipped and listed in <see cref="FeaturizedData.Skipped"/> with the reason.
    /// </summary>
    /// <param name="table">The rows to featurise.</param>
    /// <returns>
    /// The kept rows with <see cref="Fractions.Width"/> features each. <see cref="FeaturizedData.Targets"/>
    /// is null when no kept row has a target; when only some do (a predict file with a few known
    /// values), the missing ones are <see cref="float.NaN"/>.
    /// </returns>
    public static FeaturizedData ElementalFractions(MaterialsTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var kept = new List<MaterialsRecord>(table.Records.Count);
        var skipped = new List<SkippedRow>();
        var features = new float[table.Records.Count * Fractions.Width];

        foreach (var record in table.Records)
        {
            Composition composition;
            try
            {
                composition = FormulaParser.Parse(record.Formula);
            }
            catch (FormulaException e)
            {
                skipped.Add(new SkippedRow(record.Line, record.Formula, e.Message));
                continue;
            }

            var row = features.AsSpan(kept.Count * Fractions.Width, Fractions.Width);
            if (!Fractions.TryCompute(composition, row, out var unsupported))
            {
                skipped.Add(new SkippedRow(record.Line, record.Formula, $"element '{unsupported}' is not among ElemNet's 86 inputs"));
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
