using System.Globalization;
using System.Text;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Reproduce;

/// <summary>One data set's results as the report sees them.</summary>
/// <param name="Dataset">Data set name.</param>
/// <param name="Results">Its usable results of the paper's nine methods, in grid order.</param>
/// <param name="Failed">Its failed results of the paper's nine methods.</param>
public sealed record SetSummary(string Dataset, IReadOnlyList<MethodResult> Results, IReadOnlyList<MethodResult> Failed)
{
    /// <summary>Rows of the set (train + validation + test) as the Base result, or any result, counted them.</summary>
    public int? Rows => (Base ?? (Results.Count > 0 ? Results[0] : null)) is { } r ? r.TrainRows + r.ValidationRows + r.TestRows + r.DroppedRows : null;

    /// <summary>The mean predictor's result.</summary>
    public MethodResult? Base => Results.FirstOrDefault(r => r.Group == MethodGroup.Base.Name());

    /// <summary>The scratch method with the lowest validation MAE (the paper's "best SC"), or null.</summary>
    public MethodResult? BestScratch => BestOnValidation(MethodGroup.Scratch);

    /// <summary>The transfer method with the lowest validation MAE (the paper's "best TL"), or null.</summary>
    public MethodResult? BestTransfer => BestOnValidation(MethodGroup.Transfer);

    /// <summary>The scratch and transfer methods with a usable result (of <see cref="SelectableMethods"/>).</summary>
    public int SelectableResults => Results.Count(r => r.Group != MethodGroup.Base.Name());

    /// <summary>How many scratch and transfer methods the paper has: the candidates of best SC and best TL.</summary>
    public static int SelectableMethods => ReproduceMethods.Paper.Count(m => m.Group() != MethodGroup.Base);

    /// <summary>Every scratch and transfer method has a usable result: only then are the best SC and best TL final.</summary>
    public bool IsComplete => SelectableResults == SelectableMethods;

    /// <summary>
    /// <c>TL</c> or <c>SC</c>, whichever selected model has the lower test MAE; <c>tie</c>; null until
    /// the set <see cref="IsComplete"/> (a method still missing could change either selection).
    /// </summary>
    public string? Winner => IsComplete && BestScratch is { TestMae: { } sc } && BestTransfer is { TestMae: { } tl } ? ResultsReport.Winner(sc, tl) : null;

    /// <summary>Its usable ensemble results that still average the members the set's results would give them now (<see cref="MethodEnsemble.IsCurrent"/>), in grid order.</summary>
    public IReadOnlyList<MethodResult> Ensembles { get; init; } = [];

    /// <summary>Its ensemble results whose members were run again, or whose choice of member changed, since they were derived: left out of every count.</summary>
    public IReadOnlyList<MethodResult> StaleEnsembles { get; init; } = [];

    /// <summary>Both ensembles have a current result.</summary>
    public bool HasEnsembles => Ensembles.Count == ReproduceMethods.Ensembles.Count;

    /// <summary>Best SC with sc-ensemble among the candidates, chosen on validation as <see cref="BestScratch"/> is.</summary>
    public MethodResult? BestScratchWithEnsembles => BestOnValidation(MethodGroup.Scratch, withEnsembles: true);

    /// <summary>Best TL with tl-ensemble among the candidates, chosen on validation as <see cref="BestTransfer"/> is.</summary>
    public MethodResult? BestTransferWithEnsembles => BestOnValidation(MethodGroup.Transfer, withEnsembles: true);

    /// <summary>
    /// As <see cref="Winner"/> with the ensembles among the candidates of their groups; null until
    /// the set <see cref="IsComplete"/> and <see cref="HasEnsembles"/>.
    /// </summary>
    public string? WinnerWithEnsembles =>
        IsComplete && HasEnsembles && BestScratchWithEnsembles is { TestMae: { } sc } && BestTransferWithEnsembles is { TestMae: { } tl } ? ResultsReport.Winner(sc, tl) : null;

    /// <summary>Its usable zoo results (<c>tl-finetune-zoo</c>, <c>tl-modfinetune-zoo</c>): transfer from a source a screening chose on validation.</summary>
    public IReadOnlyList<MethodResult> Zoo { get; init; } = [];

    /// <summary>Both zoo methods have a usable result.</summary>
    public bool HasZoo => Zoo.Count == ReproduceMethods.Zoo.Count;

