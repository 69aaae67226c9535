using System.Globalization;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network.Spec;
using CrossPropertyILGPU.Network.Training;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>
/// Everything a <c>train</c> run needs; defaults follow ElemNet (docs/PAPER.md §1) and docs/CLI.md.
/// Errors about these options are <see cref="OptionException"/>s naming the property.
/// </summary>
public sealed record TrainRunOptions
{
    /// <summary>Training CSVs (one or more; pretraining combines several large files).</summary>
    public required IReadOnlyList<string> TrainPaths { get; init; }

    /// <summary>Validation CSV; when null, <see cref="ValidationFraction"/> of the training file is carved out with the seed.</summary>
    public string? ValidationPath { get; init; }

    /// <summary>Share of the training rows used for validation when no validation file is given.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>
    /// A splits.json (from an earlier run, or made by cross-validation) whose train and validation
    /// rows — file and line — are used instead of carving a new validation split.
    /// </summary>
    public string? SplitsPath { get; init; }

    /// <summary>An in-memory split, as <see cref="SplitsPath"/> (used by k-fold cross-validation).</summary>
    public SplitsFile? Splits { get; init; }

    /// <summary>Test CSV, evaluated once after training; never used for selection.</summary>
    public string? TestPath { get; init; }

    /// <summary>Formula column name; null = found by name.</summary>
    public string? FormulaColumn { get; init; }

    /// <summary>Target column name; null = the last column.</summary>
    public string? TargetColumn { get; init; }

    /// <summary>Input features: <c>ef</c> (elemental fractions), <c>pa</c> (physical attributes), or a feature CSV.</summary>
    public string Features { get; init; } = "ef";

    /// <summary>
    /// Per-column standardisation of the inputs, fitted on the training split and stored with the
    /// model: <see cref="Data.InputScaling.Auto"/> (default) standardises <c>pa</c> and leaves other
    /// features as they are; a fine-tuned model always keeps its source's.
    /// </summary>
    public InputScaling InputScaling { get; init; } = InputScaling.Auto;

    /// <summary>What to do with rows whose formula cannot be used (invalid, or an element outside the 86).</summary>
    public UnsupportedRowAction OnUnsupported { get; init; } = UnsupportedRowAction.Skip;

    /// <summary>Rows with fewer distinct elements are skipped (the paper used 2: no single elements).</summary>
    public int MinElements { get; init; } = 1;

    /// <summary>ElemNet architecture string; null = ElemNet's (scratch) or the source model's (fine-tuning).</summary>
    public string? Architecture { get; init; }

    /// <summary>
    /// Source model to start from (run folder, model.json or model.safetensors): every weight is
    /// loaded before training (FineTune). Null trains from scratch.
    /// </summary>
    public string? SourceModel { get; init; }

    /// <summary>With a source model: replace its output layer by a freshly initialised one (ModFineTune).</summary>
    public bool ReinitializeLast { get; init; }

    /// <summary>Number of leading dense layers kept fixed during training (0 = train all).</summary>
    public int FreezeDenseLayers { get; init; }

    /// <summary>Keep probability per dropout block; null = ElemNet's for its 4 blocks, 0.8 otherwise.</summary>
    public IReadOnlyList<float>? KeepProbabilities { get; init; }

    /// <summary>Samples per step.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>ElemNet's Adam learning rate, the default base rate (1e-4).</summary>
    public const float DefaultLearningRate = 1e-4f;

    /// <summary>Adam learning rate: the base rate of <see cref="LearningRateSchedule"/>.</summary>
    public float LearningRate { get; init; } = DefaultLearningRate;

    /// <summary>
    /// How the rate moves from epoch to epoch, <see cref="LearningRate"/> being the base:
    /// constant (default, ElemNet's), plateau or cosine (<see cref="Network.Training.LearningRateSchedule"/>).
    /// </summary>
    public LearningRateScheduleKind LearningRateSchedule { get; init; } = LearningRateScheduleKind.Constant;

    /// <summary>Plateau: factor applied to the rate on a plateau, in (0, 1).</summary>
    public double LearningRateFactor { get; init; } = Network.Training.LearningRateSchedule.DefaultFactor;

