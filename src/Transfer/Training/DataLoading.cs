using System.Globalization;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>Reads a data file and featurises it, reporting skipped rows; shared by every verb.</summary>
public static class DataLoading
{
    /// <summary>How many skipped rows are listed one by one before the rest is summarised.</summary>
    public const int SkippedRowsListed = 10;

    /// <summary>
    /// Reads <paramref name="path"/> and computes its features (elemental fractions unless
    /// <c>features</c> names another source). Rows whose formula cannot be
    /// used are reported to <paramref name="log"/> (line, formula, reason) and skipped.
    /// </summary>
    /// <exception cref="DataFileException">The file cannot be read as a data file.</exception>
    /// <exception cref="UsageException">No usable row remains, or a target is required but missing.</exception>
    public static FeaturizedData Load(string path, string? formulaColumn, string? targetColumn, bool requireTargets, TextWriter log, FeatureSource? features = null) =>
        Load(path, formulaColumn, targetColumn, requireTargets, log, out _, features);

    /// <summary>As <see cref="Load(string, string?, string?, bool, TextWriter, FeatureSource?)"/>, also giving the target column's name (null when the file has none).</summary>
    public static FeaturizedData Load(string path, string? formulaColumn, string? targetColumn, bool requireTargets, TextWriter log, out string? targetName, FeatureSource? features = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        var table = MaterialsCsv.Read(path, formulaColumn, targetColumn, requireTargets);
        targetName = table.TargetColumn;
        var data = (features ?? FeatureSource.ElementalFractions).Featurize(table);
        if (data.Skipped.Count > 0)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{path}: skipped {data.Skipped.Count} of {table.Records.Count} rows whose formula cannot be used:"));
            foreach (var row in data.Skipped.Take(SkippedRowsListed))
            {
                log.WriteLine($"  line {row.Line}: '{row.Formula}': {row.Reason}");
            }
            if (data.Skipped.Count > SkippedRowsListed)
            {
                log.WriteLine($"  … and {data.Skipped.Count - SkippedRowsListed} more");
            }
        }
        if (data.Count == 0)
        {
            throw new UsageException($"{path}: no row has a usable formula ({data.Skipped.Count} skipped).");
        }
        if (requireTargets && data.Outputs > 1)
        {
            // Several targets: an empty cell is an unlabelled entry, but every target needs a label somewhere.
            var targets = data.Targets!;
            for (var k = 0; k < data.Outputs; k++)
            {
                var labelled = false;
                for (var i = k; i < targets.Length && !labelled; i += data.Outputs)
                {
                    labelled = !float.IsNaN(targets[i]);
                }
                if (!labelled)
                {
                    throw new UsageException($"{path}: no row has a value for the target '{table.TargetColumns[k]}'.");
                }
            }
        }
        else if (requireTargets)
        {
            var targets = data.Targets ?? throw new UsageException($"{path}: no target values (column '{table.TargetColumn}').");
            var missing = Array.FindIndex(targets, float.IsNaN);
            if (missing >= 0)
            {
                throw new UsageException($"{path} line {data.Records[missing].Line}: the target ('{table.TargetColumn}') is empty.");
            }
        }
        return data;
    }

    /// <summary>
    /// <paramref name="data"/> when it holds one target per row; data read with several target
    /// columns are refused where <paramref name="what"/> fits one target (only training, predicting
    /// and evaluating handle several in this version).
    /// </summary>
    /// <exception cref="OptionException">The data hold several targets per row.</exception>
    public static FeaturizedData OneTarget(FeaturizedData data, string? targetColumn, string what)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.Outputs == 1 ? data
            : throw new OptionException(nameof(TrainRunOptions.TargetColumn), targetColumn,
                $"{what} takes one target column in this version; several targets are trained by a single training run.");
    }

    /// <summary>True when <paramref name="targetColumn"/> is a comma list, which reads several target columns (unless a column is named so).</summary>
    public static bool NamesSeveralTargets(string? targetColumn) => targetColumn?.Contains(',', StringComparison.Ordinal) == true;

    /// <summary>The rows of several data sets one after another (features and targets copied).</summary>
    public static FeaturizedData Concatenate(IReadOnlyList<FeaturizedData> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 1)
        {
            return parts[0];
        }
        var width = parts[0].Width;
        if (parts.Any(p => p.Width != width))
        {
            throw new UsageException("The data files have different feature widths.");
        }
        var outputs = parts[0].Outputs;
        if (parts.Any(p => p.Outputs != outputs))
        {
            throw new UsageException("The data files have different numbers of targets.");
        }
        var features = new float[parts.Sum(p => p.Features.Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            part.Features.CopyTo(features, offset);
            offset += part.Features.Length;
        }
        var targets = parts.All(p => p.Targets is not null) ? parts.SelectMany(p => p.Targets!).ToArray() : null;
        return new FeaturizedData(parts.SelectMany(p => p.Records).ToList(), features, width, targets, parts.SelectMany(p => p.Skipped).ToList(), outputs);
    }

    /// <summary>The rows at <paramref name="indices"/> as a new data set (features and targets copied).</summary>
    public static FeaturizedData Subset(FeaturizedData data, IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(indices);
        var features = new float[indices.Count * data.Width];
        var records = new MaterialsRecord[indices.Count];
        var outputs = data.Outputs;
        var targets = data.Targets is null ? null : new float[indices.Count * outputs];
        for (var i = 0; i < indices.Count; i++)
        {
            data.Row(indices[i]).CopyTo(features.AsSpan(i * data.Width, data.Width));
            records[i] = data.Records[indices[i]];
            if (targets is not null)
            {
                Array.Copy(data.Targets!, indices[i] * outputs, targets, i * outputs, outputs);
            }
        }
        return new FeaturizedData(records, features, data.Width, targets, [], outputs);
    }
}
