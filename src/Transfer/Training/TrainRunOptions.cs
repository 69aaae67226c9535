using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network.Spec;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>Everything a <c>train</c> run needs; defaults follow ElemNet (PAPER.md §1) and CLI.md.</summary>
public sealed record TrainRunOptions
{
    /// <summary>Training CSVs (one or more; pretraining combines several large files).</summary>
    public required IReadOnlyList<string> TrainPaths { get; init; }

    /// <summary>Validation CSV; when null, <see cref="ValidationFraction"/> of the training file is carved out with the seed.</summary>
    public string? ValidationPath { get; init; }

    /// <summary>Share of the training rows used for validation when no validation file is given.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Test CSV, evaluated once after training; never used for selection.</summary>
    public string? TestPath { get; init; }

    /// <summary>Formula column name; null = found by name.</summary>
    public string? FormulaColumn { get; init; }

    /// <summary>Target column name; null = the last column.</summary>
    public string? TargetColumn { get; init; }

    /// <summary>Input features; only <c>ef</c> (elemental fractions) for now.</summary>
    public string Features { get; init; } = "ef";

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

    /// <summary>Adam learning rate.</summary>
    public float LearningRate { get; init; } = 1e-4f;

    /// <summary>Epoch limit.</summary>
    public int MaxEpochs { get; init; } = 4000;

    /// <summary>Early-stopping patience in epochs.</summary>
    public int Patience { get; init; } = 200;

    /// <summary>Wall-time limit.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>Training loss.</summary>
    public LossKind Loss { get; init; } = LossKind.Mae;

    /// <summary>Standardise targets for training (predictions are mapped back); false trains on raw targets as ElemNet did.</summary>
    public bool ScaleTargets { get; init; } = true;

    /// <summary>Compute backend.</summary>
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    /// <summary>All randomness: split, initialisation, shuffling, dropout.</summary>
    public int Seed { get; init; } = 1234567;

    /// <summary>Run folder to create; it must not exist or be empty.</summary>
    public required string OutputDirectory { get; init; }

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
