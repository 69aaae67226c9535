using System.Globalization;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Reports;

/// <summary>Options of the <c>learning-curve</c> verb.</summary>
public sealed record LearningCurveOptions
{
    /// <summary>Source model fine-tuned for the transfer curve.</summary>
    public string SourceModel { get; init; } = Demo.DemoOptions.DefaultSource;

    /// <summary>A folder with <c>&lt;name&gt;_training_set.csv</c> and <c>&lt;name&gt;_test_set.csv</c>.</summary>
    public string DataFolder { get; init; } = Demo.DemoOptions.DefaultData;

    /// <summary>Shares of the training rows (after the validation split) to train on, each in (0, 1].</summary>
    public IReadOnlyList<double> Fractions { get; init; } = [0.1, 0.25, 0.5, 1.0];

    /// <summary>Share of the training file held out for validation, the same rows at every fraction.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Epoch limit per model.</summary>
    public int MaxEpochs { get; init; } = 200;

    /// <summary>Early-stopping patience per model.</summary>
    public int Patience { get; init; } = 30;

    /// <summary>Wall-time limit per model, or null.</summary>
    public TimeSpan? TimeLimitPerModel { get; init; }

    /// <summary>Compute backend.</summary>
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    /// <summary>Seed of the split, the subsets and every run.</summary>
    public int Seed { get; init; } = Network.Training.TrainerOptions.DefaultSeed;

    /// <summary>Folder receiving the curve and one run folder per model.</summary>
    public required string OutputDirectory { get; init; }
}

/// <summary>One point of the curve: scratch and transfer trained on the same rows.</summary>
/// <param name="Fraction">Share of the training rows.</param>
/// <param name="TrainRows">Rows trained on.</param>
/// <param name="ScratchTestMae">Test MAE of ElemNet from scratch.</param>
/// <param name="TransferTestMae">Test MAE of the fine-tuned source model.</param>
public sealed record LearningCurvePoint(double Fraction, int TrainRows, double ScratchTestMae, double TransferTestMae);

/// <summary>
/// Test MAE against training-set size, scratch against transfer (ElemNet's "impact of training
/// size"): one validation split carved once, then nested subsets of the remaining rows — each
/// smaller subset inside the larger — so the curve changes only the amount of data. Writes
/// <c>learning_curve.csv</c> and <c>learning_curve.png</c>.
/// </summary>
public static class LearningCurve
{
    /// <summary>Width of the plot in pixels.</summary>
    public const int PlotWidth = 800;

    /// <summary>Height of the plot in pixels.</summary>
    public const int PlotHeight = 500;

    /// <summary>Trains the two models per fraction and writes the curve.</summary>
    public static IReadOnlyList<LearningCurvePoint> Run(LearningCurveOptions options, TextWriter log, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        if (options.Fractions.Count == 0 || options.Fractions.Any(f => !(f > 0 && f <= 1)))
        {
            throw new OptionException(nameof(options.Fractions), string.Join(",", options.Fractions.Select(f => f.ToString(CultureInfo.InvariantCulture))), "give shares in (0, 1].");
        }
        var sourceManifestPath = MaterialsModel.ResolveManifest(options.SourceModel);
        if (!File.Exists(sourceManifestPath))
        {
            throw new OptionException(nameof(options.SourceModel), options.SourceModel, "no model.json there.");
        }
        var source = ModelManifest.Load(sourceManifestPath);
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(options.DataFolder));
        var train = Path.Combine(options.DataFolder, $"{name}_training_set.csv");
        var test = Path.Combine(options.DataFolder, $"{name}_test_set.csv");
        foreach (var file in new[] { train, test })
        {
            if (!File.Exists(file))
            {
                throw new OptionException(nameof(options.DataFolder), options.DataFolder, $"expected {file} (a folder with <name>_training_set.csv and <name>_test_set.csv).");
            }
        }
        var features = source.FeatureKind == FeatureKind.File ? source.FeatureFile! : source.FeatureKind.ToName();
        var records = DataLoading.Load(train, null, null, requireTargets: true, log, FeatureSource.Resolve(features, new FeaturizerOptions())).Records;
        var order = Enumerable.Range(0, records.Count).ToArray();
        new Random(options.Seed).Shuffle(order);
        var validationCount = (int)Math.Round(records.Count * options.ValidationFraction);
        if (validationCount < 1 || validationCount >= records.Count - 1)
        {
            throw new UsageException($"{train}: {records.Count} rows cannot be split into validation and training rows.");
        }
        var folder = RunFolder.CreateNew(options.OutputDirectory).Path;
        SplitRows Rows(IEnumerable<int> indices)
        {
            var sorted = indices.Order().ToArray();
            return new SplitRows
            {
                Files = [train],
                FileIndex = new int[sorted.Length],
                Lines = [.. sorted.Select(i => records[i].Line)],
                Formulas = [.. sorted.Select(i => records[i].Formula)],
            };
        }
        var validation = Rows(order[..validationCount]);
        var pool = order[validationCount..];

