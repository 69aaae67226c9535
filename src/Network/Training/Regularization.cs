namespace CrossPropertyILGPU.Network.Training;

/// <summary>
/// What keeps a fine-tuned network from over-fitting a small target set, beside dropout (which the
/// architecture carries): decoupled decays, a slower trunk and a head-only warm-up. The "head" is
/// the output layer (the last dense layer); the "trunk" is every trainable dense layer before it.
/// All off by default, so a run without them is the plain Adam run bit for bit.
/// <para>
/// Per step, with α the schedule's rate of the epoch:
/// <code>
/// head  rate α;  trunk rate α·TrunkRateScale (0 during the first HeadOnlyEpochs epochs: LP-FT)
/// Adam over each range with its rate, then
/// p ← p − rate·WeightDecay·p                          (AdamW, every trainable parameter)
/// p ← p − rate·SourceDecay·(p − p₀)   (L2-SP, trunk only; p₀ = the weights training started from)
/// </code>
/// The decays are decoupled from the gradient (as AdamW), so their pull does not shrink or grow
/// with the loss's scale; L2-SP leaves the new head alone, which has no source weights to keep.
/// </para>
/// </summary>
public sealed record Regularization
{
    /// <summary>No regularisation: the plain Adam run.</summary>
    public static Regularization None { get; } = new();

    /// <summary>Decoupled weight decay λ toward zero over every trainable parameter (AdamW). 0 = off.</summary>
    public float WeightDecay { get; init; }

    /// <summary>Decoupled decay λ of the trunk toward the weights training started from (L2-SP). 0 = off.</summary>
    public float SourceDecay { get; init; }

    /// <summary>The trunk's rate as a multiple of the head's (discriminative fine-tuning); 1 = one rate for all.</summary>
    public float TrunkRateScale { get; init; } = 1f;

    /// <summary>Epochs at the start that train the head only (the trunk's rate is 0; LP-FT's linear probe). 0 = off.</summary>
    public int HeadOnlyEpochs { get; init; }

    /// <summary>True when nothing here changes the plain Adam run.</summary>
    public bool IsNone => WeightDecay == 0f && SourceDecay == 0f && TrunkRateScale == 1f && HeadOnlyEpochs == 0;

    /// <summary>True when the trunk and the head take different rates in some epoch.</summary>
    public bool SplitsRates => TrunkRateScale != 1f || HeadOnlyEpochs > 0;

    /// <summary>The trunk's rate in <paramref name="epoch"/> (1-based) when the head's is <paramref name="headRate"/>.</summary>
    public float TrunkRate(int epoch, float headRate) => epoch <= HeadOnlyEpochs ? 0f : headRate * TrunkRateScale;

    /// <summary>Checks the values; throws <see cref="ArgumentOutOfRangeException"/> naming the bad one.</summary>
    public void Validate()
    {
        CheckDecay(WeightDecay, nameof(WeightDecay));
        CheckDecay(SourceDecay, nameof(SourceDecay));
        if (!(float.IsFinite(TrunkRateScale) && TrunkRateScale >= 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(TrunkRateScale), TrunkRateScale, "The trunk's rate scale must be a finite number ≥ 0.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(HeadOnlyEpochs, nameof(HeadOnlyEpochs));
    }

    private static void CheckDecay(float value, string name)
    {
        if (!(float.IsFinite(value) && value >= 0f))
        {
            throw new ArgumentOutOfRangeException(name, value, "A decay must be a finite number ≥ 0.");
        }
    }
}