    /// <summary>Plateau: epochs without a better validation MAE before the rate is reduced (usually well below <see cref="Patience"/>).</summary>
    public int LearningRatePatience { get; init; } = Network.Training.LearningRateSchedule.DefaultPatience;

    /// <summary>Plateau: the rate is never reduced below this.</summary>
    public float LearningRateFloor { get; init; } = Network.Training.LearningRateSchedule.DefaultFloor;

    /// <summary>Cosine: epochs of linear warm-up to <see cref="LearningRate"/>.</summary>
    public int WarmupEpochs { get; init; }

    /// <summary>Cosine: the rate at <see cref="MaxEpochs"/>; at most <see cref="LearningRate"/>.</summary>
    public float FinalLearningRate { get; init; }

    /// <summary>Decoupled weight decay toward zero (AdamW), per unit of rate; 0 = off (<see cref="Regularization.WeightDecay"/>).</summary>
    public float WeightDecay { get; init; }

    /// <summary>L2-SP: decoupled decay of the trunk toward the source model's weights, per unit of rate; 0 = off. Needs a source model.</summary>
    public float SourceDecay { get; init; }

    /// <summary>The trunk's rate as a multiple of the output layer's; 1 = one rate (<see cref="Regularization.TrunkRateScale"/>).</summary>
    public float TrunkRateScale { get; init; } = 1f;

    /// <summary>LP-FT: the first this many epochs train the output layer only; 0 = off. Needs a source model.</summary>
    public int HeadOnlyEpochs { get; init; }

    /// <summary>Epoch limit.</summary>
    public int MaxEpochs { get; init; } = 4000;

    /// <summary>Early-stopping patience in epochs.</summary>
    public int Patience { get; init; } = 200;

    /// <summary>Wall-time limit.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>Training loss.</summary>
    public LossKind Loss { get; init; } = LossKind.Mae;

    /// <summary>
    /// How targets are scaled for training (predictions are mapped back): standardised, raw as
    /// ElemNet did, or — FineTune only — the source model's scaling, which FineTune keeps with its
    /// output layer whatever this says.
    /// </summary>
    public TargetScaling TargetScaling { get; init; } = TargetScaling.Standard;

    /// <summary>Compute backend.</summary>
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    /// <summary>The dense layers' GEMM on the ILGPU devices (cuBLAS needs CUDA).</summary>
    public GemmEngine Gemm { get; init; } = GemmEngine.Custom;

    /// <summary>All randomness: split, initialisation, shuffling, dropout.</summary>
    public int Seed { get; init; } = Network.Training.TrainerOptions.DefaultSeed;

    /// <summary>Run folder to create; it must not exist or be empty (unless <see cref="Resume"/>).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Continue the run in <see cref="OutputDirectory"/> from its checkpoint instead of starting one.</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// Write checkpoint.safetensors every this many epochs (0 = never), and always at the run's last
    /// epoch (epoch limit, early stop, time limit, Ctrl+C), so a stopped or killed run can be
    /// resumed losing at most this many epochs.
    /// </summary>
    public int CheckpointEvery { get; init; } = 1;

