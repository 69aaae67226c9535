namespace CrossPropertyILGPU.Transfer.Training;

/// <summary><c>config.json</c>: the resolved options of a run, so it can be repeated exactly.</summary>
public sealed record RunConfig
{
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

    /// <summary>Input scaling as resolved for the run: standard or none (auto in configs that predate it).</summary>
    public string InputScaling { get; init; } = "auto";

    /// <summary>Architecture string.</summary>
    public string Architecture { get; init; } = "";

    /// <summary>Dropout keep probabilities.</summary>
    public float[] KeepProbabilities { get; init; } = [];

    /// <summary>Batch size.</summary>
    public int BatchSize { get; init; }

    /// <summary>Adam learning rate.</summary>
    public float LearningRate { get; init; }

    /// <summary>Epoch limit.</summary>
    public int MaxEpochs { get; init; }

    /// <summary>Early-stopping patience in epochs.</summary>
    public int Patience { get; init; }

    /// <summary>Wall-time limit in seconds.</summary>
    public double? TimeLimitSeconds { get; init; }

    /// <summary>Loss.</summary>
    public string Loss { get; init; } = "mae";

    /// <summary>Target scaling used: standard, none, or source (FineTune keeps the source model's).</summary>
    public string TargetScaling { get; init; } = "standard";

    /// <summary>Seed for splits, initialisation, shuffling and dropout.</summary>
    public int Seed { get; init; }

    /// <summary>skip or error, for rows whose formula cannot be used.</summary>
    public string OnUnsupported { get; init; } = "skip";

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
}