    /// <summary>Best TL with the zoo methods among the candidates (the paper's source stays a candidate), chosen on validation.</summary>
    public MethodResult? BestTransferWithZoo =>
        Results.Concat(Zoo).Where(r => r.Group == MethodGroup.Transfer.Name()).MinBy(r => r.ValidationMae!.Value);

    /// <summary>
    /// As <see cref="Winner"/> with <see cref="BestTransferWithZoo"/> as the best TL; null until the
    /// set <see cref="IsComplete"/> and <see cref="HasZoo"/>.
    /// </summary>
    public string? WinnerWithZoo =>
        IsComplete && HasZoo && BestScratch is { TestMae: { } sc } && BestTransferWithZoo is { TestMae: { } tl } ? ResultsReport.Winner(sc, tl) : null;

    // Chosen on the validation split only; the first in grid order (the paper's methods before the
    // ensembles) wins a tie.
    private MethodResult? BestOnValidation(MethodGroup group, bool withEnsembles = false) =>
        (withEnsembles ? Results.Concat(Ensembles) : Results).Where(r => r.Group == group.Name()).MinBy(r => r.ValidationMae!.Value);
}

/// <summary>
/// <c>reproduce --report</c>: docs/results.md from the result files alone — per data set the size,
/// Base, our best SC and best TL (each chosen on validation MAE), the paper's Base/SC/TL, who wins,
/// the win counts, the experimental sets separately, and the hardware, budgets and time the results
/// record. Missing results show as "–" and are counted. The ensembles (not in the paper) give a
/// second win count, with each one among the candidates of its group, and a table of their own.
/// </summary>
public static class ResultsReport
{
    /// <summary>Where the report goes by default.</summary>
    public const string DefaultOutput = "docs/results.md";

    private const string Missing = "–";

    /// <summary>Reads every result file under <paramref name="resultsDirectory"/> (<c>&lt;set&gt;/&lt;method&gt;.json</c>).</summary>
    public static IReadOnlyList<MethodResult> ReadResults(string resultsDirectory)
    {
        if (!Directory.Exists(resultsDirectory))
        {
            throw new OptionException(nameof(ReproduceOptions.ResultsDirectory), resultsDirectory, "no such folder; run 'reproduce' first.");
        }
        var names = ReproduceMethods.All.Concat(ReproduceMethods.Zoo).Select(m => m.Name() + ".json").ToHashSet(StringComparer.Ordinal);
        return [.. Directory.EnumerateDirectories(resultsDirectory)
            .Order(StringComparer.Ordinal)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.json").Where(f => names.Contains(Path.GetFileName(f))).Order(StringComparer.Ordinal))
            .Select(MethodResult.Load)];
    }

    /// <summary>Groups results by data set, in grid order within each; the ensembles apart from the paper's methods.</summary>
    public static IReadOnlyDictionary<string, SetSummary> Summarize(IEnumerable<MethodResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var order = ReproduceMethods.All.Concat(ReproduceMethods.Zoo).Select(m => m.Name()).ToList();
        var ensembles = ReproduceMethods.Ensembles.Select(m => m.Name()).ToHashSet(StringComparer.Ordinal);
        var zoo = ReproduceMethods.Zoo.Select(m => m.Name()).ToHashSet(StringComparer.Ordinal);
        return results.GroupBy(r => r.Dataset, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g =>
            {
                var sorted = g.OrderBy(r => order.IndexOf(r.Method)).ToList();
                var paper = sorted.Where(r => !ensembles.Contains(r.Method) && !zoo.Contains(r.Method)).ToList();
                var byMethod = paper.GroupBy(r => r.Method, StringComparer.Ordinal).ToDictionary(m => m.Key, m => m.First(), StringComparer.Ordinal);
                var derived = sorted.Where(r => ensembles.Contains(r.Method) && r.IsUsable).ToList();
                return new SetSummary(g.Key, [.. paper.Where(r => r.IsUsable)], [.. paper.Where(r => !r.IsUsable)])
                {
                    Ensembles = [.. derived.Where(r => MethodEnsemble.IsCurrent(r, byMethod))],
                    StaleEnsembles = [.. derived.Where(r => !MethodEnsemble.IsCurrent(r, byMethod))],
                    Zoo = [.. sorted.Where(r => zoo.Contains(r.Method) && r.IsUsable)],
                };
            },
            StringComparer.Ordinal);
    }

