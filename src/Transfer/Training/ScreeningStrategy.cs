using System.Globalization;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>How several source models are screened before the winner is fine-tuned at the full budget (<see cref="SourceScreening"/>).</summary>
public enum ScreeningStrategy
{
    /// <summary>
    /// Rounds that halve the field: every source first trains a fraction of the screening epochs,
    /// the better half (on validation MAE) trains on, doubling its epochs each round, until the last
    /// two have trained the whole budget. The default: never dearer than <see cref="Fixed"/>, and
    /// the same as it for two sources.
    /// </summary>
    SuccessiveHalving,

    /// <summary>Every source trains the whole screening budget; the lowest validation MAE wins.</summary>
    Fixed,
}

/// <summary>
/// The budget of a source screening: the strategy and the screening epochs (the most any source
/// trains while screened). Errors about it name <see cref="StrategyOption"/> and <see cref="EpochsOption"/>.
/// </summary>
/// <param name="Strategy">Successive halving or a fixed budget.</param>
/// <param name="Epochs">Screening epochs: every source's under <see cref="ScreeningStrategy.Fixed"/>, the last round's under successive halving.</param>
public sealed record ScreeningBudget(ScreeningStrategy Strategy = ScreeningStrategy.SuccessiveHalving, int Epochs = ScreeningBudget.DefaultEpochs)
{
    /// <summary>
    /// Default screening epochs: 10, a few seconds a source on a small set and a minute and a half
    /// on etc66's 7,889 rows on two cores. On exfoliation_energy the source that led after 10
    /// epochs also won after fine-tuning to the end, though the rest of the order changed (README,
    /// "Choosing the source model"): a short screen is a cheap proxy, and a larger budget buys a
    /// closer one.
    /// </summary>
    public const int DefaultEpochs = 10;

    /// <summary>The option name of <see cref="Strategy"/> in errors (<c>--screen</c>).</summary>
    public const string StrategyOption = "Screening";

    /// <summary>The option name of <see cref="Epochs"/> in errors (<c>--screen-epochs</c>).</summary>
    public const string EpochsOption = "ScreenEpochs";

    /// <summary>The default: successive halving over <see cref="DefaultEpochs"/>.</summary>
    public static ScreeningBudget Default { get; } = new();

    /// <summary>Checks the budget.</summary>
    /// <exception cref="OptionException">Epochs below 1, or an unknown strategy.</exception>
    public void Check()
    {
        if (!Enum.IsDefined(Strategy))
        {
            throw new OptionException(StrategyOption, Strategy.ToString(), $"use {Vocabulary.Screening.Listing}.");
        }
        if (Epochs < 1)
        {
            throw new OptionException(EpochsOption, Epochs.ToString(CultureInfo.InvariantCulture), "must be at least 1.");
        }
    }

    /// <summary>
    /// The epochs each round trains its survivors to (cumulative, the last equal to
    /// <see cref="Epochs"/>) for <paramref name="sources"/> sources: one round for a fixed budget;
    /// for successive halving ⌈log₂ n⌉ rounds, each doubling the last, so the final two are
    /// compared after the whole budget.
    /// </summary>
    public IReadOnlyList<int> RoundEpochs(int sources)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sources, 1);
        if (Strategy == ScreeningStrategy.Fixed || sources <= 2)
        {
            return [Epochs];
        }
        var rounds = (int)Math.Ceiling(Math.Log2(sources));
        return [.. Enumerable.Range(0, rounds).Select(k => Math.Max(1, (int)Math.Ceiling(Epochs / Math.Pow(2, rounds - 1 - k))))];
    }

    /// <summary>"<c>successive-halving, 10 epochs</c>".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Strategy.ToName()}, {Epochs} epochs");
}
