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
    /// <remarks>
    /// A screened fine-tune's <c>sources</c>, <c>source_screening</c> and <c>source_screening_epochs</c> are
    /// records too: its <c>source</c> is the source the screening chose, so <c>--config</c> repeats the
    /// fine-tune of that source (give <c>--source A,B</c> again to screen again) and <c>--resume</c>
    /// continues it.
    /// </remarks>
    public static IReadOnlySet<string> RecordOnlyKeys { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "verb", "engine_version", "started", "device_used", "sources", "source_screening", "source_screening_epochs",
    };

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

    /// <summary>Source model (fine-tuning), or null; after a screening of several, the one it chose.</summary>
    public string? Source { get; init; }

    /// <summary>
    /// The source models screened for this run, as given (<c>finetune --source A,B</c>), of which
    /// <see cref="Source"/> was chosen on validation; absent for a run given one source.
    /// The scores are in the run folder's screening.json.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string[]? Sources { get; init; }

    /// <summary>How <see cref="Sources"/> were screened; absent for a run given one source.</summary>
    [JsonConverter(typeof(ScreeningStrategyJsonConverter))]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ScreeningStrategy? SourceScreening { get; init; }

    /// <summary>The screening's epoch budget; absent for a run given one source.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? SourceScreeningEpochs { get; init; }

    /// <summary>Output layer re-initialised (ModFineTune).</summary>
    public bool ReinitializeLast { get; init; }

    /// <summary>Leading dense layers frozen.</summary>
    public int FreezeDenseLayers { get; init; }
}

/// <summary>
/// <c>screening.json</c>: how several source models were screened for a fine-tune and which one
/// was chosen (<see cref="SourceScreening"/>). Every source was fine-tuned on the run's training
/// split and scored on its validation split — the same rows, seed and options for each; the test
/// file was not read. Its owner is <see cref="RunFolder"/>.
/// </summary>
public sealed record ScreeningFile
{
    /// <summary>The format's name and version.</summary>
    public const string CurrentFormat = "cpilgpu-source-screening/1";

    /// <summary>File format.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>fixed or successive-halving.</summary>
    [JsonConverter(typeof(ScreeningStrategyJsonConverter))]
    public ScreeningStrategy Strategy { get; init; }

    /// <summary>The screening budget in epochs (<c>--screen-epochs</c>).</summary>
    public int Epochs { get; init; }

    /// <summary>The epochs each round trained its sources to, cumulative (one round for a fixed budget).</summary>
    public int[] RoundEpochs { get; init; } = [];

    /// <summary>What chose: always the lowest validation MAE, over each source's best epoch.</summary>
    public string Selection { get; init; } = SelectionRule;

    /// <summary>The rule <see cref="Selection"/> states.</summary>
    public const string SelectionRule = "lowest validation MAE (best epoch) on the validation split of the run; ties go to the source given first; the test file is not read";

    /// <summary>Seed of the split, initialisation and shuffling, the same for every source.</summary>
    public int Seed { get; init; }

    /// <summary>Training rows every source was fine-tuned on.</summary>
    public int TrainRows { get; init; }

    /// <summary>Validation rows every source was scored on.</summary>
    public int ValidationRows { get; init; }

    /// <summary>The source chosen, as given; the run's config.json names it as <c>source</c>.</summary>
    public string Chosen { get; init; } = "";

    /// <summary>Wall time of the whole screening (every source's runs), seconds.</summary>
    public double Seconds { get; init; }

    /// <summary>Every source in the order given, with its score.</summary>
    public ScreenedSource[] Sources { get; init; } = [];
}

/// <summary>One source of a <see cref="ScreeningFile"/>.</summary>
public sealed record ScreenedSource
{
    /// <summary>The source as given (run folder, model.json or model.safetensors).</summary>
    public string Source { get; init; } = "";

    /// <summary>SHA-256 of its weights file (hex), to tell sources apart whatever their paths.</summary>
    public string WeightsSha256 { get; init; } = "";

    /// <summary>Its screening run folder, relative to the run folder (<c>screening/1-elemnet-oqmd</c>).</summary>
    public string Folder { get; init; } = "";

    /// <summary>The source network's outputs (several for a multi-task source).</summary>
    public int Outputs { get; init; }

    /// <summary><c>finetune</c> (its output layer kept) or <c>modfinetune</c> (a new output layer: <c>--reinit-last</c>, or a multi-output source).</summary>
    public string TransferMode { get; init; } = "";

    /// <summary>Its best validation MAE over the epochs it trained, in target units; null when its training diverged.</summary>
    public double? ValidationMae { get; init; }

    /// <summary>The epoch of <see cref="ValidationMae"/>.</summary>
    public int BestEpoch { get; init; }

    /// <summary>Epochs it trained while screened.</summary>
    public int Epochs { get; init; }

    /// <summary>Rounds it trained in (successive halving drops the worse half after each).</summary>
    public int Rounds { get; init; }

    /// <summary>Why its last round stopped: max-epochs, early-stopping, time-limit, diverged.</summary>
    public string StopReason { get; init; } = "";

    /// <summary>Wall time spent on it (loading, training, writing), seconds.</summary>
    public double Seconds { get; init; }

    /// <summary>True for the source chosen.</summary>
    public bool Chosen { get; init; }
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