    /// <summary>Writes the report for <paramref name="resultsDirectory"/> to <paramref name="output"/> (temporary file, then rename) and returns its text.</summary>
    public static string Write(string resultsDirectory, string paperFolder, string output)
    {
        var text = Render(ReadResults(resultsDirectory), PaperTables.Load(paperFolder), resultsDirectory);
        var folder = Path.GetDirectoryName(Path.GetFullPath(output));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
        CsvOutput.WriteAtomically(output, writer =>
        {
            writer.Write(text);
            return 0;
        });
        return text;
    }

    /// <summary>The report's markdown; <paramref name="resultsLabel"/> names the results folder in the text.</summary>
    public static string Render(IReadOnlyList<MethodResult> results, PaperTables paper, string resultsLabel)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(paper);
        var sets = Summarize(results);
        var text = new StringBuilder();
        var methods = ReproduceMethods.Paper.Count;
        text.AppendLine("# Results: the paper's experiment grid");
        text.AppendLine();
        text.AppendLine(Invariant($"Generated by `reproduce --report` from the {results.Count} result files in `{resultsLabel.Replace('\\', '/')}/`; do not edit by hand. ",
            $"The paper's numbers are Tables 4 and 5 of Gupta et al., *Nat. Commun.* 12:6595 (2021), transcribed in `data/paper/`."));
        text.AppendLine();
        text.AppendLine("Test MAE in each property's units. **Best SC** and **best TL** are the scratch and the transfer method with the lowest "
            + "*validation* MAE among those with a result (the paper's rule); their test MAEs are then compared. SC may use physical "
            + "attributes (PA), TL uses elemental fractions only. \"" + Missing + "\": no result. **TL/paper** is our best TL's test MAE over the paper's. "
            + "A set enters the winner column, the win counts and the ratios only once all eight SC and TL methods have a result; until then its winner reads \"partial (k/8)\".");
        text.AppendLine();

