namespace CrossPropertyILGPU.Network.Training;

/// <summary>
/// Everything needed to continue training exactly where it stopped: the epoch counter, Adam's
/// step, the early-stopping bookkeeping, the metrics so far, and four host copies of the flat
/// buffers (parameters, Adam's two moments, best parameters so far). The shuffle order of epoch e
/// depends only on (seed, e), and dropout masks only on (seed, step), so a resumed run repeats the
/// uninterrupted run's arithmetic step for step.
/// </summary>
public sealed record TrainingState
{
    /// <summary>
    /// The seed of the run: with <see cref="Epoch"/> and <see cref="AdamStep"/> it is the whole
    /// random state (shuffles are keyed by (seed, epoch), dropout masks by (seed, step)). Null in
    /// states saved before it was recorded.
    /// </summary>
    public int? Seed { get; init; }

    /// <summary>Epochs completed.</summary>
    public required int Epoch { get; init; }

    /// <summary>Adam updates done (the next is AdamStep + 1).</summary>
    public required long AdamStep { get; init; }

    /// <summary>Epoch of the best validation MAE so far.</summary>
    public required int BestEpoch { get; init; }

    /// <summary>Best validation MAE so far (trainer units).</summary>
    public required double BestValidationMae { get; init; }

    /// <summary>Epochs since the best.</summary>
    public required int SinceBest { get; init; }

    /// <summary>Metrics of every completed epoch (trainer units).</summary>
    public required IReadOnlyList<EpochMetrics> History { get; init; }

    /// <summary>Wall seconds spent before this state (added to the resumed run's clock).</summary>
    public required double Seconds { get; init; }

    /// <summary>Current parameter values.</summary>
    public required float[] Parameters { get; init; }

    /// <summary>Adam's first moment.</summary>
    public required float[] FirstMoment { get; init; }

    /// <summary>Adam's second moment.</summary>
    public required float[] SecondMoment { get; init; }

    /// <summary>Parameters of the best epoch.</summary>
    public required float[] BestParameters { get; init; }

    /// <summary>The weights training started from, which L2-SP (<see cref="Regularization.SourceDecay"/>) pulls toward; null when L2-SP is off.</summary>
    public float[]? StartingParameters { get; init; }
}
