using CrossPropertyILGPU.Kernels.Devices;

namespace CrossPropertyILGPU.Transfer.Fit;

/// <summary>Everything a <c>fit</c> run needs (docs/CLI.md, verb <c>fit</c>).</summary>
public sealed record FitOptions
{
    /// <summary>The shipped source model, used when <see cref="Sources"/> is null and it exists.</summary>
    public const string DefaultSource = "models/elemnet-oqmd";

    /// <summary>Training CSV: a formula column and a target column.</summary>
    public required string TrainPath { get; init; }

    /// <summary>Test CSV, scored once at the end by the saved model; never used to choose anything.</summary>
    public string? TestPath { get; init; }

    /// <summary>Formula column name; null = found by name.</summary>
    public string? FormulaColumn { get; init; }

    /// <summary>Target column name; null = the last column.</summary>
    public string? TargetColumn { get; init; }

    /// <summary>Which candidates run and how long (<see cref="FitPlan.For"/>).</summary>
    public FitBudget Budget { get; init; } = FitBudget.Quick;

    /// <summary>A plan to use instead of <see cref="Budget"/>'s (library callers and tests).</summary>
    public FitPlan? Plan { get; init; }

    /// <summary>Wall-time limit of the whole fit; candidates of least expected value are cut first.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>
    /// Source models (run folders or model.json) for the transfer and extracted-feature candidates;
    /// null = <see cref="DefaultSource"/> when it exists, else no transfer; empty = no transfer.
    /// </summary>
    public IReadOnlyList<string>? Sources { get; init; }

    /// <summary>Only these candidates (<see cref="FitCandidates.KindNames"/>); null = all the budget runs.</summary>
    public IReadOnlyList<string>? Candidates { get; init; }

    /// <summary>Compute backend of the networks.</summary>
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    /// <summary>All randomness: folds, initialisation, shuffling, the forest's sampling.</summary>
    public int Seed { get; init; } = Network.Training.TrainerOptions.DefaultSeed;

    /// <summary>The fit folder to create; an existing non-empty folder is refused.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The plan in force: <see cref="Plan"/>, or <see cref="Budget"/>'s.</summary>
    public FitPlan ResolvedPlan => Plan ?? FitPlan.For(Budget);
}