        var tables = new[] { ("Computational sets (paper Table 4)", paper.Computational), ("Experimental sets (paper Table 5)", paper.Experimental) };
        text.AppendLine("## Summary");
        text.AppendLine();
        foreach (var (title, rows) in tables)
        {
            Summary(text, title, rows, sets, methods);
        }
        foreach (var (title, rows) in tables)
        {
            text.AppendLine(Invariant($"## {title}"));
            text.AppendLine();
            SetTable(text, rows, sets);
        }
        var known = paper.Computational.Concat(paper.Experimental).Select(r => r.Dataset).ToHashSet(StringComparer.Ordinal);
        var others = sets.Keys.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (others.Count > 0)
        {
            text.AppendLine("## Other sets (not in the paper)");
            text.AppendLine();
            SetTable(text, [.. others.Select(o => new PaperRow(o, o, 0, double.NaN, double.NaN, double.NaN))], sets);
        }
        MethodTable(text, paper, others, sets);
        EnsembleTable(text, paper, others, sets);
        ZooTables(text, paper, others, sets);
        Failures(text, results);
        Provenance(text, results);
        return text.ToString();
    }

    /// <summary><c>TL</c> when <paramref name="transfer"/> is lower, <c>SC</c> when <paramref name="scratch"/> is, else <c>tie</c>.</summary>
    public static string Winner(double scratch, double transfer) => transfer < scratch ? "TL" : scratch < transfer ? "SC" : "tie";

    private static void Summary(StringBuilder text, string title, IReadOnlyList<PaperRow> rows, IReadOnlyDictionary<string, SetSummary> sets, int methods)
    {
        var ours = rows.Select(r => (Paper: r, Ours: sets.GetValueOrDefault(r.Dataset))).ToList();
        var withBoth = ours.Where(x => x.Ours?.Winner is not null).ToList();
        var paperTl = rows.Count(r => Winner(r.BestScratch, r.BestTransfer) == "TL");
        var usable = ours.Sum(x => x.Ours?.Results.Count ?? 0);
        var failed = ours.Sum(x => x.Ours?.Failed.Count ?? 0);
        text.AppendLine(Invariant($"**{title}**: {ours.Count(x => x.Ours is { Results.Count: > 0 })} of {rows.Count} sets have results; ",
            $"{usable} of {rows.Count * methods} method results present, {rows.Count * methods - usable} missing ({failed} of them failed)."));
        text.AppendLine();
        text.AppendLine(Invariant($"- Ours: TL beats SC on **{withBoth.Count(x => x.Ours!.Winner == "TL")} of {withBoth.Count}** complete sets ",
            $"(SC {withBoth.Count(x => x.Ours!.Winner == "SC")}, ties {withBoth.Count(x => x.Ours!.Winner == "tie")}). ",
            $"The paper: TL beats SC on {paperTl} of {rows.Count}",
            withBoth.Count < rows.Count ? (FormattableString)$" ({withBoth.Count(x => Winner(x.Paper.BestScratch, x.Paper.BestTransfer) == "TL")} of the {withBoth.Count} sets compared here)." : $"."));
        var withEnsembles = ours.Where(x => x.Ours?.WinnerWithEnsembles is not null).ToList();
        const string Candidates = "With the ensembles as candidates (sc-ensemble among SC, tl-ensemble among TL, each group still chosen on validation)";
        text.AppendLine(withEnsembles.Count == 0
            ? $"- {Candidates}: no complete set has both ensembles yet; `reproduce --methods sc-ensemble,tl-ensemble` derives them from result files with predictions."
            : Invariant($"- {Candidates}: TL beats SC on **{withEnsembles.Count(x => x.Ours!.WinnerWithEnsembles == "TL")} of {withEnsembles.Count}** complete sets with both ensembles ",
                $"(SC {withEnsembles.Count(x => x.Ours!.WinnerWithEnsembles == "SC")}, ties {withEnsembles.Count(x => x.Ours!.WinnerWithEnsembles == "tie")}); ",
                $"without them, on the same sets: TL {withEnsembles.Count(x => x.Ours!.Winner == "TL")} of {withEnsembles.Count}."));
        var withZoo = ours.Where(x => x.Ours?.WinnerWithZoo is not null).ToList();
        const string Zoo = "With the source zoo (tl-finetune-zoo and tl-modfinetune-zoo, each from the source its screening chose on validation, among the TL candidates)";
        text.AppendLine(withZoo.Count == 0
            ? $"- {Zoo}: no complete set has both zoo results yet; `reproduce --sources A,B,… --methods tl-finetune-zoo,tl-modfinetune-zoo` runs them."
            : Invariant($"- {Zoo}: TL beats SC on **{withZoo.Count(x => x.Ours!.WinnerWithZoo == "TL")} of {withZoo.Count}** complete sets with both zoo results ",
                $"(SC {withZoo.Count(x => x.Ours!.WinnerWithZoo == "SC")}, ties {withZoo.Count(x => x.Ours!.WinnerWithZoo == "tie")}); ",
                $"with the paper's source only, on the same sets: TL {withZoo.Count(x => x.Ours!.Winner == "TL")} of {withZoo.Count}."));
        if (withZoo.Count > 0)
        {
            Versus(text, "TL with the zoo", "TL", withZoo.Select(x => (x.Ours!.BestTransferWithZoo?.TestMae, x.Paper.BestTransfer)));
        }
        var complete = ours.Where(x => x.Ours is { IsComplete: true }).ToList();
        Versus(text, "TL", "TL", complete.Select(x => (x.Ours!.BestTransfer?.TestMae, x.Paper.BestTransfer)));
        Versus(text, "SC", "SC", complete.Select(x => (x.Ours!.BestScratch?.TestMae, x.Paper.BestScratch)));
        text.AppendLine();
    }

    private static void Versus(StringBuilder text, string group, string paperGroup, IEnumerable<(double? Ours, double Paper)> pairs)
    {
        var compared = pairs.Where(p => p.Ours is not null).Select(p => (Ours: p.Ours!.Value, p.Paper)).ToList();
        if (compared.Count == 0)
        {
            text.AppendLine(Invariant($"- Our {group} vs the paper's {paperGroup}: no set to compare."));
            return;
        }
        var ratios = compared.Select(p => p.Ours / p.Paper).Order().ToList();
        var median = ratios.Count % 2 == 1 ? ratios[ratios.Count / 2] : (ratios[(ratios.Count / 2) - 1] + ratios[ratios.Count / 2]) / 2;
        text.AppendLine(Invariant($"- Our {group} vs the paper's {paperGroup}: lower test MAE on **{compared.Count(p => p.Ours < p.Paper)} of {compared.Count}** sets; ",
            $"median ratio (ours / paper) **{median:F3}**."));
    }

    private static void SetTable(StringBuilder text, IReadOnlyList<PaperRow> rows, IReadOnlyDictionary<string, SetSummary> sets)
    {
        text.AppendLine("| property | data set | rows | Base | best SC | best TL | winner | paper Base | paper SC | paper TL | paper winner | TL/paper |");
        text.AppendLine("|---|---|--:|--:|--:|--:|:-:|--:|--:|--:|:-:|--:|");
        foreach (var row in rows)
        {
            var ours = sets.GetValueOrDefault(row.Dataset);
            var hasPaper = !double.IsNaN(row.Base);
            string Chosen(MethodResult? r) => r is { TestMae: { } mae } ? $"{Number(mae)} ({r.Method})" : Missing;
            var tl = ours?.BestTransfer?.TestMae;
            text.AppendLine(string.Join(" | ",
                "| " + row.Property,
                $"`{row.Dataset}`",
                ours?.Rows is { } n ? n.ToString("N0", CultureInfo.InvariantCulture) : Missing,
                ours?.Base?.TestMae is { } b ? Number(b) : Missing,
                Chosen(ours?.BestScratch),
                Chosen(ours?.BestTransfer),
                ours?.Winner is { } w ? $"**{w}**" : ours is { Results.Count: > 0, IsComplete: false } ? Invariant($"partial ({ours.SelectableResults}/{SetSummary.SelectableMethods})") : Missing,
                hasPaper ? Number(row.Base) : Missing,
                hasPaper ? Number(row.BestScratch) : Missing,
                hasPaper ? Number(row.BestTransfer) : Missing,
                hasPaper ? Winner(row.BestScratch, row.BestTransfer) : Missing,
                hasPaper && ours is { IsComplete: true } && tl is { } t ? (t / row.BestTransfer).ToString("F2", CultureInfo.InvariantCulture) : Missing) + " |");
        }
        text.AppendLine();
    }

    // Every method's test MAE, its validation MAE beside it: what each selection chose from.
    private static void MethodTable(StringBuilder text, PaperTables paper, IReadOnlyList<string> others, IReadOnlyDictionary<string, SetSummary> sets)
    {
        text.AppendLine("## Every method");
        text.AppendLine();
        text.AppendLine("Test MAE / validation MAE of each method; the selected best SC and best TL are in bold.");
        text.AppendLine();
        text.AppendLine("| data set | " + string.Join(" | ", ReproduceMethods.Paper.Select(m => m.PaperName())) + " |");
        text.AppendLine("|---|" + string.Concat(ReproduceMethods.Paper.Select(_ => "--:|")));
        foreach (var dataset in paper.Computational.Concat(paper.Experimental).Select(r => r.Dataset).Concat(others))
        {
            var ours = sets.GetValueOrDefault(dataset);
            var cells = ReproduceMethods.Paper.Select(m =>
            {
                var result = ours?.Results.FirstOrDefault(r => r.Method == m.Name());
                if (result is null)
                {
                    return Missing;
                }
                var cell = $"{Number(result.TestMae!.Value)} / {Number(result.ValidationMae!.Value)}";
                return ReferenceEquals(result, ours!.BestScratch) || ReferenceEquals(result, ours.BestTransfer) ? $"**{cell}**" : cell;
            });
            text.AppendLine($"| `{dataset}` | {string.Join(" | ", cells)} |");
        }
        text.AppendLine();
    }

    // The ensembles of every set that has one: their scores, their members, and the selection and
    // winner with them among the candidates beside the winner without them.
    private static void EnsembleTable(StringBuilder text, PaperTables paper, IReadOnlyList<string> others, IReadOnlyDictionary<string, SetSummary> sets)
    {
        var datasets = paper.Computational.Concat(paper.Experimental).Select(r => r.Dataset).Concat(others)
            .Where(d => sets.GetValueOrDefault(d) is { } s && (s.Ensembles.Count > 0 || s.StaleEnsembles.Count > 0))
            .ToList();
        if (datasets.Count == 0)
        {
            return;
        }
        text.AppendLine("## Ensembles (not in the paper)");
        text.AppendLine();
        text.AppendLine("**SC:Ensemble** (`sc-ensemble`) is the mean of the predictions of the best SC:ML and the best SC:DL, each chosen on validation; "
            + "**TL:Ensemble** (`tl-ensemble`) the mean of TL:FineTune's and TL:ModFineTune's. They train nothing: `reproduce` derives them from the members' "
            + "recorded predictions. Test MAE / validation MAE; **best SC** and **best TL** are chosen on validation with the ensembles among the candidates, "
            + "and the winner beside them is the one without. A set enters the winner column once all eight SC and TL methods and both ensembles have a result.");
        text.AppendLine();
        text.AppendLine("| data set | SC:Ensemble | its members | TL:Ensemble | best SC | best TL | winner | winner without ensembles |");
        text.AppendLine("|---|--:|---|--:|--:|--:|:-:|:-:|");
        foreach (var dataset in datasets)
        {
            var set = sets[dataset];
            MethodResult? Ensemble(ReproduceMethod method) => set.Ensembles.FirstOrDefault(r => r.Method == method.Name());
            string Scores(MethodResult? r) => r is null ? Missing : $"{Number(r.TestMae!.Value)} / {Number(r.ValidationMae!.Value)}";
            string Chosen(MethodResult? r) => r is { TestMae: { } mae } ? $"{Number(mae)} ({r.Method})" : Missing;
            var scratch = Ensemble(ReproduceMethod.ScratchEnsemble);
            text.AppendLine(string.Join(" | ",
                $"| `{dataset}`",
                Scores(scratch),
                scratch?.Members is { } members ? string.Join(" + ", members.Select(m => m.Method)) : Missing,
                Scores(Ensemble(ReproduceMethod.FineTuneEnsemble)),
                Chosen(set.BestScratchWithEnsembles),
                Chosen(set.BestTransferWithEnsembles),
                set.WinnerWithEnsembles is { } w ? $"**{w}**" : Missing,
                set.Winner ?? Missing) + " |");
        }
        text.AppendLine();
        var stale = datasets.SelectMany(d => sets[d].StaleEnsembles).ToList();
        if (stale.Count > 0)
        {
            text.AppendLine(Invariant($"Left out: {stale.Count} ensemble results whose members were run again, or whose choice of member changed, since they were derived ",
                $"({string.Join(", ", stale.Select(r => $"{r.Dataset} {r.Method}"))}); `reproduce --methods sc-ensemble,tl-ensemble` derives them again."));
            text.AppendLine();
        }
    }

    // The zoo results of every set that has one: each zoo method's score and chosen source, the best
    // TL with and without them, and the winners; then, per property family, which source the
    // selected TL came from (the paper's formation-enthalpy source when no zoo result won).
    private static void ZooTables(StringBuilder text, PaperTables paper, IReadOnlyList<string> others, IReadOnlyDictionary<string, SetSummary> sets)
    {
        var datasets = paper.Computational.Concat(paper.Experimental).Select(r => r.Dataset).Concat(others)
            .Where(d => sets.GetValueOrDefault(d) is { Zoo.Count: > 0 })
            .ToList();
        if (datasets.Count == 0)
        {
            return;
        }
        text.AppendLine("## Source zoo (not in the paper)");
        text.AppendLine();
        text.AppendLine("**TL:FineTune(zoo)** and **TL:ModFineTune(zoo)** fine-tune the source that a short screening of every `--sources` model chose on the "
            + "set's validation split (`screening` in the result file has every candidate's score); the paper's methods keep the formation-enthalpy source. "
            + "Test MAE / validation MAE, and the source chosen. **Best TL, zoo** is chosen on validation with the zoo results among the TL candidates; "
            + "a set enters the winner columns once all eight SC and TL methods and both zoo methods have a result.");
        text.AppendLine();
        text.AppendLine("| data set | family | TL:FineTune(zoo) | its source | TL:ModFineTune(zoo) | its source | best TL, paper's source | best TL, zoo | best SC | winner, paper's source | winner, zoo |");
        text.AppendLine("|---|---|--:|---|--:|---|--:|--:|--:|:-:|:-:|");
        foreach (var dataset in datasets)
        {
            var set = sets[dataset];
            MethodResult? Zoo(ReproduceMethod method) => set.Zoo.FirstOrDefault(r => r.Method == method.Name());
            string Scores(MethodResult? r) => r is null ? Missing : $"{Number(r.TestMae!.Value)} / {Number(r.ValidationMae!.Value)}";
            string Chosen(MethodResult? r) => r is { TestMae: { } mae } ? $"{Number(mae)} ({r.Method})" : Missing;
            var fineTune = Zoo(ReproduceMethod.FineTuneZoo);
            var modFineTune = Zoo(ReproduceMethod.ModFineTuneZoo);
            text.AppendLine(string.Join(" | ",
                $"| `{dataset}`",
                paper.FamilyOf(dataset),
                Scores(fineTune),
                fineTune is null ? Missing : $"`{SourceLabel(fineTune.Config.Source)}`",
                Scores(modFineTune),
                modFineTune is null ? Missing : $"`{SourceLabel(modFineTune.Config.Source)}`",
                Chosen(set.BestTransfer),
                Chosen(set.BestTransferWithZoo),
                Chosen(set.BestScratch),
                set.IsComplete && set.HasZoo && set.Winner is { } w ? $"**{w}**" : Missing,
                set.WinnerWithZoo is { } z ? $"**{z}**" : Missing) + " |");
        }
        text.AppendLine();

        var decided = datasets.Where(d => sets[d].HasZoo && sets[d].BestTransferWithZoo is not null).ToList();
        if (decided.Count == 0)
        {
            return;
        }
        text.AppendLine("### Which source wins, per property family");
        text.AppendLine();
        text.AppendLine("Over the sets with both zoo results: the source of the selected best TL (zoo results among the candidates), and how often that TL's "
            + "test MAE is lower than the best TL from the paper's source alone. The families are our grouping (`data/paper/families.csv`), not the paper's.");
        text.AppendLine();
        text.AppendLine("| family | sets | source of the best TL (sets) | zoo TL lower than paper's-source TL |");
        text.AppendLine("|---|--:|---|--:|");
        foreach (var family in decided.GroupBy(paper.FamilyOf).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var bySource = family.GroupBy(d => SourceLabel(sets[d].BestTransferWithZoo!.Config.Source))
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => Invariant($"`{g.Key}` ({g.Count()})"));
            var lower = family.Count(d => sets[d].BestTransferWithZoo!.TestMae < sets[d].BestTransfer?.TestMae);
            text.AppendLine(Invariant($"| {family.Key} | {family.Count()} | {string.Join(", ", bySource)} | {lower} of {family.Count()} |"));
        }
        text.AppendLine();
    }

    /// <summary>A source model's short name: its run or model folder (<c>models/elemnet-oqmd/model.json</c> → <c>elemnet-oqmd</c>); "–" for none.</summary>
    public static string SourceLabel(string? source)
    {
        if (string.IsNullOrWhiteSpace(source))
        {
            return Missing;
        }
        var path = source.Replace('\\', '/').TrimEnd('/');
        var name = path[(path.LastIndexOf('/') + 1)..];
        if (Path.HasExtension(name) && path.Contains('/', StringComparison.Ordinal))
        {
            var folder = path[..path.LastIndexOf('/')];
            return folder[(folder.LastIndexOf('/') + 1)..];
        }
        return name;
    }

    // Failed results of every method, the ensembles' included (a malformed member file, say).
    private static void Failures(StringBuilder text, IReadOnlyList<MethodResult> results)
    {
        var failed = results.Where(r => !r.IsUsable).ToList();
        if (failed.Count == 0)
        {
            return;
        }
        text.AppendLine("## Failed methods");
        text.AppendLine();
        text.AppendLine("Counted as missing; the next `reproduce` run tries them again.");
        text.AppendLine();
        text.AppendLine("| method | data sets | error |");
        text.AppendLine("|---|---|---|");
        foreach (var group in failed.GroupBy(f => (f.Method, f.Error)).OrderBy(g => g.Key.Method, StringComparer.Ordinal))
        {
            text.AppendLine($"| {group.Key.Method} | {string.Join(", ", group.Select(f => f.Dataset).Order(StringComparer.Ordinal))} | {(group.Key.Error ?? "").Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ")} |");
        }
        text.AppendLine();
    }

    // What the paper's methods ran on; the ensembles, which only average them, get one line.
    private static void Provenance(StringBuilder text, IReadOnlyList<MethodResult> results)
    {
        var ensembleNames = ReproduceMethods.Ensembles.Select(m => m.Name()).ToHashSet(StringComparer.Ordinal);
        var usable = results.Where(r => r.IsUsable && !ensembleNames.Contains(r.Method)).ToList();
        var ensembles = results.Where(r => r.IsUsable && ensembleNames.Contains(r.Method)).ToList();
        text.AppendLine("## How the results were made");
        text.AppendLine();
        if (usable.Count == 0)
        {
            text.AppendLine("No results yet.");
            return;
        }
        static string Counted<T>(IEnumerable<T> values, Func<T, string> describe) =>
            string.Join("; ", values.GroupBy(describe).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => Invariant($"{g.Key} ({g.Count()})")));
        var seconds = usable.Sum(r => r.Seconds);
        text.AppendLine(Invariant($"- Total time: {seconds / 3600:F2} h summed over {usable.Count} results ",
            $"({string.Join(", ", usable.GroupBy(r => r.Group).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Invariant($"{g.Key} {g.Sum(r => r.Seconds) / 3600:F2} h")))}); ",
            $"grids run as parallel processes overlap in wall time."));
        text.AppendLine($"- Hardware (results): {Counted(usable, r => r.Hardware)}.");
        text.AppendLine($"- Devices (results): {Counted(usable, r => r.Device)}.");
        var networks = usable.Where(r => r.Budget is not null).ToList();
        if (networks.Count > 0)
        {
            text.AppendLine($"- Network budgets (results): {Counted(networks, r => DescribeBudget(r.Budget!))}.");
            text.AppendLine($"- Why training stopped (results): {Counted(networks, r => r.StopReason ?? "?")}.");
        }
        // SC:ML and TL:ML(FeatExtr): the methods that fit classical models, Base (the mean) aside.
        var classicalMethods = ReproduceMethods.Paper.Where(m => !m.TrainsNetwork() && m.Group() != MethodGroup.Base)
            .Select(m => m.Name()).ToHashSet(StringComparer.Ordinal);
        var classical = usable.Where(r => classicalMethods.Contains(r.Method)).ToList();
        if (classical.Count > 0)
        {
            text.AppendLine($"- Classical models, SC:ML and TL:ML(FeatExtr) (results): {Counted(classical, r => r.Config.Model)}.");
        }
        var transfer = usable.Where(r => r.Config.SourceSha256 is not null).ToList();
        if (transfer.Count > 0)
        {
            text.AppendLine($"- Source model (results): {Counted(transfer, r => $"`{r.Config.Source}` sha256 {r.Config.SourceSha256![..12]}…")}.");
        }
        var layers = usable.Where(r => r.Config.FeatureLayers is not null).ToList();
        if (layers.Count > 0)
        {
            text.AppendLine($"- FeatExtr source layers tried (results): {Counted(layers, r => string.Join(",", r.Config.FeatureLayers!))}.");
        }
        text.AppendLine($"- Seeds (results): {Counted(usable, r => r.Seed.ToString(CultureInfo.InvariantCulture))}; engine versions: {Counted(usable, r => r.EngineVersion)}.");
        if (ensembles.Count > 0)
        {
            text.AppendLine($"- Ensembles (results): {Counted(ensembles, r => r.Method)}; they train nothing (the mean of their members' recorded predictions) and are left out of the lines above.");
        }
        var finished = usable.Select(r => r.Finished).Where(f => f.Length >= 10).Order(StringComparer.Ordinal).ToList();
        if (finished.Count > 0)
        {
            text.AppendLine($"- Finished between {finished[0][..10]} and {finished[^1][..10]} (UTC).");
        }
    }

    private static string DescribeBudget(ResultBudget budget) =>
        Invariant($"{budget.Tier}: ≤{budget.MaxEpochs} epochs, patience {budget.Patience}, ")
        + (budget.TimeLimitSeconds is { } s ? Invariant($"≤{s:0.#} s per network") : "no time limit")
        + (budget.LearningRateSchedule is { } schedule ? $", learning rate {schedule}" : "")
        + (budget.FineTuning is { } recipe ? $", fine-tuning {recipe}" : "");

    /// <summary>Four significant digits without an exponent: 0.1350, 10.79, 246.3, 28056.</summary>
    public static string Number(double value)
    {
        if (!double.IsFinite(value))
        {
            return Missing;
        }
        var magnitude = value == 0 ? 0 : (int)Math.Floor(Math.Log10(Math.Abs(value)));
        var decimals = Math.Clamp(3 - magnitude, 0, 10);
        return value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static string Invariant(params FormattableString[] parts) => string.Concat(parts.Select(p => p.ToString(CultureInfo.InvariantCulture)));
}
