namespace CrossPropertyILGPU.Transfer.Reproduce;

/// <summary>
/// The paper's nine methods (docs/PAPER.md §2, notation of its Table 1), then the two ensembles
/// beside them, in the order the grid runs them: an ensemble comes after its members. Last, the two
/// zoo methods, which run only beside the paper's when <c>--sources</c> names source models to choose from.
/// </summary>
public enum ReproduceMethod
{
    /// <summary>Base: the training targets' mean.</summary>
    Base,

    /// <summary>SC:ML(EF): a random forest or boosted trees on elemental fractions, the better on validation.</summary>
    ScratchMlElementalFractions,

    /// <summary>SC:ML(PA): the same on the 145 physical attributes.</summary>
    ScratchMlPhysicalAttributes,

    /// <summary>SC:DL(EF): ElemNet trained from scratch on elemental fractions.</summary>
    ScratchDlElementalFractions,

    /// <summary>SC:DL(PA): ElemNet trained from scratch on physical attributes.</summary>
    ScratchDlPhysicalAttributes,

    /// <summary>TL:FineTune: the source model, every weight loaded, trained on the target.</summary>
    FineTune,

    /// <summary>TL:ModFineTune: as FineTune with a freshly initialised output layer.</summary>
    ModFineTune,

    /// <summary>TL:ML(FeatExtr): a random forest or boosted trees on the source model's hidden activations.</summary>
    MlFeatureExtraction,

    /// <summary>TL:DL(FeatExtr): an ElemNet-shaped net trained from scratch on the source model's hidden activations.</summary>
    DlFeatureExtraction,

    /// <summary>SC:Ensemble (not in the paper): the mean of the predictions of the best SC:ML and the best SC:DL, each chosen on validation (<see cref="MethodEnsemble"/>).</summary>
    ScratchEnsemble,

    /// <summary>TL:Ensemble (not in the paper): the mean of the predictions of TL:FineTune and TL:ModFineTune (<see cref="MethodEnsemble"/>).</summary>
    FineTuneEnsemble,

    /// <summary>TL:FineTune(zoo) (not in the paper): TL:FineTune from the source that a screening of <c>--sources</c> chose for the set on validation (<see cref="Training.SourceScreening"/>).</summary>
    FineTuneZoo,

    /// <summary>TL:ModFineTune(zoo) (not in the paper): TL:ModFineTune from the source a screening chose, as <see cref="FineTuneZoo"/>.</summary>
    ModFineTuneZoo,
}

/// <summary>Which column of the paper's tables a method competes in.</summary>
public enum MethodGroup
{
    /// <summary>The mean predictor.</summary>
    Base,

    /// <summary>Scratch models (SC), which may use physical attributes.</summary>
    Scratch,

    /// <summary>Transfer from the source model (TL), elemental fractions only.</summary>
    Transfer,
}

/// <summary>Names, groups and inputs of the <see cref="ReproduceMethod"/>s, and parsing of <c>--methods</c>.</summary>
public static class ReproduceMethods
{
    /// <summary>Every method in grid order: the paper's nine, then the ensembles (what <c>--methods all</c> runs); the zoo methods apart.</summary>
    public static IReadOnlyList<ReproduceMethod> All { get; } = [.. Enum.GetValues<ReproduceMethod>().Where(m => !m.IsZoo())];

    /// <summary>
    /// The zoo methods, TL:FineTune and TL:ModFineTune from a source chosen per set among
    /// <c>--sources</c>: they run beside their paper methods when sources are given, write their own
    /// result files (<c>tl-finetune-zoo.json</c>), and are left out of the report's tables and ensembles.
    /// </summary>
    public static IReadOnlyList<ReproduceMethod> Zoo { get; } = [ReproduceMethod.FineTuneZoo, ReproduceMethod.ModFineTuneZoo];

    /// <summary>The paper's nine methods in grid order (<c>--methods paper</c>): what the report's first win count and its tables are made of.</summary>
    public static IReadOnlyList<ReproduceMethod> Paper { get; } = [.. All.Where(m => !m.IsEnsemble())];

    /// <summary>The ensembles, which train nothing: they average the recorded predictions of paper methods.</summary>
    public static IReadOnlyList<ReproduceMethod> Ensembles { get; } = [.. All.Where(m => m.IsEnsemble())];

