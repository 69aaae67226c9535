using CrossPropertyILGPU.Transfer.Baselines;

namespace CrossPropertyILGPU.Transfer.Fit;

/// <summary>The kinds of model <c>fit</c> tries.</summary>
public enum FitCandidateKind
{
    /// <summary>Boosted trees on the 145 physical attributes (<c>gbm-pa</c>): the grid's most frequent winner.</summary>
    BoostedTreesPa,

    /// <summary>FineTune of a source model (<c>finetune</c>): every weight starts from the source's.</summary>
    FineTune,

    /// <summary>ModFineTune (<c>modfinetune</c>): the source's trunk with a fresh output layer.</summary>
    ModFineTune,

    /// <summary>Boosted trees on physical attributes fitted to log(1 + y) (<c>gbm-pa-log</c>), only for a skewed non-negative target.</summary>
    BoostedTreesPaLog,

    /// <summary>
    /// A boosted-tree gate (is the target above 0?) and boosted trees fitted to the positive rows, on
    /// physical attributes (<c>gbm-pa-gated</c>): 0 where the gate says so. Only for a non-negative
    /// target with many exact zeros (metals among band gaps).
    /// </summary>
    BoostedTreesPaGated,

    /// <summary>A random forest on physical attributes (<c>rf-pa</c>).</summary>
    ForestPa,

    /// <summary>Boosted trees on a hidden layer of the source model (<c>gbm-extracted</c>, the paper's TL:ML(FeatExtr)).</summary>
    BoostedTreesExtracted,

    /// <summary>ElemNet from scratch on standardised physical attributes (<c>scratch-pa</c>).</summary>
    ScratchPa,

    /// <summary>Boosted trees on the 86 elemental fractions (<c>gbm-ef</c>).</summary>
    BoostedTreesEf,
}

/// <summary>
/// One candidate of a fit: a kind, and for the transfer kinds the source it starts from. Its
/// <see cref="Name"/> names its folder and its column in the fit's files.
/// </summary>
/// <param name="Kind">What it is.</param>
/// <param name="Source">The source model (transfer and extracted-feature kinds), else null.</param>
/// <param name="SourceLabel">The source's short name, appended to <see cref="Name"/> when a fit has several sources; else null.</param>
public sealed record FitCandidate(FitCandidateKind Kind, string? Source, string? SourceLabel)
{
    /// <summary>The kind's name, and <c>@source</c> when several sources are tried.</summary>
    public string Name => SourceLabel is null ? FitCandidates.KindName(Kind) : $"{FitCandidates.KindName(Kind)}@{SourceLabel}";

    /// <summary>True for the networks (trained by <c>TrainingRun</c>, saved as run folders); false for the trees.</summary>
    public bool IsNetwork => Kind is FitCandidateKind.FineTune or FitCandidateKind.ModFineTune or FitCandidateKind.ScratchPa;

    /// <summary>True when the target is modelled as log(1 + y) and predictions mapped back with exp(p) − 1.</summary>
    public bool LogTarget => Kind == FitCandidateKind.BoostedTreesPaLog;

    /// <summary>True when a gate decides which rows are 0 and the trees predict the others.</summary>
    public bool Gated => Kind == FitCandidateKind.BoostedTreesPaGated;

    /// <summary>The tree model of a tree kind.</summary>
    public BaselineModel TreeModel => Kind == FitCandidateKind.ForestPa ? BaselineModel.RandomForest : BaselineModel.GradientBoosting;

    /// <summary>The input features: <c>ef</c>, <c>pa</c> or <c>extracted</c>.</summary>
    public string Features => Kind switch
    {
        FitCandidateKind.FineTune or FitCandidateKind.ModFineTune or FitCandidateKind.BoostedTreesEf => "ef",
        FitCandidateKind.BoostedTreesExtracted => "extracted",
        _ => "pa",
    };

    /// <summary>One line for the report.</summary>
    public string Describe(FitPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var source = Source is null ? "" : $" from {Source}";
        return Kind switch
        {
            FitCandidateKind.BoostedTreesPa => $"boosted trees (ML.NET FastTree, {BaselineModels.BoostingTrees} trees) on 145 physical attributes",
            FitCandidateKind.FineTune => $"FineTune{source}: every weight from the source, trained on this target",
            FitCandidateKind.ModFineTune => $"ModFineTune{source}: the source's trunk, a fresh output layer",
            FitCandidateKind.BoostedTreesPaLog => "boosted trees on physical attributes, fitted to log(1 + y)",
            FitCandidateKind.BoostedTreesPaGated => "boosted trees on physical attributes behind a boosted-tree gate (0 where P(y > 0) < 0.5)",
            FitCandidateKind.ForestPa => $"random forest (ML.NET FastForest, {BaselineModels.ForestTrees} trees) on physical attributes",
            FitCandidateKind.BoostedTreesExtracted => $"boosted trees on hidden layer {plan.FeatureLayer} of the source{source}",
            FitCandidateKind.ScratchPa => $"ElemNet {plan.ScratchArchitecture} from scratch on standardised physical attributes",
            FitCandidateKind.BoostedTreesEf => "boosted trees on the 86 elemental fractions",
            _ => Kind.ToString(),
        };
    }
}

