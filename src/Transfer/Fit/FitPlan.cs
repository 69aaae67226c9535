using CrossPropertyILGPU.Network.Spec;

namespace CrossPropertyILGPU.Transfer.Fit;

/// <summary>
/// What a budget buys: the validation scheme, which candidates run, and how long each network may
/// train. <see cref="For"/> gives the plan of each <see cref="FitBudget"/>; a library caller (and the
/// tests, with tiny networks) may pass its own through <see cref="FitOptions.Plan"/>.
/// </summary>
public sealed record FitPlan
{
    /// <summary>
    /// Sets with at most this many usable rows are cross-validated (<see cref="Folds"/> folds); larger
    /// ones get one validation split of <see cref="HoldoutFraction"/>. Why 2,000: the standard error
    /// of a validation MAE falls as 1/√m over m rows, and a fifth of 2,000 rows (400) still leaves
    /// candidates a few per cent apart indistinguishable; below that, every row must be scored once
    /// (K-fold), and the networks train on so few rows that K runs stay affordable. Above it, one split
    /// of 400+ rows ranks candidates well enough, and K network trainings on thousands of rows would
    /// take the budget from the networks themselves (on 2 cores ElemNet trains about 2,000 rows a second).
    /// </summary>
    public int CrossValidationMaxRows { get; init; } = 2000;

    /// <summary>Folds of the cross-validation of small sets.</summary>
    public int Folds { get; init; } = 5;

    /// <summary>Share of the rows (whole composition groups) that validate a large set.</summary>
    public double HoldoutFraction { get; init; } = 0.2;

    /// <summary>
    /// Share of a fold's training rows (whole compositions) on which its network stops early. Never
    /// the fold's own out-of-fold rows: an epoch chosen on the rows that then score it makes the
    /// network's out-of-fold MAE optimistic, and the blend would over-weight it (a first standard
    /// run on expt_bandgap gave the scratch network half the weight on such a score, and the test
    /// MAE rose from 0.38 to 0.40).
    /// </summary>
    public double EarlyStoppingFraction { get; init; } = 0.1;

    /// <summary>Epoch limit of every network.</summary>
    public int NetworkMaxEpochs { get; init; } = 300;

    /// <summary>Early-stopping patience of every network, in epochs.</summary>
    public int NetworkPatience { get; init; } = 30;

    /// <summary>Training time of one transfer candidate, all its folds together.</summary>
    public TimeSpan TransferTime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Whether ElemNet is trained from scratch on physical attributes (the slowest candidate).</summary>
    public bool IncludeScratch { get; init; } = true;

    /// <summary>
    /// Whether boosted trees are fitted on the source's hidden layer (<see cref="FeatureLayer"/>):
    /// 1,024 features make them the slowest trees by far (about seven times the physical attributes' time).
    /// </summary>
    public bool IncludeExtracted { get; init; } = true;

    /// <summary>Training time of the scratch network, all its folds together.</summary>
    public TimeSpan ScratchTime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The scratch network's architecture (ElemNet's by default).</summary>
    public string ScratchArchitecture { get; init; } = ElemNetSpec.Default;

    /// <summary>
    /// The source's hidden layer whose activations feed the extracted-feature trees: the first (1,024
    /// wide), as <c>reproduce</c> found best (deeper layers are specialised to the source's property).
    /// </summary>
    public int FeatureLayer { get; init; } = 1;

    /// <summary>
    /// Sample skewness above which a non-negative target is also modelled in log space (log(1 + y))
    /// by the boosted trees on physical attributes, as an extra candidate: 1 is the usual mark of a
    /// highly skewed distribution (Bulmer). Whether it helps is left to validation: the blend weighs it.
    /// </summary>
    public double LogSkewness { get; init; } = 1.0;

    /// <summary>
    /// Share of exact zeros above which a non-negative target also gets the gated candidate
    /// (<see cref="FitCandidateKind.BoostedTreesPaGated"/>): a tenth of the rows is a mass a
    /// regressor smears over its neighbours (band gaps: about half are metals at 0).
    /// </summary>
    public double GateZeroShare { get; init; } = 0.1;

    /// <summary>The plan of <paramref name="budget"/>.</summary>
    public static FitPlan For(FitBudget budget) => budget switch
    {
        // 2 × 2 minutes of transfer, the trees on physical attributes and fractions for 5,000 rows
        // (about 3 minutes on 2 cores) and the finishing steps fit in 10 minutes; ElemNet from
        // scratch and trees on 1,024 extracted features need more than that.
        FitBudget.Quick => new FitPlan
        {
            NetworkMaxEpochs = 100,
            NetworkPatience = 15,
            TransferTime = TimeSpan.FromMinutes(2),
            IncludeScratch = false,
            IncludeExtracted = false,
            ScratchTime = TimeSpan.FromMinutes(2),
        },
        FitBudget.Standard => new FitPlan(),
        FitBudget.Thorough => new FitPlan
        {
            NetworkMaxEpochs = 2000,
            NetworkPatience = 100,
            TransferTime = TimeSpan.FromMinutes(40),
            ScratchTime = TimeSpan.FromMinutes(40),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(budget), budget, "Unknown budget."),
    };
}
