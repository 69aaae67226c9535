using System.Globalization;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Reproduce;

/// <summary>
/// How the grid fine-tunes its two fine-tuned networks (TL:FineTune, TL:ModFineTune) beyond the
/// budget and the learning-rate schedule, which every network shares: regularisation and dropout.
/// The networks trained from scratch and TL:DL(FeatExtr) never take it. The default is the paper's
/// plain fine-tuning.
/// </summary>
public sealed record FineTuneRecipe
{
    /// <summary>The paper's fine-tuning: no regularisation, the source model's dropout (none for the shipped sources).</summary>
    public static FineTuneRecipe Paper { get; } = new();

    /// <summary>Decays, the trunk's rate, LP-FT.</summary>
    public Regularization Regularization { get; init; } = Regularization.None;

    /// <summary>Dropout keep probabilities during fine-tuning; null keeps the source model's.</summary>
    public IReadOnlyList<float>? KeepProbabilities { get; init; }

    /// <summary>Samples per step (ElemNet: 32); a larger batch trades Adam steps for throughput.</summary>
    public int BatchSize { get; init; } = PaperBatchSize;

    /// <summary>The base rate of the schedule (ElemNet: 1e-4); scale it with the batch.</summary>
    public float LearningRate { get; init; } = TrainRunOptions.DefaultLearningRate;

    /// <summary>ElemNet's batch size.</summary>
    public const int PaperBatchSize = 32;

    /// <summary>True for the paper's fine-tuning.</summary>
    public bool IsPaper => Regularization.IsNone && KeepProbabilities is null && BatchSize == PaperBatchSize && LearningRate == TrainRunOptions.DefaultLearningRate;

    /// <summary>Same regularisation, batch and rate, and the same keep probabilities, element by element.</summary>
    public bool Equals(FineTuneRecipe? other) =>
        other is not null && Regularization == other.Regularization && BatchSize == other.BatchSize && LearningRate == other.LearningRate
        && (KeepProbabilities is null ? other.KeepProbabilities is null : other.KeepProbabilities is not null && KeepProbabilities.SequenceEqual(other.KeepProbabilities));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Regularization, KeepProbabilities?.Count, BatchSize, LearningRate);

    /// <summary>The record a result keeps of this recipe; null for the paper's.</summary>
    public ResultRecipe? ToResult() => IsPaper ? null : new ResultRecipe(
        Regularization.WeightDecay == 0f ? null : Regularization.WeightDecay,
        Regularization.SourceDecay == 0f ? null : Regularization.SourceDecay,
        Regularization.TrunkRateScale == 1f ? null : Regularization.TrunkRateScale,
        Regularization.HeadOnlyEpochs == 0 ? null : Regularization.HeadOnlyEpochs,
        KeepProbabilities is null ? null : string.Join(",", KeepProbabilities.Select(k => k.ToString(CultureInfo.InvariantCulture))),
        BatchSize == PaperBatchSize ? null : BatchSize,
        LearningRate == TrainRunOptions.DefaultLearningRate ? null : LearningRate);
}
