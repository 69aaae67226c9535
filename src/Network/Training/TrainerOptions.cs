using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Network.Training;

/// <summary>Training hyper-parameters; defaults are ElemNet's (docs/PAPER.md §1).</summary>
public sealed record TrainerOptions
{
    /// <summary>Samples per step (ElemNet: 32).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Epoch limit (ElemNet: 4000).</summary>
    public int MaxEpochs { get; init; } = 4000;

    /// <summary>Epochs without a validation improvement before stopping (ElemNet: 200).</summary>
    public int Patience { get; init; } = 200;

    /// <summary>Wall-clock limit, checked after every step; the run stops at the step that crosses it.
    /// Crossed before an epoch's last step, that partial epoch is discarded, as on cancellation
    /// (<see cref="TrainingResult.InterruptedEpoch"/>). Null = none.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>Training loss (ElemNet: MAE).</summary>
    public LossKind Loss { get; init; } = LossKind.Mae;

    /// <summary>Adam α (ElemNet: 1e-4).</summary>
    public float LearningRate { get; init; } = 1e-4f;

    /// <summary>How the rate moves from epoch to epoch, from <see cref="LearningRate"/> as the base (default: constant).</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>Adam β1.</summary>
    public float Beta1 { get; init; } = 0.9f;

    /// <summary>Adam β2.</summary>
    public float Beta2 { get; init; } = 0.999f;

    /// <summary>Adam ε (Keras default 1e-7).</summary>
    public float Epsilon { get; init; } = 1e-7f;

    /// <summary>
    /// The seed every run uses unless told otherwise (split, initialisation, shuffling, dropout):
    /// the one the paper's data splits were carved with. One constant for the whole product.
    /// </summary>
    public const int DefaultSeed = 1234567;

    /// <summary>Seeds the per-epoch shuffling.</summary>
    public int Seed { get; init; } = DefaultSeed;

    /// <summary>Number of leading dense layers whose parameters stay fixed.</summary>
    public int FrozenDenseLayers { get; init; }

    /// <summary>Decays, the trunk's rate and LP-FT (default: none, the plain Adam run).</summary>
    public Regularization Regularization { get; init; } = Regularization.None;

    /// <summary>Checks the values; throws <see cref="ArgumentOutOfRangeException"/> naming the bad one.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEpochs, 1, nameof(MaxEpochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(Patience, 1, nameof(Patience));
        ArgumentOutOfRangeException.ThrowIfNegative(FrozenDenseLayers, nameof(FrozenDenseLayers));
        if (TimeLimit is { } limit && limit <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(TimeLimit), limit, "The time limit must be positive.");
        }
        // Throws for bad Adam hyper-parameters.
        _ = new AdamStep(1, LearningRate, Beta1, Beta2, Epsilon);
        ArgumentNullException.ThrowIfNull(Schedule, nameof(Schedule));
        Schedule.Validate(LearningRate);
        ArgumentNullException.ThrowIfNull(Regularization, nameof(Regularization));
        Regularization.Validate();
    }
}

/// <summary>What one epoch did. Losses are in the units of the targets the trainer was given.</summary>
/// <param name="Epoch">1-based.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's batches (with dropout active).</param>
/// <param name="ValidationMae">MAE on the validation set after the epoch; with several targets the
/// selection metric, the mean over targets of each target's MAE over its labelled rows (in the
/// units the trainer was given: standardised when the targets were).</param>
/// <param name="Seconds">Wall time since training started.</param>
/// <param name="Improved">True when this epoch set a new best validation MAE.</param>
/// <param name="LearningRate">Adam α used this epoch (the schedule's rate).</param>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double ValidationMae, double Seconds, bool Improved, double LearningRate)
{
    /// <summary>Global L2 norm of the gradient of the epoch's last step, over the trainable parameters (0 when not measured).</summary>
    public double GradientNorm { get; init; }

    /// <summary>L2 norm of all parameters after the epoch (0 when not measured).</summary>
    public double WeightNorm { get; init; }

    /// <summary>With several targets, each target's validation MAE over its labelled rows (their mean is <see cref="ValidationMae"/>); null for one target.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<double>? ValidationMaePerTarget { get; init; }

    /// <summary>False when the loss, the validation MAE, the gradient or the weights hold NaN or ±∞.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsFinite =>
        double.IsFinite(TrainLoss) && double.IsFinite(ValidationMae) && double.IsFinite(GradientNorm) && double.IsFinite(WeightNorm);
}

/// <summary>How a training run ended.</summary>
/// <param name="Epochs">Epochs completed (an interrupted partial epoch is not counted).</param>
/// <param name="BestEpoch">Epoch of the best validation MAE, whose weights the model now holds.</param>
/// <param name="BestValidationMae">That MAE.</param>
/// <param name="StopReason">max-epochs, early-stopping, time-limit, cancelled or non-finite (<see cref="Trainer.NonFiniteStop"/>).</param>
/// <param name="Elapsed">Wall time.</param>
/// <param name="History">Every epoch's metrics.</param>
public sealed record TrainingResult(int Epochs, int BestEpoch, double BestValidationMae, string StopReason, TimeSpan Elapsed, IReadOnlyList<EpochMetrics> History)
{
    /// <summary>
    /// The epoch that a cancellation or the time limit left mid-way (StopReason cancelled or
    /// time-limit), or null when the run stopped between epochs. That epoch was discarded: it is not
    /// in <see cref="History"/> or <see cref="Epochs"/>, was not validated or handed to the checkpoint
    /// callback and cannot be the best; a resumed run trains it again from its start.
    /// </summary>
    public int? InterruptedEpoch { get; init; }
}