/// <summary>The candidates a fit runs, in order of expected value (<see cref="FitCandidateKind"/>'s order).</summary>
public static class FitCandidates
{
    /// <summary>The command-line name of a kind.</summary>
    public static string KindName(FitCandidateKind kind) => kind switch
    {
        FitCandidateKind.BoostedTreesPa => "gbm-pa",
        FitCandidateKind.FineTune => "finetune",
        FitCandidateKind.ModFineTune => "modfinetune",
        FitCandidateKind.BoostedTreesPaLog => "gbm-pa-log",
        FitCandidateKind.BoostedTreesPaGated => "gbm-pa-gated",
        FitCandidateKind.ForestPa => "rf-pa",
        FitCandidateKind.BoostedTreesExtracted => "gbm-extracted",
        FitCandidateKind.ScratchPa => "scratch-pa",
        FitCandidateKind.BoostedTreesEf => "gbm-ef",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown candidate kind."),
    };

    /// <summary>Every kind's name, in order of expected value.</summary>
    public static IReadOnlyList<string> KindNames { get; } = [.. Enum.GetValues<FitCandidateKind>().Select(KindName)];

    /// <summary>Parses a kind's name.</summary>
    /// <exception cref="OptionException">On <c>Candidates</c>: not a kind's name.</exception>
    public static FitCandidateKind ParseKind(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var kind in Enum.GetValues<FitCandidateKind>())
        {
            if (string.Equals(KindName(kind), text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return kind;
            }
        }
        throw new OptionException(nameof(FitOptions.Candidates), text, $"unknown candidate; use {string.Join(", ", KindNames)}.");
    }

    /// <summary>
    /// The candidates in run order: by kind in order of expected value — boosted trees on physical
    /// attributes win most of the grid's mid-sized sets in seconds, transfer wins the others (and the
    /// experimental sets), then the cheaper or rarely best ones — and per kind by source. A time limit
    /// cuts from the end of this list.
    /// </summary>
    /// <param name="plan">Whether the scratch network and the extracted-feature trees run (a kind named in <paramref name="only"/> always does).</param>
    /// <param name="sources">Source models (none: no transfer or extracted-feature candidates).</param>
    /// <param name="skewed">Whether the target is non-negative and skewed enough for the log-space candidate.</param>
    /// <param name="zeroInflated">Whether the target is non-negative with enough exact zeros for the gated candidate.</param>
    /// <param name="only">Kinds to keep (null: all).</param>
    public static IReadOnlyList<FitCandidate> Plan(FitPlan plan, IReadOnlyList<string> sources, bool skewed, bool zeroInflated, IReadOnlySet<FitCandidateKind>? only)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(sources);
        var labels = SourceLabels(sources);
        var candidates = new List<FitCandidate>();
        foreach (var kind in Enum.GetValues<FitCandidateKind>())
        {
            if (only is not null && !only.Contains(kind))
            {
                continue;
            }
            switch (kind)
            {
                case FitCandidateKind.BoostedTreesExtracted when !plan.IncludeExtracted && only is null:
                    break;
                case FitCandidateKind.FineTune or FitCandidateKind.ModFineTune or FitCandidateKind.BoostedTreesExtracted:
                    candidates.AddRange(sources.Select((s, i) => new FitCandidate(kind, s, sources.Count > 1 ? labels[i] : null)));
                    break;
                case FitCandidateKind.BoostedTreesPaLog when !skewed:
                case FitCandidateKind.BoostedTreesPaGated when !zeroInflated:
                case FitCandidateKind.ScratchPa when !plan.IncludeScratch && only is null:
                    break;
                default:
                    candidates.Add(new FitCandidate(kind, null, null));
                    break;
            }
        }
        return candidates;
    }

    // A source's folder name (models/elemnet-oqmd → elemnet-oqmd), numbered when two share one.
    private static string[] SourceLabels(IReadOnlyList<string> sources)
    {
        var labels = sources.Select(s =>
        {
            var path = s.TrimEnd('/', '\\');
            var name = Path.GetFileName(path);
            return name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
                ? Path.GetFileName(Path.GetDirectoryName(path)) ?? name
                : name;
        }).ToArray();
        for (var i = 0; i < labels.Length; i++)
        {
            if (Array.IndexOf(labels, labels[i]) != i)
            {
                labels[i] = $"{labels[i]}-{i + 1}";
            }
        }
        return labels;
    }
}
