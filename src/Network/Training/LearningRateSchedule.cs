namespace CrossPropertyILGPU.Network.Training;

/// <summary>How the Adam learning rate moves from epoch to epoch.</summary>
public enum LearningRateScheduleKind
{
    /// <summary>The base rate every epoch (ElemNet's, and the default).</summary>
    Constant,

    /// <summary>Keras's ReduceLROnPlateau on the validation MAE.</summary>
    Plateau,

    /// <summary>Linear warm-up, then cosine decay to a final rate at the epoch limit.</summary>
    Cosine,
}

/// <summary>
/// A learning-rate schedule: the rate of epoch e is a pure function of (e, the base rate, the
/// epoch limit, the metrics of epochs 1…e−1), computed by <see cref="RateFor"/> before the epoch.
/// Nothing else is kept, so a run resumed from a <see cref="TrainingState"/> (whose
/// <see cref="TrainingState.History"/> holds every completed epoch) follows exactly the rates of
/// the uninterrupted run; changing the base rate on resume rescales the whole schedule from there.
/// <list type="bullet">
/// <item><see cref="LearningRateScheduleKind.Constant"/>: the base rate, exactly.</item>
/// <item><see cref="LearningRateScheduleKind.Plateau"/>: Keras's ReduceLROnPlateau(factor, patience,
/// min_lr, min_delta 0, cooldown 0) on the validation MAE: once <see cref="Patience"/> epochs in a row
/// brought no new best (the same strict improvement <see cref="EarlyStopping"/> counts, i.e.
/// <see cref="EpochMetrics.Improved"/>), the rate is multiplied by <see cref="Factor"/>, never
/// below <see cref="Floor"/>, and the count starts again. Early stopping keeps counting through a
/// reduction, so its patience should be larger than this one (ElemNet's 200 against the default 10)
/// for a reduction to get a chance to help before the run stops.</item>
/// <item><see cref="LearningRateScheduleKind.Cosine"/>: over the first <see cref="WarmupEpochs"/>
/// epochs the rate rises linearly, base·e/W (base/W at epoch 1, the base at epoch W); from epoch
/// W+1 (at the base rate) it follows half a cosine down to <see cref="FinalRate"/> at the epoch
/// limit.</item>
/// </list>
/// Rates are computed in double and rounded to float once.
/// </summary>
public sealed record LearningRateSchedule
{
    /// <summary>Plateau's default factor (0.3).</summary>
    public const double DefaultFactor = 0.3;

    /// <summary>Plateau's default patience in epochs (10).</summary>
    public const int DefaultPatience = 10;

    /// <summary>Plateau's default floor (1e-6).</summary>
    public const float DefaultFloor = 1e-6f;

    /// <summary>The schedule of ElemNet: the base rate throughout.</summary>
    public static LearningRateSchedule Constant { get; } = new();

    /// <summary>Which schedule.</summary>
    public LearningRateScheduleKind Kind { get; init; } = LearningRateScheduleKind.Constant;

    /// <summary>Plateau: the rate is multiplied by this on a plateau; in (0, 1).</summary>
    public double Factor { get; init; } = DefaultFactor;

    /// <summary>Plateau: epochs without a new best validation MAE before a reduction; at least 1.</summary>
    public int Patience { get; init; } = DefaultPatience;

    /// <summary>Plateau: the rate is never reduced below this; 0 or more.</summary>
    public float Floor { get; init; } = DefaultFloor;

    /// <summary>Cosine: epochs of linear warm-up; 0 or more.</summary>
    public int WarmupEpochs { get; init; }

    /// <summary>Cosine: the rate at the epoch limit; between 0 and the base rate.</summary>
    public float FinalRate { get; init; }

    /// <summary>
    /// Checks the values against <paramref name="baseRate"/>; throws <see cref="ArgumentOutOfRangeException"/>
    /// naming the bad one.
    /// </summary>
    public void Validate(float baseRate)
    {
        if (!Enum.IsDefined(Kind))
        {
            throw OutOfRange(nameof(Kind), Kind, "Unknown learning-rate schedule.");
        }
        if (!(Factor > 0 && Factor < 1))
        {
            throw OutOfRange(nameof(Factor), Factor, "The plateau factor must lie strictly between 0 and 1.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(Patience, 1, nameof(Patience));
        if (!(Floor >= 0) || !float.IsFinite(Floor))
        {
            throw OutOfRange(nameof(Floor), Floor, "The learning-rate floor must be 0 or more.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupEpochs, nameof(WarmupEpochs));
        if (!(FinalRate >= 0) || FinalRate > baseRate)
        {
            throw OutOfRange(nameof(FinalRate), FinalRate, $"The final learning rate must lie between 0 and the base rate {baseRate}.");
        }
    }

    private static ArgumentOutOfRangeException OutOfRange(string name, object value, string message) => new(name, value, message);

    /// <summary>The rate of <paramref name="epoch"/> (1-based).</summary>
    /// <param name="epoch">The epoch about to run.</param>
    /// <param name="baseRate">The base (initial, peak) rate.</param>
    /// <param name="maxEpochs">The epoch limit (cosine ends there).</param>
    /// <param name="history">Metrics of the epochs before <paramref name="epoch"/>, in order (plateau reads their <see cref="EpochMetrics.Improved"/>).</param>
    public float RateFor(int epoch, float baseRate, int maxEpochs, IReadOnlyList<EpochMetrics> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfLessThan(epoch, 1);
        return Kind switch
        {
            LearningRateScheduleKind.Constant => baseRate,
            LearningRateScheduleKind.Plateau => PlateauRate(epoch, baseRate, history),
            LearningRateScheduleKind.Cosine => CosineRate(epoch, baseRate, maxEpochs),
            _ => throw new InvalidOperationException($"Unknown learning-rate schedule {Kind}."),
        };
    }

    // Replays ReduceLROnPlateau over the epochs before this one.
    private float PlateauRate(int epoch, float baseRate, IReadOnlyList<EpochMetrics> history)
    {
        double rate = baseRate;
        var wait = 0;
        var seen = Math.Min(epoch - 1, history.Count);
        for (var i = 0; i < seen; i++)
        {
            if (history[i].Improved)
            {
                wait = 0;
                continue;
            }
            wait++;
            if (wait >= Patience)
            {
                // As Keras: only a rate above the floor is reduced, and only then does the count restart.
                if (rate > Floor)
                {
                    rate = Math.Max(rate * Factor, Floor);
                    wait = 0;
                }
            }
        }
        return (float)rate;
    }

    private float CosineRate(int epoch, float baseRate, int maxEpochs)
    {
        if (epoch <= WarmupEpochs)
        {
            return (float)((double)baseRate * epoch / WarmupEpochs);
        }
        // Epoch W+1 runs at the base rate, epoch maxEpochs at the final rate.
        var span = maxEpochs - WarmupEpochs - 1;
        var progress = span > 0 ? Math.Clamp((epoch - WarmupEpochs - 1) / (double)span, 0, 1) : 1;
        double final = FinalRate;
        return (float)(final + (baseRate - final) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}
