using System.CommandLine;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer;

namespace CrossPropertyILGPU.Cli.Verbs;

/// <summary>
/// <c>--lr-schedule</c> and its parameters, shared by <c>train</c>, <c>pretrain</c>, <c>finetune</c>
/// and <c>reproduce</c>; <see cref="Read"/> gives the schedule they ask for (checked by the run).
/// </summary>
internal sealed class ScheduleOptions
{
    public Option<string> Kind { get; } = new("--lr-schedule")
    {
        Description = $"Learning-rate schedule: {Vocabulary.LearningRateSchedule.Listing}. plateau multiplies the rate by --lr-factor after --lr-patience epochs without a better validation MAE (never below --lr-floor); cosine warms up linearly over --warmup-epochs, then decays to --final-lr at --max-epochs.",
        DefaultValueFactory = _ => LearningRateScheduleKind.Constant.ToName(),
    };

    public Option<double> Factor { get; } = new("--lr-factor")
    {
        Description = "plateau: factor applied to the rate on a plateau, in (0, 1).",
        DefaultValueFactory = _ => LearningRateSchedule.DefaultFactor,
    };

    public Option<int> Patience { get; } = new("--lr-patience")
    {
        Description = "plateau: epochs without a better validation MAE before the rate is reduced (keep it below --patience).",
        DefaultValueFactory = _ => LearningRateSchedule.DefaultPatience,
    };

    public Option<float> Floor { get; } = new("--lr-floor")
    {
        Description = "plateau: the rate is never reduced below this.",
        DefaultValueFactory = _ => LearningRateSchedule.DefaultFloor,
    };

    public Option<int> Warmup { get; } = new("--warmup-epochs")
    {
        Description = "cosine: epochs of linear warm-up from lr/N to lr.",
        DefaultValueFactory = _ => 0,
    };

    public Option<float> FinalRate { get; } = new("--final-lr")
    {
        Description = "cosine: the rate at --max-epochs (at most --lr).",
        DefaultValueFactory = _ => 0f,
    };

    /// <summary>Every option, to add to a command.</summary>
    public IEnumerable<Option> All => [Kind, Factor, Patience, Floor, Warmup, FinalRate];

    /// <summary>The schedule the command line asks for.</summary>
    /// <exception cref="OptionException">An unknown schedule name.</exception>
    public LearningRateSchedule Read(ParseResult parse) => new()
    {
        Kind = Vocabulary.LearningRateSchedule.Parse(parse.GetValue(Kind)!),
        Factor = parse.GetValue(Factor),
        Patience = parse.GetValue(Patience),
        Floor = parse.GetValue(Floor),
        WarmupEpochs = parse.GetValue(Warmup),
        FinalRate = parse.GetValue(FinalRate),
    };
}
