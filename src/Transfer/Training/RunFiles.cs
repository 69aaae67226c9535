using System.Text.Json.Serialization;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>
/// <c>config.json</c>: the resolved options of a run, so it can be repeated exactly. Enum-valued
/// members are read strictly through <see cref="Vocabulary"/>: an unknown value is an error naming
/// the key, the value and the file, never a silent default. Its owner is <see cref="RunFolder"/>.
/// </summary>
public sealed record RunConfig
{
    /// <summary>
    /// The JSON key of each member that asks something of a run, and the <see cref="TrainRunOptions"/>
    /// property it sets: how a config.json is read back as options (resume, <c>--config</c>).
    /// </summary>
    public static IReadOnlyDictionary<string, string> OptionOfKey { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["device"] = nameof(TrainRunOptions.Device),
        ["gemm"] = nameof(TrainRunOptions.Gemm),
        ["train"] = nameof(TrainRunOptions.TrainPaths),
        ["validation"] = nameof(TrainRunOptions.ValidationPath),
        ["validation_fraction"] = nameof(TrainRunOptions.ValidationFraction),
        ["test"] = nameof(TrainRunOptions.TestPath),
        ["formula_column"] = nameof(TrainRunOptions.FormulaColumn),
        ["target_column"] = nameof(TrainRunOptions.TargetColumn),
        ["features"] = nameof(TrainRunOptions.Features),
        ["input_scaling"] = nameof(TrainRunOptions.InputScaling),
        ["architecture"] = nameof(TrainRunOptions.Architecture),
        ["keep_probabilities"] = nameof(TrainRunOptions.KeepProbabilities),
        ["batch_size"] = nameof(TrainRunOptions.BatchSize),
        ["learning_rate"] = nameof(TrainRunOptions.LearningRate),
        ["lr_schedule"] = nameof(TrainRunOptions.LearningRateSchedule),
        ["lr_factor"] = nameof(TrainRunOptions.LearningRateFactor),
        ["lr_patience"] = nameof(TrainRunOptions.LearningRatePatience),
        ["lr_floor"] = nameof(TrainRunOptions.LearningRateFloor),
        ["warmup_epochs"] = nameof(TrainRunOptions.WarmupEpochs),
        ["final_lr"] = nameof(TrainRunOptions.FinalLearningRate),
        ["weight_decay"] = nameof(TrainRunOptions.WeightDecay),
        ["l2_sp"] = nameof(TrainRunOptions.SourceDecay),
        ["trunk_lr_scale"] = nameof(TrainRunOptions.TrunkRateScale),
        ["head_epochs"] = nameof(TrainRunOptions.HeadOnlyEpochs),
        ["max_epochs"] = nameof(TrainRunOptions.MaxEpochs),
        ["patience"] = nameof(TrainRunOptions.Patience),
        ["time_limit_seconds"] = nameof(TrainRunOptions.TimeLimit),
        ["loss"] = nameof(TrainRunOptions.Loss),
        ["target_scaling"] = nameof(TrainRunOptions.TargetScaling),
        ["seed"] = nameof(TrainRunOptions.Seed),
        ["on_unsupported"] = nameof(TrainRunOptions.OnUnsupported),
        ["min_elements"] = nameof(TrainRunOptions.MinElements),
        ["splits"] = nameof(TrainRunOptions.SplitsPath),
        ["source"] = nameof(TrainRunOptions.SourceModel),
        ["reinitialize_last"] = nameof(TrainRunOptions.ReinitializeLast),
        ["freeze_dense_layers"] = nameof(TrainRunOptions.FreezeDenseLayers),
    };

    /// <summary>The JSON keys that record what happened rather than ask for anything; reading a config ignores them.</summary>
    public static IReadOnlySet<string> RecordOnlyKeys { get; } = new HashSet<string>(StringComparer.Ordinal) { "verb", "engine_version", "started", "device_used" };

    /// <summary>The verb that made the run.</summary>
    public string Verb { get; init; } = "train";

    /// <summary>Engine version.</summary>
    public string EngineVersion { get; init; } = typeof(RunConfig).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>UTC start time, ISO 8601.</summary>
    public string Started { get; init; } = "";

    /// <summary>Device asked for.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>GEMM asked for (<c>--gemm</c>); absent in older runs, which used the custom kernels.</summary>
    public string Gemm { get; init; } = "custom";

    /// <summary>Device used.</summary>
    public string DeviceUsed { get; init; } = "";

    /// <summary>Training files.</summary>
    public string[] Train { get; init; } = [];

    /// <summary>Validation file, when given.</summary>
    public string? Validation { get; init; }

    /// <summary>Fraction of the training file carved out for validation when no file is given.</summary>
    public double? ValidationFraction { get; init; }

    /// <summary>Test file, when given.</summary>
    public string? Test { get; init; }

    /// <summary>Formula column.</summary>
    public string FormulaColumn { get; init; } = "";

    /// <summary>Target column.</summary>
    public string TargetColumn { get; init; } = "";

    /// <summary>Feature kind.</summary>
    public string Features { get; init; } = "ef";

