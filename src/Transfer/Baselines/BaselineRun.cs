using System.Diagnostics;
using System.Globalization;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Baselines;

/// <summary>Everything a <c>baseline</c> run needs (docs/CLI.md, verb <c>baseline</c>).</summary>
public sealed record BaselineRunOptions
{
    /// <summary>Training CSV.</summary>
    public required string TrainPath { get; init; }

    /// <summary>Validation CSV, only evaluated: the baselines have nothing to select on it.</summary>
    public string? ValidationPath { get; init; }

    /// <summary>Test CSV, evaluated once.</summary>
    public string? TestPath { get; init; }

    /// <summary>Formula column name; null = found by name.</summary>
    public string? FormulaColumn { get; init; }

    /// <summary>Target column name; null = the last column.</summary>
    public string? TargetColumn { get; init; }

    /// <summary>Input features: <c>ef</c> (elemental fractions), <c>pa</c> (physical attributes, fed raw: trees do not need scaling) or a feature CSV.</summary>
    public string Features { get; init; } = "ef";

    /// <summary>Which baseline.</summary>
    public BaselineModel Model { get; init; } = BaselineModel.RandomForest;

    /// <summary>Seed of the model's randomness.</summary>
    public int Seed { get; init; } = Network.Training.TrainerOptions.DefaultSeed;

    /// <summary>Folder for <c>predictions_&lt;split&gt;.csv</c>; null writes nothing. An existing non-empty folder is refused.</summary>
    public string? OutputDirectory { get; init; }
}

/// <summary>What a finished <c>baseline</c> run reports.</summary>
/// <param name="Model">The baseline that ran.</param>
/// <param name="Metrics">One entry per split: train, then validation and test when given.</param>
/// <param name="FitTime">Wall time of fitting and predicting (not of reading the files).</param>
/// <param name="OutputDirectory">Where the predictions went, or null.</param>
public sealed record BaselineRunSummary(BaselineModel Model, IReadOnlyList<RegressionMetrics> Metrics, TimeSpan FitTime, string? OutputDirectory);

/// <summary>
/// The <c>baseline</c> verb's work: read and featurise the files, fit a classical baseline on the
/// training file, and report MAE, RMSE and R² on every split, optionally writing the predictions.
/// </summary>
public static class BaselineRun
{
    /// <summary>Runs the baseline; skipped rows and progress go to <paramref name="log"/>.</summary>
    /// <exception cref="UsageException">An unsupported feature kind, an unusable file or a non-empty output folder.</exception>
    /// <exception cref="DataFileException">A file cannot be read as a data file.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> fired; the fit stops and no prediction or metric is written.</exception>
    public static BaselineRunSummary Run(BaselineRunOptions options, TextWriter log, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var features = FeatureSource.Resolve(options.Features);

        // Inputs first: a bad file must fail before the output folder exists.
        var train = DataLoading.OneTarget(
            DataLoading.Load(options.TrainPath, options.FormulaColumn, options.TargetColumn, requireTargets: true, log, out var targetColumn, features),
            options.TargetColumn, "a baseline");
        var validation = Load(options.ValidationPath, options, features, log);
        var test = Load(options.TestPath, options, features, log);
        var splits = new (string Name, FeaturizedData? Data)[] { ("train", train), ("validation", validation), ("test", test) }
            .Where(s => s.Data is not null)
            .Select(s => (s.Name, Data: s.Data!))
            .ToArray();
        var folder = options.OutputDirectory is null ? null : RunFolder.CreateNew(options.OutputDirectory);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"data: {string.Join(", ", splits.Select(s => $"{s.Data.Count} {s.Name}"))} rows; target '{targetColumn}'; fitting {BaselineModels.Describe(options.Model)}"));

        var clock = Stopwatch.StartNew();
        var predictions = BaselineModels.FitPredict(options.Model, train, [.. splits.Select(s => s.Data)], options.Seed, cancellation);
        clock.Stop();

        // The mean predictor's constant, as RegressionMetrics reports it next to every model.
        var trainMean = train.Targets!.Average(t => (double)t);
        var metrics = new List<RegressionMetrics>();
        for (var i = 0; i < splits.Length; i++)
        {
            var (name, data) = splits[i];
            metrics.Add(RegressionMetrics.Compute(name, data.Targets!, predictions[i], trainMean));
            if (folder is not null)
            {
                folder.WritePredictions(name, data, predictions[i], targetColumn ?? "target");
            }
        }
        return new BaselineRunSummary(options.Model, metrics, clock.Elapsed, folder?.Path);
    }

    private static FeaturizedData? Load(string? path, BaselineRunOptions options, FeatureSource features, TextWriter log) =>
        path is null ? null : DataLoading.Load(path, options.FormulaColumn, options.TargetColumn, requireTargets: true, log, features);
}
