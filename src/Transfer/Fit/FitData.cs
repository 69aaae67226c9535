using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Fit;

/// <summary>
/// The training rows of a fit, read once: elemental fractions and physical attributes of the same
/// kept rows, their targets, their composition groups, and what the report says about them.
/// </summary>
internal sealed class FitData
{
    private FitData(FeaturizedData fractions, FeaturizedData attributes, string targetName, int fileRows, int? testRows)
    {
        Fractions = fractions;
        Attributes = attributes;
        TargetName = targetName;
        FileRows = fileRows;
        TestRows = testRows;
        Targets = fractions.Targets!;
        Table = new MaterialsTable("(training rows)", "formula", targetName, fractions.Records);
        Groups = [.. fractions.Records.Select(r => FoldPlan.CompositionKey(r.Formula))];
        NonNegative = Targets.All(t => t >= 0);
        Skewness = SampleSkewness(Targets);
        ZeroShare = Targets.Count(t => t == 0) / (double)Targets.Length;
    }

    /// <summary>The share of targets that are exactly 0.</summary>
    public double ZeroShare { get; }

    /// <summary>The kept rows as elemental fractions, with their targets.</summary>
    public FeaturizedData Fractions { get; }

    /// <summary>The same rows as the 145 physical attributes (unscaled: trees need no scaling).</summary>
    public FeaturizedData Attributes { get; }

    /// <summary>The kept rows, to featurise again (a source's inputs).</summary>
    public MaterialsTable Table { get; }

    /// <summary>The target column's name.</summary>
    public string TargetName { get; }

    /// <summary>One target per kept row.</summary>
    public float[] Targets { get; }

    /// <summary>Each row's reduced composition (<see cref="FoldPlan.CompositionKey"/>).</summary>
    public string[] Groups { get; }

    /// <summary>Data rows in the training file.</summary>
    public int FileRows { get; }

    /// <summary>Rows left out, with why.</summary>
    public IReadOnlyList<SkippedRow> Skipped => Fractions.Skipped;

    /// <summary>Usable rows of the test file, or null without one.</summary>
    public int? TestRows { get; }

    /// <summary>Kept rows.</summary>
    public int Count => Fractions.Count;

    /// <summary>True when every target is ≥ 0 (band gaps, moduli): predictions are clipped at 0.</summary>
    public bool NonNegative { get; }

    /// <summary>The targets' sample skewness (0 for a symmetric distribution).</summary>
    public double Skewness { get; }

    /// <summary>Reads and featurises the training file, and checks the test file (read again, once, at the end).</summary>
    public static FitData Load(FitOptions options, TextWriter log)
    {
        var fractions = DataLoading.OneTarget(
            DataLoading.Load(options.TrainPath, options.FormulaColumn, options.TargetColumn, requireTargets: true, log, out var targetName, FeatureSource.ElementalFractions),
            options.TargetColumn, "fit");
        var kept = new MaterialsTable(options.TrainPath, "formula", targetName, fractions.Records);
        var attributes = FeatureSource.PhysicalAttributes.Featurize(kept);
        if (attributes.Count != fractions.Count)
        {
            var row = attributes.Skipped[0];
            throw new DataFileException(options.TrainPath, $"'{row.Formula}' has elemental fractions but no physical attributes ({row.Reason})", row.Line);
        }
        int? testRows = options.TestPath is { } test
            ? DataLoading.OneTarget(DataLoading.Load(test, options.FormulaColumn, options.TargetColumn, requireTargets: true, log, FeatureSource.ElementalFractions), options.TargetColumn, "fit").Count
            : null;
        return new FitData(fractions, attributes, targetName ?? "target", fractions.Count + fractions.Skipped.Count, testRows);
    }

    private static double SampleSkewness(float[] values)
    {
        var mean = values.Average(v => (double)v);
        double m2 = 0, m3 = 0;
        foreach (var v in values)
        {
            var d = v - mean;
            m2 += d * d;
            m3 += d * d * d;
        }
        m2 /= values.Length;
        m3 /= values.Length;
        return m2 > 0 ? m3 / Math.Pow(m2, 1.5) : 0;
    }
}