    /// <summary>The command-line name, also the result file's name: <c>base</c>, <c>sc-ml-ef</c>, …, <c>tl-dl-featextr</c>.</summary>
    public static string Name(this ReproduceMethod method) => method switch
    {
        ReproduceMethod.Base => "base",
        ReproduceMethod.ScratchMlElementalFractions => "sc-ml-ef",
        ReproduceMethod.ScratchMlPhysicalAttributes => "sc-ml-pa",
        ReproduceMethod.ScratchDlElementalFractions => "sc-dl-ef",
        ReproduceMethod.ScratchDlPhysicalAttributes => "sc-dl-pa",
        ReproduceMethod.FineTune => "tl-finetune",
        ReproduceMethod.ModFineTune => "tl-modfinetune",
        ReproduceMethod.MlFeatureExtraction => "tl-ml-featextr",
        ReproduceMethod.DlFeatureExtraction => "tl-dl-featextr",
        ReproduceMethod.ScratchEnsemble => "sc-ensemble",
        ReproduceMethod.FineTuneEnsemble => "tl-ensemble",
        ReproduceMethod.FineTuneZoo => "tl-finetune-zoo",
        ReproduceMethod.ModFineTuneZoo => "tl-modfinetune-zoo",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown method."),
    };

    /// <summary>The paper's notation: <c>Base</c>, <c>SC:ML(EF)</c>, …, <c>TL:DL(FeatExtr)</c>.</summary>
    public static string PaperName(this ReproduceMethod method) => method switch
    {
        ReproduceMethod.Base => "Base",
        ReproduceMethod.ScratchMlElementalFractions => "SC:ML(EF)",
        ReproduceMethod.ScratchMlPhysicalAttributes => "SC:ML(PA)",
        ReproduceMethod.ScratchDlElementalFractions => "SC:DL(EF)",
        ReproduceMethod.ScratchDlPhysicalAttributes => "SC:DL(PA)",
        ReproduceMethod.FineTune => "TL:FineTune",
        ReproduceMethod.ModFineTune => "TL:ModFineTune",
        ReproduceMethod.MlFeatureExtraction => "TL:ML(FeatExtr)",
        ReproduceMethod.DlFeatureExtraction => "TL:DL(FeatExtr)",
        ReproduceMethod.ScratchEnsemble => "SC:Ensemble",
        ReproduceMethod.FineTuneEnsemble => "TL:Ensemble",
        ReproduceMethod.FineTuneZoo => "TL:FineTune(zoo)",
        ReproduceMethod.ModFineTuneZoo => "TL:ModFineTune(zoo)",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown method."),
    };

    /// <summary>The paper's column the method competes in.</summary>
    public static MethodGroup Group(this ReproduceMethod method) => method switch
    {
        ReproduceMethod.Base => MethodGroup.Base,
        ReproduceMethod.ScratchMlElementalFractions or ReproduceMethod.ScratchMlPhysicalAttributes
            or ReproduceMethod.ScratchDlElementalFractions or ReproduceMethod.ScratchDlPhysicalAttributes or ReproduceMethod.ScratchEnsemble => MethodGroup.Scratch,
        _ => MethodGroup.Transfer,
    };

    /// <summary>The group as result files and the report write it: <c>base</c>, <c>sc</c>, <c>tl</c>.</summary>
    public static string Name(this MethodGroup group) => group switch
    {
        MethodGroup.Base => "base",
        MethodGroup.Scratch => "sc",
        MethodGroup.Transfer => "tl",
        _ => throw new ArgumentOutOfRangeException(nameof(group), group, "Unknown group."),
    };

    /// <summary>The <c>--features</c> value of a scratch method's inputs (<c>ef</c> or <c>pa</c>); null for Base and transfer methods.</summary>
    public static string? ScratchFeatures(this ReproduceMethod method) => method switch
    {
        ReproduceMethod.ScratchMlElementalFractions or ReproduceMethod.ScratchDlElementalFractions => "ef",
        ReproduceMethod.ScratchMlPhysicalAttributes or ReproduceMethod.ScratchDlPhysicalAttributes => "pa",
        _ => null,
    };