    /// <summary>
    /// Least time between two checkpoints (default none: every <see cref="CheckpointEvery"/>
    /// epochs). An ElemNet checkpoint is 74 MB; on a small set whose epochs take a fraction of a
    /// second, a floor of some seconds keeps checkpointing from dominating, at the price of losing
    /// up to that much work in a crash.
    /// </summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// The options a run folder's config.json records, to continue that run. The caller may then
    /// override budgets (epochs, patience, time limit) and the device.
    /// </summary>
    public static TrainRunOptions FromRunFolder(string folder)
    {
        var run = new RunFolder(folder);
        var config = run.ReadConfig();
        // Absent in the first release's configs (the default then); anything else must be known.
        T Strict<T>(string key, string? text, T absent, Func<string, (bool Ok, T Value)> parse) =>
            string.IsNullOrEmpty(text) ? absent
            : parse(text) is (true, var value) ? value
            : throw new UsageException($"{run.ConfigPath}: key '{key}' holds '{text}', which this version does not know.");
        return new TrainRunOptions
        {
            TrainPaths = config.Train,
            ValidationPath = config.Validation,
            ValidationFraction = config.ValidationFraction ?? 0.1,
            TestPath = config.Test,
            FormulaColumn = config.FormulaColumn.Length == 0 ? null : config.FormulaColumn,
            TargetColumn = config.TargetColumn,
            Features = config.Features,
            // Run folders written before input scaling existed never scaled their inputs.
            InputScaling = config.InputScaling ?? InputScaling.None,
            Architecture = config.Architecture,
            KeepProbabilities = config.KeepProbabilities,
            BatchSize = config.BatchSize,
            LearningRate = config.LearningRate,
            // Absent before schedules existed: those runs trained at a constant rate.
            LearningRateSchedule = config.LrSchedule,
            LearningRateFactor = config.LrFactor ?? Network.Training.LearningRateSchedule.DefaultFactor,
            LearningRatePatience = config.LrPatience ?? Network.Training.LearningRateSchedule.DefaultPatience,
            LearningRateFloor = config.LrFloor ?? Network.Training.LearningRateSchedule.DefaultFloor,
            WarmupEpochs = config.WarmupEpochs ?? 0,
            FinalLearningRate = config.FinalLr ?? 0f,
            // Absent before regularisation existed: those runs had none.
            WeightDecay = config.WeightDecay ?? 0f,
            SourceDecay = config.L2Sp ?? 0f,
            TrunkRateScale = config.TrunkLrScale ?? 1f,
            HeadOnlyEpochs = config.HeadEpochs ?? 0,
            MaxEpochs = config.MaxEpochs,
            Patience = config.Patience,
            TimeLimit = config.TimeLimitSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            Loss = config.Loss,
            TargetScaling = config.TargetScaling,
            Device = Strict("device", config.Device, DeviceKind.Auto, t => (DeviceKinds.TryParse(t, out var d), d)),
            Gemm = Strict("gemm", config.Gemm, GemmEngine.Custom, t => (GemmEngines.TryParse(t, out var g), g)),
            Seed = config.Seed,
            SourceModel = config.Source,
            ReinitializeLast = config.ReinitializeLast,
            FreezeDenseLayers = config.FreezeDenseLayers,
            OnUnsupported = config.OnUnsupported,
            MinElements = Math.Max(1, config.MinElements),
            OutputDirectory = folder,
            Resume = true,
            // The run's own record of its split: resuming never depends on re-carving it.
            SplitsPath = config.Validation is null ? run.SplitsPath : null,
        };
    }

    /// <summary>The learning-rate schedule these options ask for (unchecked; see <see cref="CheckSchedule"/>).</summary>
    public LearningRateSchedule ToSchedule() => new()
    {
        Kind = LearningRateSchedule,
        Factor = LearningRateFactor,
        Patience = LearningRatePatience,
        Floor = LearningRateFloor,
        WarmupEpochs = WarmupEpochs,
        FinalRate = FinalLearningRate,
    };

    /// <summary>These options with <paramref name="schedule"/>'s kind and parameters.</summary>
    public TrainRunOptions WithSchedule(LearningRateSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return this with
        {
            LearningRateSchedule = schedule.Kind,
            LearningRateFactor = schedule.Factor,
            LearningRatePatience = schedule.Patience,
            LearningRateFloor = schedule.Floor,
            WarmupEpochs = schedule.WarmupEpochs,
            FinalLearningRate = schedule.FinalRate,
        };
    }

    /// <summary>
    /// Checks a schedule's parameters (all of them, whichever kind uses them) against the base rate
    /// <paramref name="learningRate"/>.
    /// </summary>
    /// <exception cref="OptionException">A value out of range, naming its option.</exception>
    public static void CheckSchedule(LearningRateSchedule schedule, float learningRate)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        static string Text(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
        if (!Enum.IsDefined(schedule.Kind))
        {
            throw new OptionException(nameof(LearningRateSchedule), schedule.Kind.ToString(), $"use {Vocabulary.LearningRateSchedule.Listing}.");
        }
        if (!(schedule.Factor > 0 && schedule.Factor < 1))
        {
            throw new OptionException(nameof(LearningRateFactor), Text(schedule.Factor), "must lie strictly between 0 and 1.");
        }
        if (schedule.Patience < 1)
        {
            throw new OptionException(nameof(LearningRatePatience), Text(schedule.Patience), "must be at least 1.");
        }
        if (!(schedule.Floor >= 0) || !float.IsFinite(schedule.Floor))
        {
            throw new OptionException(nameof(LearningRateFloor), Text(schedule.Floor), "must be 0 or more.");
        }
        if (schedule.WarmupEpochs < 0)
        {
            throw new OptionException(nameof(WarmupEpochs), Text(schedule.WarmupEpochs), "must be 0 or more.");
        }
        if (!(schedule.FinalRate >= 0) || schedule.FinalRate > learningRate)
        {
            throw new OptionException(nameof(FinalLearningRate), Text(schedule.FinalRate), $"must lie between 0 and the learning rate, {Text(learningRate)}.");
        }
    }

