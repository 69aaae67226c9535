using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>The rows of one run — read, featurised, split and (when asked) input-scaled — with where each came from.</summary>
internal sealed record RunData(ValidationSplit Split, FeaturizedData? Test, string TargetName, InputScaler? InputScaler)
{
    /// <summary>Training rows.</summary>
    public FeaturizedData Train => Split.Train;

    /// <summary>Validation rows.</summary>
    public FeaturizedData Validation => Split.Validation;

    /// <summary>Mean target of the training rows: the mean predictor's constant (with several targets, the first's).</summary>
    public double TrainMean => TrainMeans[0];

    /// <summary>Targets per row.</summary>
    public int Outputs => Train.Outputs;

    /// <summary>Each target's column name: <see cref="TargetName"/> alone, or with several targets the names it joins with commas.</summary>
    public IReadOnlyList<string> TargetNames => Outputs == 1 ? [TargetName] : TargetName.Split(',');

    /// <summary>Each target's mean over the training rows labelled for it (one target: over every row, as always).</summary>
    public double[] TrainMeans
    {
        get
        {
            var targets = Train.Targets!;
            if (Outputs == 1)
            {
                return [targets.Average(t => (double)t)];
            }
            var means = new double[Outputs];
            for (var k = 0; k < Outputs; k++)
            {
                var (sum, count) = (0.0, 0);
                for (var i = k; i < targets.Length; i += Outputs)
                {
                    if (!float.IsNaN(targets[i]))
                    {
                        sum += targets[i];
                        count++;
                    }
                }
                means[k] = sum / count;
            }
            return means;
        }
    }

    /// <summary>
    /// Reads and featurises the training files (or takes <paramref name="inMemory"/> rows), splits
    /// off validation, reads the test file, and standardises inputs with a scaler fitted on the
    /// training split only (or the source model's), so validation and test rows never inform it.
    /// </summary>
    public static RunData Load(
        TrainRunOptions options, (FeaturizedData Data, string TargetName)? inMemory, FeatureSource features,
        (InputScaling Scaling, InputScaler? SourceScaler) inputScaling, TextWriter log)
    {
        if (options.TrainPaths.Count == 0)
        {
            throw new OptionException(nameof(TrainRunOptions.TrainPaths), null, "give at least one training file.");
        }
        var parts = new List<FeaturizedData>();
        var fileOfRow = new List<int>();
        var targetColumn = inMemory?.TargetName;
        if (inMemory is { } given)
        {
            parts.Add(given.Data);
            fileOfRow.AddRange(new int[given.Data.Count]);
        }
        else
        {
            foreach (var path in options.TrainPaths)
            {
                var part = DataLoading.Load(path, options.FormulaColumn, options.TargetColumn, requireTargets: true, log, out var column, features);
                targetColumn ??= column;
                fileOfRow.AddRange(Enumerable.Repeat(parts.Count, part.Count));
                parts.Add(part);
            }
        }
        var split = ValidationSplit.Make(DataLoading.Concatenate(parts), [.. fileOfRow], options, features, log);
        var test = options.TestPath is null ? null : DataLoading.Load(options.TestPath, options.FormulaColumn, options.TargetColumn, requireTargets: true, log, features);
        var inputScaler = inputScaling.Scaling == InputScaling.Standard ? inputScaling.SourceScaler ?? InputScaler.Fit(split.Train) : null;
        if (inputScaler is not null)
        {
            split = split with { Train = inputScaler.Transform(split.Train), Validation = inputScaler.Transform(split.Validation) };
            test = test is null ? null : inputScaler.Transform(test);
        }
        return new RunData(split, test, targetColumn ?? "target", inputScaler);
    }
}