    /// <summary>True for the ensembles, which average other methods' predictions and train nothing.</summary>
    public static bool IsEnsemble(this ReproduceMethod method) => method is ReproduceMethod.ScratchEnsemble or ReproduceMethod.FineTuneEnsemble;

    /// <summary>True for the methods that load the source model of <c>--source</c> (the transfer methods; tl-ensemble reads its members' results instead, the zoo methods <c>--sources</c>).</summary>
    public static bool UsesSource(this ReproduceMethod method) => method.Group() == MethodGroup.Transfer && !method.IsEnsemble() && !method.IsZoo();

    /// <summary>True for the zoo methods, which choose their source per set among <c>--sources</c>.</summary>
    public static bool IsZoo(this ReproduceMethod method) => method is ReproduceMethod.FineTuneZoo or ReproduceMethod.ModFineTuneZoo;

    /// <summary>The zoo method of a fine-tuned method (tl-finetune → tl-finetune-zoo); null for the others.</summary>
    public static ReproduceMethod? ZooVariant(this ReproduceMethod method) => method switch
    {
        ReproduceMethod.FineTune => ReproduceMethod.FineTuneZoo,
        ReproduceMethod.ModFineTune => ReproduceMethod.ModFineTuneZoo,
        _ => null,
    };

    /// <summary>True for the methods that fine-tune every weight of a source model (TL:FineTune, TL:ModFineTune and their zoo methods), which take the fine-tuning recipe.</summary>
    public static bool IsFineTuned(this ReproduceMethod method) => method is ReproduceMethod.FineTune or ReproduceMethod.ModFineTune
        or ReproduceMethod.FineTuneZoo or ReproduceMethod.ModFineTuneZoo;

    /// <summary>True for the methods that give the source a new output layer (TL:ModFineTune and its zoo method).</summary>
    public static bool ReinitializesLast(this ReproduceMethod method) => method is ReproduceMethod.ModFineTune or ReproduceMethod.ModFineTuneZoo;

    /// <summary>True for the methods that train a network (and so take the epoch budgets).</summary>
    public static bool TrainsNetwork(this ReproduceMethod method) => method is ReproduceMethod.ScratchDlElementalFractions
        or ReproduceMethod.ScratchDlPhysicalAttributes or ReproduceMethod.DlFeatureExtraction || method.IsFineTuned();

    /// <summary>
    /// Parses a <c>--methods</c> value: <c>all</c> (the paper's nine and the ensembles),
    /// <c>paper</c> (the nine), or a comma-separated list of these and of names in either
    /// spelling (<c>tl-finetune</c> or <c>TL:FineTune</c>, any case; the zoo methods by name, which
    /// need <c>--sources</c>). The result is in grid order, without repeats.
    /// </summary>
    /// <exception cref="UsageException">An unknown name, or an empty list.</exception>
    public static IReadOnlyList<ReproduceMethod> ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0)
        {
            throw new OptionException(nameof(ReproduceOptions.Methods), $"'{text}'", $"give 'all', 'paper' or a comma-separated list of {string.Join(", ", All.Select(m => m.Name()))}.");
        }
        var chosen = new HashSet<ReproduceMethod>();
        foreach (var name in names)
        {
            if (name.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                chosen.UnionWith(All);
                continue;
            }
            if (name.Equals("paper", StringComparison.OrdinalIgnoreCase))
            {
                chosen.UnionWith(Paper);
                continue;
            }
            var key = Normalize(name);
            var method = All.Concat(Zoo).Where(m => Normalize(m.Name()) == key || Normalize(m.PaperName()) == key).Cast<ReproduceMethod?>().FirstOrDefault()
                ?? throw new OptionException(nameof(ReproduceOptions.Methods), null, $"unknown method '{name}'. Valid methods: all, paper, {string.Join(", ", All.Select(m => m.Name()))} (or the paper's spelling, e.g. TL:FineTune).");
            chosen.Add(method);
        }
        return [.. All.Concat(Zoo).Where(chosen.Contains)];
    }

    // "TL:FineTune", "tl-finetune" and "tl_finetune" all become "tlfinetune".
    private static string Normalize(string name) =>
        new([.. name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);
}
