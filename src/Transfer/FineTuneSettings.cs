using CrossPropertyILGPU.Kernels.Devices;

namespace CrossPropertyILGPU.Transfer;

/// <summary>Settings of <see cref="MaterialsModel.FineTune(string, IEnumerable{ValueTuple{string, double}}, FineTuneSettings?)"/> and its several-source overload; defaults follow the CLI's <c>finetune</c>, with a smaller epoch budget.</summary>
public sealed record FineTuneSettings
{
    /// <summary>
    /// With several source models (<see cref="MaterialsModel.FineTune(IReadOnlyList{string}, IEnumerable{ValueTuple{string, double}}, FineTuneSettings?)"/>):
    /// how they are screened before the best is fine-tuned. Default: successive halving over 10 epochs.
    /// </summary>
    public Training.ScreeningBudget Screening { get; init; } = Training.ScreeningBudget.Default;

    /// <summary>Replace the source's output layer (ModFineTune); a multi-output source gets a new one-unit layer either way.</summary>
    public bool ReinitializeLast { get; init; }

    /// <summary>Leading dense layers kept fixed.</summary>
    public int FreezeDenseLayers { get; init; }

    /// <summary>Share of the samples held out for validation (epoch selection, early stopping).</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Epoch limit.</summary>
    public int MaxEpochs { get; init; } = 300;

    /// <summary>Early-stopping patience.</summary>
    public int Patience { get; init; } = 50;

    /// <summary>Adam learning rate.</summary>
    public float LearningRate { get; init; } = 1e-4f;

    /// <summary>Wall-time limit.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>Compute backend.</summary>
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    /// <summary>Seed of the split, shuffling and dropout.</summary>
    public int Seed { get; init; } = Network.Training.TrainerOptions.DefaultSeed;

    /// <summary>Name recorded for the target.</summary>
    public string TargetName { get; init; } = "target";

    /// <summary>Run folder to keep; null = a temporary folder removed after loading.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Receives progress and skipped-row messages; null = silent.</summary>
    public TextWriter? Log { get; init; }
}