    /// <summary>The regularisation these options ask for (unchecked; see <see cref="CheckRegularization"/>).</summary>
    public Regularization ToRegularization() => new()
    {
        WeightDecay = WeightDecay,
        SourceDecay = SourceDecay,
        TrunkRateScale = TrunkRateScale,
        HeadOnlyEpochs = HeadOnlyEpochs,
    };

    /// <summary>These options with <paramref name="regularization"/>'s values.</summary>
    public TrainRunOptions WithRegularization(Regularization regularization)
    {
        ArgumentNullException.ThrowIfNull(regularization);
        return this with
        {
            WeightDecay = regularization.WeightDecay,
            SourceDecay = regularization.SourceDecay,
            TrunkRateScale = regularization.TrunkRateScale,
            HeadOnlyEpochs = regularization.HeadOnlyEpochs,
        };
    }

    /// <summary>
    /// Checks the regularisation: decays and the trunk's scale finite and ≥ 0, and a decay step α·λ
    /// of at most 1 (a larger one jumps past its anchor); L2-SP and LP-FT need a source model.
    /// </summary>
    /// <exception cref="OptionException">A value out of range, naming its option.</exception>
    public static void CheckRegularization(Regularization regularization, float learningRate, bool hasSource)
    {
        ArgumentNullException.ThrowIfNull(regularization);
        static string Text(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
        foreach (var (value, option) in new[] { (regularization.WeightDecay, nameof(WeightDecay)), (regularization.SourceDecay, nameof(SourceDecay)) })
        {
            if (!(float.IsFinite(value) && value >= 0f))
            {
                throw new OptionException(option, Text(value), "must be 0 or more.");
            }
            if ((double)value * learningRate > 1.0)
            {
                throw new OptionException(option, Text(value), $"times the learning rate {Text(learningRate)} exceeds 1: each step would overshoot; use at most {(1.0 / learningRate).ToString("G6", CultureInfo.InvariantCulture)}.");
            }
        }
        if (!(float.IsFinite(regularization.TrunkRateScale) && regularization.TrunkRateScale >= 0f))
        {
            throw new OptionException(nameof(TrunkRateScale), Text(regularization.TrunkRateScale), "must be 0 or more.");
        }
        if (regularization.HeadOnlyEpochs < 0)
        {
            throw new OptionException(nameof(HeadOnlyEpochs), Text(regularization.HeadOnlyEpochs), "must be 0 or more.");
        }
        if (!hasSource && regularization.SourceDecay > 0f)
        {
            throw new OptionException(nameof(SourceDecay), Text(regularization.SourceDecay), "pulls toward a source model's weights; give --source (or use --weight-decay).");
        }
        if (!hasSource && regularization.HeadOnlyEpochs > 0)
        {
            throw new OptionException(nameof(HeadOnlyEpochs), Text(regularization.HeadOnlyEpochs), "trains the output layer over a source model's trunk; give --source.");
        }
    }

    /// <summary>The keep probabilities to use for <paramref name="spec"/>.</summary>
    public IReadOnlyList<float> ResolveKeepProbabilities(ElemNetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (KeepProbabilities is { } given)
        {
            return given;
        }
        return spec.DropoutCount == ElemNetSpec.DefaultKeepProbabilities.Count
            ? ElemNetSpec.DefaultKeepProbabilities
            : Enumerable.Repeat(0.8f, spec.DropoutCount).ToArray();
    }
}
