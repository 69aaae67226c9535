using System.Globalization;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>One fold's outcome.</summary>
/// <param name="Fold">1-based fold number.</param>
/// <param name="ValidationMae">MAE on the held-out fold (which also selected the epoch).</param>
/// <param name="TestMae">MAE on the test file, when one was given.</param>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="RunFolder">The fold's run folder.</param>
public sealed record FoldResult(int Fold, double ValidationMae, double? TestMae, int Epochs, string RunFolder);

/// <summary>
/// K-fold cross-validation: the training rows are shuffled with the seed and dealt into K folds;
/// fold k is the validation set of run k (its early stopping and its score) and the other K−1 train
/// it. Each run writes its own folder <c>fold-k</c>; the test file, if any, is scored by every fold's
/// model but never used to choose anything.
/// </summary>
public static class CrossValidation
{
    /// <summary>Runs the K folds.</summary>
    public static IReadOnlyList<FoldResult> Run(TrainRunOptions options, int folds, TextWriter log, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        if (folds < 2)
        {
            throw new OptionException("Folds", folds.ToString(System.Globalization.CultureInfo.InvariantCulture), "cross-validation needs at least 2 folds.");
        }
        if (options.ValidationPath is not null || options.SplitsPath is not null)
        {
            throw new OptionException("Folds", null, "makes its own validation folds; it cannot be combined with a validation file or a splits file.");
        }
        // The rows each fold's run will load: the same features and row filters.
        var features = FeatureSource.Resolve(options.Features, new FeaturizerOptions { OnUnsupported = options.OnUnsupported, MinElements = options.MinElements });
        var rows = new List<(int File, MaterialsRecord Record)>();
        for (var file = 0; file < options.TrainPaths.Count; file++)
        {
            var data = DataLoading.OneTarget(
                DataLoading.Load(options.TrainPaths[file], options.FormulaColumn, options.TargetColumn, requireTargets: true, file == 0 ? log : TextWriter.Null, features),
                options.TargetColumn, "cross-validation");
            rows.AddRange(data.Records.Select(r => (file, r)));
        }
        if (rows.Count < folds)
        {
            throw new OptionException("Folds", folds.ToString(System.Globalization.CultureInfo.InvariantCulture), $"only {rows.Count} usable rows.");
        }
        // The folds' folder is held for the whole cross-validation, as a run holds its folder.
        using var foldsLock = RunFolder.CreateLocked(options.OutputDirectory).Lock;
        var order = Enumerable.Range(0, rows.Count).ToArray();
        new Random(options.Seed).Shuffle(order);

        var results = new List<FoldResult>();
        for (var k = 0; k < folds && !cancellation.IsCancellationRequested; k++)
        {
            // Fold k holds positions k, k+K, k+2K, … of the shuffled order: sizes differ by at most one.
            var validation = order.Where((_, position) => position % folds == k).Order().ToArray();
            var train = order.Where((_, position) => position % folds != k).Order().ToArray();
            SplitRows Rows(int[] indices) => new()
            {
                Files = [.. options.TrainPaths],
                FileIndex = [.. indices.Select(i => rows[i].File)],
                Lines = [.. indices.Select(i => rows[i].Record.Line)],
                Formulas = [.. indices.Select(i => rows[i].Record.Formula)],
            };
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fold {k + 1}/{folds}: {train.Length} train, {validation.Length} validation rows"));
            var run = TrainingRun.Run(options with
            {
                Splits = new SplitsFile
                {
                    Seed = options.Seed,
                    ValidationSource = string.Create(CultureInfo.InvariantCulture, $"fold {k + 1} of {folds}, seed {options.Seed}"),
                    Train = Rows(train),
                    Validation = Rows(validation),
                },
                OutputDirectory = Path.Combine(options.OutputDirectory, string.Create(CultureInfo.InvariantCulture, $"fold-{k + 1}")),
            }, log, null, cancellation);
            results.Add(new FoldResult(
                k + 1,
                run.Metrics.Single(m => m.Split == "validation").Mae,
                run.Metrics.SingleOrDefault(m => m.Split == "test")?.Mae,
                run.Training.Epochs,
                run.OutputDirectory));
        }
        return results;
    }

    /// <summary>Mean and sample standard deviation of <paramref name="values"/>.</summary>
    public static (double Mean, double StandardDeviation) Summarize(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return (double.NaN, double.NaN);
        }
        var mean = values.Average();
        var std = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) : 0;
        return (mean, std);
    }
}