    /// <summary>Input scaling as resolved for the run: standard or none (none when absent: runs written before input scaling existed never scaled their inputs).</summary>
    [JsonConverter(typeof(InputScalingJsonConverter))]
    public InputScaling? InputScaling { get; init; }

    /// <summary>Architecture string.</summary>
    public string Architecture { get; init; } = "";

    /// <summary>Dropout keep probabilities.</summary>
    public float[] KeepProbabilities { get; init; } = [];

    /// <summary>Batch size.</summary>
    public int BatchSize { get; init; }

    /// <summary>Adam learning rate.</summary>
    public float LearningRate { get; init; }

    /// <summary>Learning-rate schedule (constant when absent: runs written before schedules existed).</summary>
    [JsonConverter(typeof(LearningRateScheduleJsonConverter))]
    public LearningRateScheduleKind LrSchedule { get; init; } = LearningRateScheduleKind.Constant;

    /// <summary>Plateau's factor; null for the other schedules.</summary>
    public double? LrFactor { get; init; }

    /// <summary>Plateau's patience in epochs; null for the other schedules.</summary>
    public int? LrPatience { get; init; }

    /// <summary>Plateau's floor; null for the other schedules.</summary>
    public float? LrFloor { get; init; }

    /// <summary>Cosine's warm-up epochs; null for the other schedules.</summary>
    public int? WarmupEpochs { get; init; }

    /// <summary>Cosine's rate at the epoch limit; null for the other schedules.</summary>
    public float? FinalLr { get; init; }

    /// <summary>Decoupled weight decay toward zero (0 when absent: runs written before regularisation existed).</summary>
    public float? WeightDecay { get; init; }

    /// <summary>L2-SP: decoupled decay of the trunk toward the source's weights (0 when absent).</summary>
    public float? L2Sp { get; init; }

    /// <summary>The trunk's rate as a multiple of the output layer's (1 when absent).</summary>
    public float? TrunkLrScale { get; init; }

    /// <summary>LP-FT's head-only epochs (0 when absent).</summary>
    public int? HeadEpochs { get; init; }

    /// <summary>Epoch limit.</summary>
    public int MaxEpochs { get; init; }

    /// <summary>Early-stopping patience in epochs.</summary>
    public int Patience { get; init; }

    /// <summary>Wall-time limit in seconds.</summary>
    public double? TimeLimitSeconds { get; init; }

    /// <summary>Loss.</summary>
    [JsonConverter(typeof(LossJsonConverter))]
    public LossKind Loss { get; init; } = LossKind.Mae;

    /// <summary>Target scaling used: standard, none, or source (FineTune keeps the source model's).</summary>
    [JsonConverter(typeof(TargetScalingJsonConverter))]
    public TargetScaling TargetScaling { get; init; } = TargetScaling.Standard;

    /// <summary>Seed for splits, initialisation, shuffling and dropout.</summary>
    public int Seed { get; init; }

    /// <summary>skip or error, for rows whose formula cannot be used.</summary>
    [JsonConverter(typeof(UnsupportedRowActionJsonConverter))]
    public UnsupportedRowAction OnUnsupported { get; init; } = UnsupportedRowAction.Skip;

    /// <summary>Fewest distinct elements a row must have.</summary>
    public int MinElements { get; init; } = 1;

    /// <summary>The splits.json whose rows were reused, or null.</summary>
    public string? Splits { get; init; }

    /// <summary>Source model (fine-tuning), or null.</summary>
    public string? Source { get; init; }

    /// <summary>Output layer re-initialised (ModFineTune).</summary>
    public bool ReinitializeLast { get; init; }

    /// <summary>Leading dense layers frozen.</summary>
    public int FreezeDenseLayers { get; init; }
}

/// <summary><c>splits.json</c>: the formulas and file lines of every split.</summary>
public sealed record SplitsFile
{
    /// <summary>Seed used to carve the validation split.</summary>
    public int Seed { get; init; }

    /// <summary>How the validation split was made.</summary>
    public string ValidationSource { get; init; } = "";

    /// <summary>Training rows.</summary>
    public SplitRows Train { get; init; } = new();

    /// <summary>Validation rows.</summary>
    public SplitRows Validation { get; init; } = new();

    /// <summary>Test rows (empty without a test file).</summary>
    public SplitRows? Test { get; init; }
}

/// <summary>The rows of one split: their file, 1-based line numbers and formulas, in split order.</summary>
public sealed record SplitRows
{
    /// <summary>Source files.</summary>
    public string[] Files { get; init; } = [];

    /// <summary>Index into <see cref="Files"/> of each row's file.</summary>
    public int[] FileIndex { get; init; } = [];

    /// <summary>Line numbers in the file (header = line 1).</summary>
    public int[] Lines { get; init; } = [];

    /// <summary>Formulas, same order.</summary>
    public string[] Formulas { get; init; } = [];

    /// <summary>
    /// The targets as read, same order (row-major rows × targets; NaN = unlabelled), so a resumed
    /// run can tell that its data changed. Null in splits files written before they were recorded.
    /// </summary>
    public float[]? Targets { get; init; }
}