        var points = new List<LearningCurvePoint>();
        foreach (var fraction in options.Fractions.Order())
        {
            if (cancellation.IsCancellationRequested)
            {
                break;
            }
            var rows = Math.Max(1, (int)Math.Round(pool.Length * fraction));
            var label = fraction.ToString("0.###", CultureInfo.InvariantCulture);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"learning curve: fraction {label}, {rows} training rows"));
            var runOptions = new TrainRunOptions
            {
                TrainPaths = [train],
                TestPath = test,
                Features = features,
                Architecture = source.Architecture,
                MaxEpochs = options.MaxEpochs,
                Patience = options.Patience,
                TimeLimit = options.TimeLimitPerModel,
                Device = options.Device,
                Seed = options.Seed,
                CheckpointEvery = 0,
                Splits = new SplitsFile
                {
                    Seed = options.Seed,
                    ValidationSource = string.Create(CultureInfo.InvariantCulture, $"learning curve: fraction {options.ValidationFraction} of {train}, seed {options.Seed}; training subset {label}"),
                    Train = Rows(pool[..rows]),
                    Validation = validation,
                },
                OutputDirectory = Path.Combine(folder, $"scratch-{label}"),
            };
            var scratch = TrainingRun.Run(runOptions, log, null, cancellation);
            var transfer = TrainingRun.Run(runOptions with { SourceModel = options.SourceModel, OutputDirectory = Path.Combine(folder, $"transfer-{label}") }, log, null, cancellation);
            points.Add(new LearningCurvePoint(fraction, rows,
                scratch.Metrics.Single(m => m.Split == "test").Mae, transfer.Metrics.Single(m => m.Split == "test").Mae));
        }
        var csv = Path.Combine(folder, "learning_curve.csv");
        CsvOutput.WriteAtomically(csv, writer =>
        {
            writer.WriteLine("fraction,train_rows,scratch_test_mae,transfer_test_mae");
            foreach (var p in points)
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.Fraction},{p.TrainRows},{p.ScratchTestMae:R},{p.TransferTestMae:R}"));
            }
            return points.Count;
        });
        try
        {
            WritePlot(points, name, Path.Combine(folder, "learning_curve.png"));
        }
#pragma warning disable CA1031 // The curve's numbers are in the CSV; a plot failure must not lose them.
        catch (Exception e)
#pragma warning restore CA1031
        {
            log.WriteLine($"warning: learning_curve.png was not drawn ({e.GetType().Name}: {e.Message}); the numbers are in {csv}.");
        }
        return points;
    }

    /// <summary>Test MAE against training rows, one line each for scratch and transfer.</summary>
    public static void WritePlot(IReadOnlyList<LearningCurvePoint> points, string dataSet, string outputPath)
    {
        ArgumentNullException.ThrowIfNull(points);
        var plot = new ScottPlot.Plot();
        double[] rows = [.. points.Select(p => (double)p.TrainRows)];
        foreach (var (label, values, color) in new[]
        {
            ("scratch", points.Select(p => p.ScratchTestMae).ToArray(), ScottPlot.Colors.C0),
            ("transfer (FineTune)", points.Select(p => p.TransferTestMae).ToArray(), ScottPlot.Colors.C1),
        })
        {
            var line = plot.Add.Scatter(rows, values, color);
            line.LegendText = label;
            line.LineWidth = 2;
            line.MarkerSize = 8;
        }
        plot.Title($"learning curve on {dataSet}: test MAE");
        plot.XLabel("training rows");
        plot.YLabel("test MAE (target units)");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        RunPlots.WritePng(plot, outputPath, PlotWidth, PlotHeight);
    }
}
