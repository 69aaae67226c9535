using System.CommandLine;
using CrossPropertyILGPU.Network.Training;

namespace CrossPropertyILGPU.Cli.Verbs;

/// <summary>
/// <c>--weight-decay</c>, <c>--l2-sp</c>, <c>--trunk-lr-scale</c> and <c>--head-epochs</c>, shared by
/// <c>train</c>, <c>pretrain</c>, <c>finetune</c> and <c>reproduce</c>; <see cref="Read"/> gives the
/// <see cref="Regularization"/> they ask for (checked by the run, which names the flag of a bad value).
/// </summary>
internal sealed class RegularizationOptions
{
    public Option<float> WeightDecay { get; } = new("--weight-decay")
    {
        Description = "Decoupled weight decay λ (AdamW): each step every trained weight shrinks by rate·λ·w. 0 = off.",
        DefaultValueFactory = _ => 0f,
    };

    public Option<float> SourceDecay { get; } = new("--l2-sp")
    {
        Description = "L2-SP λ (fine-tuning): each step the trunk (all layers but the output layer) moves rate·λ of the way back toward the source model's weights. 0 = off.",
        DefaultValueFactory = _ => 0f,
    };

    public Option<float> TrunkRateScale { get; } = new("--trunk-lr-scale")
    {
        Description = "The trunk's learning rate as a multiple of the output layer's (e.g. 0.1: the trunk learns ten times slower). 1 = one rate.",
        DefaultValueFactory = _ => 1f,
    };

    public Option<int> HeadOnlyEpochs { get; } = new("--head-epochs")
    {
        Description = "LP-FT (fine-tuning): the first N epochs train the output layer only, then every layer. 0 = off.",
        DefaultValueFactory = _ => 0,
    };

    /// <summary>Every option, to add to a command.</summary>
    public IEnumerable<Option> All => [WeightDecay, SourceDecay, TrunkRateScale, HeadOnlyEpochs];

    /// <summary>The regularisation the command line asks for.</summary>
    public Regularization Read(ParseResult parse) => new()
    {
        WeightDecay = parse.GetValue(WeightDecay),
        SourceDecay = parse.GetValue(SourceDecay),
        TrunkRateScale = parse.GetValue(TrunkRateScale),
        HeadOnlyEpochs = parse.GetValue(HeadOnlyEpochs),
    };
}
