using System.Diagnostics;
using System.Globalization;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Demo;

/// <summary>Options of the <c>demo</c> verb; defaults are the shipped source model and experimental formation energies.</summary>
public sealed record DemoOptions
{
    /// <summary>The shipped source model: ElemNet pretrained on OQMD formation enthalpies by this engine.</summary>
    public const string DefaultSource = "models/elemnet-oqmd";

    /// <summary>Experimental formation enthalpies (1,643 compositions), the paper's Table 5 set.</summary>
    public const string DefaultData = "data/jarvis/expt_deltae";

    /// <summary>Source model (run folder, model.json or model.safetensors).</summary>
    public string SourceModel { get; init; } = DefaultSource;

    /// <summary>A JARVIS-style folder holding <c>&lt;name&gt;_training_set.csv</c> and <c>&lt;name&gt;_test_set.csv</c>.</summary>
    public string DataFolder { get; init; } = DefaultData;

    /// <summary>Epoch limit per model.</summary>
    public int MaxEpochs { get; init; } = 200;

    /// <summary>Early-stopping patience per model.</summary>
    public int Patience { get; init; } = 30;

    /// <summary>Wall-time limit per model: keeps the whole demo under ten minutes on two cores.</summary>
    public TimeSpan TimeLimitPerModel { get; init; } = TimeSpan.FromSeconds(200);

    /// <summary>Compute backend.</summary>
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    /// <summary>Seed of every run.</summary>
    public int Seed { get; init; } = Network.Training.TrainerOptions.DefaultSeed;

    /// <summary>Folder receiving one run folder per trained model.</summary>
    public required string OutputDirectory { get; init; }
}

/// <summary>One line of the demo table.</summary>
/// <param name="Method">mean predictor, scratch, or transfer (FineTune).</param>
/// <param name="TestMae">MAE on the test file.</param>
/// <param name="ValidationMae">MAE on the validation split that selected the epoch (null for the mean predictor).</param>
/// <param name="Epochs">Epochs trained (0 for the mean predictor).</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="RunFolder">The model's run folder (null for the mean predictor).</param>
public sealed record DemoRow(string Method, double TestMae, double? ValidationMae, int Epochs, double Seconds, string? RunFolder);

/// <summary>
/// The main job: on a small target set, the mean predictor, ElemNet trained from scratch, and the
/// shipped source model fine-tuned (TL:FineTune) — same architecture, seed, split and budget — with
/// their test MAEs side by side. Both networks select their epoch on the same validation split.
/// </summary>
public static class DemoRun
{
    /// <summary>Runs the demo; progress goes to <paramref name="log"/>.</summary>
    public static IReadOnlyList<DemoRow> Run(DemoOptions options, TextWriter log, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var sourceManifest = MaterialsModel.ResolveManifest(options.SourceModel);
        if (!File.Exists(sourceManifest))
        {
            throw new OptionException(nameof(options.SourceModel), options.SourceModel, $"no model.json there. The shipped source model lives in {DemoOptions.DefaultSource}; 'pretrain' makes a new one.");
        }
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
        RunFolder.CheckNew(options.OutputDirectory);

        var rows = new List<DemoRow>();
        var runOptions = new TrainRunOptions
        {
            TrainPaths = [train],
            TestPath = test,
            MaxEpochs = options.MaxEpochs,
            Patience = options.Patience,
            TimeLimit = options.TimeLimitPerModel,
            Device = options.Device,
            Seed = options.Seed,
            OutputDirectory = Path.Combine(options.OutputDirectory, "scratch"),
            // Sub-second epochs: a 74 MB checkpoint after each would slow the demo by about half.
            CheckpointInterval = TimeSpan.FromSeconds(30),
        };

        log.WriteLine($"demo: {name} — scratch ElemNet vs fine-tuned {sourceManifest}");
        var scratch = Timed(() => TrainingRun.Run(runOptions, log, null, cancellation));
        var scratchTest = scratch.Result.Metrics.Single(m => m.Split == "test");
        rows.Add(new DemoRow("mean predictor", scratchTest.MeanPredictorMae, null, 0, 0, null));
        rows.Add(Row("scratch (ElemNet)", scratch.Result, scratch.Seconds));

        var transfer = Timed(() => TrainingRun.Run(runOptions with
        {
            SourceModel = options.SourceModel,
            OutputDirectory = Path.Combine(options.OutputDirectory, "finetune"),
        }, log, null, cancellation));
        rows.Add(Row("transfer (FineTune)", transfer.Result, transfer.Seconds));
        return rows;
    }

    private static DemoRow Row(string method, TrainRunSummary run, double seconds) => new(
        method,
        run.Metrics.Single(m => m.Split == "test").Mae,
        run.Metrics.Single(m => m.Split == "validation").Mae,
        run.Training.Epochs,
        seconds,
        run.OutputDirectory);

    private static (T Result, double Seconds) Timed<T>(Func<T> action)
    {
        var clock = Stopwatch.StartNew();
        var result = action();
        return (result, clock.Elapsed.TotalSeconds);
    }
}
