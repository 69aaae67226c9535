namespace CrossPropertyILGPU.Transfer.Fit;

/// <summary>How much time <c>fit</c> may spend: which candidates run and how long the networks train (<see cref="FitPlan.For"/>).</summary>
public enum FitBudget
{
    /// <summary>At most about 10 minutes on 2 CPU cores for 5,000 rows: the trees and both transfer networks, briefly trained.</summary>
    Quick,

    /// <summary>At most about an hour: every candidate, ElemNet from scratch on physical attributes included, the networks trained longer.</summary>
    Standard,

    /// <summary>Several hours: the networks trained to convergence.</summary>
    Thorough,
}

/// <summary>The command-line names of <see cref="FitBudget"/>.</summary>
public static class FitBudgets
{
    /// <summary><c>quick</c>, <c>standard</c> or <c>thorough</c>.</summary>
    public static string Name(FitBudget budget) => budget switch
    {
        FitBudget.Quick => "quick",
        FitBudget.Standard => "standard",
        FitBudget.Thorough => "thorough",
        _ => throw new ArgumentOutOfRangeException(nameof(budget), budget, "Unknown budget."),
    };

    /// <summary>Parses a budget name (any case).</summary>
    /// <exception cref="OptionException">On <c>Budget</c>: not a budget's name.</exception>
    public static FitBudget Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var budget in Enum.GetValues<FitBudget>())
        {
            if (string.Equals(Name(budget), text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return budget;
            }
        }
        throw new OptionException(nameof(FitOptions.Budget), text, "use quick, standard or thorough.");
    }
}
