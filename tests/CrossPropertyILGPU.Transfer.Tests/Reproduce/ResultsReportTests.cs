using CrossPropertyILGPU.Transfer.Reproduce;
using CrossPropertyILGPU.Transfer.Tests.Support;

namespace CrossPropertyILGPU.Transfer.Tests.Reproduce;

/// <summary>The report's selection, win counting and rendering, on result files made by hand.</summary>
public sealed class ResultsReportTests
{
    private static readonly PaperTables Paper = PaperTables.Load(Path.Combine(TestFiles.RepositoryRoot(), "data", "paper"));

    private static MethodResult Result(string dataset, string method, double? test, double? validation, string? error = null) => new()
    {
        Dataset = dataset,
        Method = method,
        PaperMethod = ReproduceMethods.ParseList(method)[0].PaperName(),
        Group = ReproduceMethods.ParseList(method)[0].Group().Name(),
        Status = error is null ? MethodResult.Succeeded : MethodResult.FailedStatus,
        Error = error,
        TestMae = test,
        ValidationMae = validation,
        TrainRows = 405,
        ValidationRows = 45,
        TestRows = 50,
        Seconds = 1800,
        Seed = 7,
        Budget = ReproduceMethods.ParseList(method)[0].TrainsNetwork() ? new ResultBudget(300, 50, null, "standard") : null,
        StopReason = ReproduceMethods.ParseList(method)[0].TrainsNetwork() ? "early-stopping" : null,
        Config = new ResultConfig(),
        Hardware = "Test CPU, 2 logical cores",
        Device = "cpu",
        Finished = "2026-01-02T03:04:05.0000000Z",
    };

    // The given results plus, for every SC and TL method not given, one that no selection picks
    // (validation and test MAE 1e6): a complete set whose winner the given results decide.
    private static MethodResult[] Complete(string dataset, params MethodResult[] given) =>
    [
        .. given,
        .. ReproduceMethods.Paper
            .Where(m => m.Group() != MethodGroup.Base && given.All(g => g.Method != m.Name()))
            .Select(m => Result(dataset, m.Name(), 1e6, 1e6)),
    ];

    [Test]
    public void Summarize_SelectsEachGroupsBestOnValidation_NotOnTest()
    {
        var set = ResultsReport.Summarize(Complete("exfoliation_energy",
            Result("exfoliation_energy", "base", 60, 61),
            // The lowest test MAE of each group is not the lowest validation MAE: selection must ignore it.
            Result("exfoliation_energy", "sc-ml-ef", 50, 40),
            Result("exfoliation_energy", "sc-dl-ef", 30, 45),
            Result("exfoliation_energy", "tl-finetune", 55, 35),
            Result("exfoliation_energy", "tl-modfinetune", 20, 36)))["exfoliation_energy"];

        Assert.That(set.BestScratch!.Method, Is.EqualTo("sc-ml-ef"));
        Assert.That(set.BestTransfer!.Method, Is.EqualTo("tl-finetune"));
        Assert.That(set.IsComplete, Is.True);
        Assert.That(set.Winner, Is.EqualTo("SC"), "selected SC test 50 vs selected TL test 55");
        Assert.That(set.Base!.TestMae, Is.EqualTo(60));
        Assert.That(set.Rows, Is.EqualTo(500));
    }

    [Test]
    public void Summarize_AMethodFailedOrMissing_LeavesTheSetPartial_WithNoWinner()
    {
        var results = Complete("exfoliation_energy", Result("exfoliation_energy", "sc-ml-ef", 50, 40), Result("exfoliation_energy", "tl-finetune", 55, 35))
            .Where(r => r.Method != "sc-ml-pa")
            .Append(Result("exfoliation_energy", "sc-ml-pa", null, null, "--features pa: not available"))
            .ToList();
        var failed = ResultsReport.Summarize(results)["exfoliation_energy"];
        Assert.That((failed.IsComplete, failed.Winner, failed.SelectableResults), Is.EqualTo((false, (string?)null, 7)));
        Assert.That(failed.Failed.Select(f => f.Method), Is.EqualTo(new[] { "sc-ml-pa" }).AsCollection);
        // The selections so far still show.
        Assert.That((failed.BestScratch!.Method, failed.BestTransfer!.Method), Is.EqualTo(("sc-ml-ef", "tl-finetune")));

        var missing = ResultsReport.Summarize(results.Where(r => r.Method != "tl-dl-featextr" && r.Method != "sc-ml-pa"))["exfoliation_energy"];
        Assert.That((missing.IsComplete, missing.Winner), Is.EqualTo((false, (string?)null)));
    }

    [Test]
    public void Summarize_OneGroupMissing_HasNoWinner()
    {
        var set = ResultsReport.Summarize([Result("slme", "sc-ml-ef", 7, 7)])["slme"];
        Assert.That((set.BestTransfer, set.Winner, set.Base), Is.EqualTo(((MethodResult?)null, (string?)null, (MethodResult?)null)));
    }

    [Test]
    public void Render_CountsWinsPerTable_AndAgainstThePaper()
    {
        var text = ResultsReport.Render(
        [
            // Computational: TL wins on exfoliation, SC wins on piezo_max_dij, slme has SC only.
            .. Complete("exfoliation_energy", Result("exfoliation_energy", "sc-ml-ef", 54, 50), Result("exfoliation_energy", "tl-finetune", 51.56 / 2, 40)),
            .. Complete("piezo_max_dij", Result("piezo_max_dij", "sc-dl-ef", 20, 20), Result("piezo_max_dij", "tl-modfinetune", 23.46 * 2, 30)),
            Result("slme", "sc-ml-ef", 7.0, 7.1),
            // Experimental: TL wins on expt_deltae; expt_bandgap would be a TL win too, but a method is missing.
            .. Complete("expt_deltae", Result("expt_deltae", "base", 1.03, 1.05), Result("expt_deltae", "sc-ml-ef", 0.2, 0.21), Result("expt_deltae", "tl-finetune", 0.0708, 0.08)),
            .. Complete("expt_bandgap", Result("expt_bandgap", "sc-ml-ef", 0.5, 0.5), Result("expt_bandgap", "tl-finetune", 0.3, 0.3)).Where(r => r.Method is not ("tl-dl-featextr" or "sc-ml-pa")),
            Result("expt_bandgap", "sc-ml-pa", null, null, "--features pa: the 145 physical attributes are not available"),
        ], Paper, "results");

        Assert.That(text, Does.Contain("TL beats SC on **1 of 2** complete sets (SC 1, ties 0). The paper: TL beats SC on 27 of 39 (2 of the 2 sets compared here)."));
        Assert.That(text, Does.Contain("TL beats SC on **1 of 1** complete sets (SC 0, ties 0). The paper: TL beats SC on 2 of 2 (1 of the 1 sets compared here)."));
        // Our TL over the paper's: 0.5 (exfoliation) and 2.0 (piezo_max_dij) → median 1.25; one of two lower.
        Assert.That(text, Does.Contain("Our TL vs the paper's TL: lower test MAE on **1 of 2** sets; median ratio (ours / paper) **1.250**."));
        // expt_bandgap's 0.3 is below the paper's 0.355 but the set is partial: not compared.
        Assert.That(text, Does.Contain("Our TL vs the paper's TL: lower test MAE on **0 of 1** sets; median ratio (ours / paper) **1.000**."));
        Assert.That(text, Does.Contain("3 of 39 sets have results; 17 of 351 method results present, 334 missing (0 of them failed)."));
        Assert.That(text, Does.Contain("2 of 2 sets have results; 15 of 18 method results present, 3 missing (1 of them failed)."));
        Assert.That(text, Does.Contain("| 0.3000 (tl-finetune) | partial (6/8) |"));
    }

    [Test]
    public void Render_Rows_ShowOursBesideThePapers_WithMissingAsDash()
    {
        var text = ResultsReport.Render(Complete("exfoliation_energy",
            Result("exfoliation_energy", "base", 61.07, 68.7), Result("exfoliation_energy", "sc-ml-ef", 49.84, 46.02),
            Result("exfoliation_energy", "tl-modfinetune", 52.05, 61.37)), Paper, "results");
        var row = text.Split('\n').Single(l => l.StartsWith("| Exfoli |", StringComparison.Ordinal));
        Assert.That(row, Is.EqualTo("| Exfoli | `exfoliation_energy` | 500 | 61.07 | 49.84 (sc-ml-ef) | 52.05 (tl-modfinetune) | **SC** | 62.93 | 54.26 | 51.56 | TL | 1.01 |"));
        var missing = text.Split('\n').Single(l => l.StartsWith("| KLU |", StringComparison.Ordinal));
        Assert.That(missing, Is.EqualTo("| KLU | `klu` | – | – | – | – | – | 18.77 | 10.79 | 11.15 | SC | – |"));
        var detail = text.Split('\n').Single(l => l.StartsWith("| `exfoliation_energy` |", StringComparison.Ordinal));
        Assert.That(detail, Is.EqualTo("| `exfoliation_energy` | 61.07 / 68.70 | **49.84 / 46.02** | 1000000 / 1000000 | 1000000 / 1000000 | 1000000 / 1000000 | 1000000 / 1000000 | **52.05 / 61.37** | 1000000 / 1000000 | 1000000 / 1000000 |"));
    }

    [Test]
    public void Render_RecordsFailuresHardwareBudgetsAndTime()
    {
        var text = ResultsReport.Render(
        [
            Result("expt_deltae", "sc-dl-ef", 0.2, 0.2), Result("expt_deltae", "tl-finetune", 0.1, 0.1),
            Result("expt_deltae", "sc-dl-pa", null, null, "--features pa: not available"),
            Result("expt_bandgap", "sc-dl-pa", null, null, "--features pa: not available"),
        ], Paper, "results");
        Assert.That(text, Does.Contain("| sc-dl-pa | expt_bandgap, expt_deltae | --features pa: not available |"));
        Assert.That(text, Does.Contain("- Total time: 1.00 h summed over 2 results (sc 0.50 h, tl 0.50 h); grids run as parallel processes overlap in wall time."));
        Assert.That(text, Does.Contain("- Hardware (results): Test CPU, 2 logical cores (2)."));
        Assert.That(text, Does.Contain("- Network budgets (results): standard: ≤300 epochs, patience 50, no time limit (2)."));
        Assert.That(text, Does.Contain("- Finished between 2026-01-02 and 2026-01-02 (UTC)."));
    }

    [Test]
    public void Write_ReadsTheResultFilesOnly()
    {
        using var scratch = new ScratchFolder();
        var results = Path.Combine(scratch.FullName, "results");
        Directory.CreateDirectory(Path.Combine(results, "expt_bandgap"));
        foreach (var result in Complete("expt_bandgap", Result("expt_bandgap", "tl-finetune", 0.35, 0.4), Result("expt_bandgap", "sc-ml-ef", 0.45, 0.5)))
        {
            result.Save(Path.Combine(results, "expt_bandgap", result.Method + ".json"));
        }
        // Neither a split nor a stray file is a result.
        scratch.Write(Path.Combine("results", "expt_bandgap", "notes.json"), "{}");

        var output = Path.Combine(scratch.FullName, "docs", "results.md");
        var text = ResultsReport.Write(results, Path.Combine(TestFiles.RepositoryRoot(), "data", "paper"), output);
        Assert.That(File.ReadAllText(output), Is.EqualTo(text));
        Assert.That(text, Does.Contain("from the 8 result files"));
        Assert.That(text, Does.Contain("| Band gap (eV) | `expt_bandgap` | 500 | – | 0.4500 (sc-ml-ef) | 0.3500 (tl-finetune) | **TL** |"));
    }

    // An ensemble result over the given members, as the grid derives it (members named with their finish times).
    private static MethodResult Ensemble(string dataset, string method, double test, double validation, params string[] members) =>
        Result(dataset, method, test, validation) with { Members = [.. members.Select(m => new ResultMember(m, "2026-01-02T03:04:05.0000000Z"))] };

    // exfoliation_energy complete: SC wins among the nine (50 vs 55), but tl-ensemble has the lowest
    // TL validation MAE and a test MAE of 45, so TL wins with the ensembles; sc-ensemble loses its
    // group on validation though its test MAE is the lowest of all (the test selects nothing).
    private static MethodResult[] EnsembleFlipsTheWinner() =>
    [
        .. Complete("exfoliation_energy",
            Result("exfoliation_energy", "sc-ml-ef", 50, 40), Result("exfoliation_energy", "sc-dl-ef", 52, 42),
            Result("exfoliation_energy", "tl-finetune", 55, 35), Result("exfoliation_energy", "tl-modfinetune", 56, 36)),
        Ensemble("exfoliation_energy", "tl-ensemble", 45, 30, "tl-finetune", "tl-modfinetune"),
        Ensemble("exfoliation_energy", "sc-ensemble", 1, 41, "sc-ml-ef", "sc-dl-ef"),
        // Complete, TL wins among the nine, and has no ensembles: in the first count only.
        .. Complete("piezo_max_dij", Result("piezo_max_dij", "sc-dl-ef", 30, 30), Result("piezo_max_dij", "tl-modfinetune", 20, 20)),
    ];

    [Test]
    public void Summarize_Ensembles_CompeteInTheirGroupsOnValidation_OnlyInTheSecondSelection()
    {
        var set = ResultsReport.Summarize(EnsembleFlipsTheWinner())["exfoliation_energy"];

        Assert.That(set.Results.Select(r => r.Method), Has.None.EndsWith("-ensemble"), "the paper's selection is of its nine methods");
        Assert.That((set.BestScratch!.Method, set.BestTransfer!.Method, set.Winner), Is.EqualTo(("sc-ml-ef", "tl-finetune", "SC")));
        Assert.That(set.Ensembles.Select(r => r.Method), Is.EqualTo(new[] { "sc-ensemble", "tl-ensemble" }).AsCollection);
        Assert.That((set.BestScratchWithEnsembles!.Method, set.BestTransferWithEnsembles!.Method, set.WinnerWithEnsembles), Is.EqualTo(("sc-ml-ef", "tl-ensemble", "TL")));
        Assert.That(ResultsReport.Summarize(EnsembleFlipsTheWinner())["piezo_max_dij"].WinnerWithEnsembles, Is.Null, "no ensembles: not in the second count");
    }

    [Test]
    public void Render_CountsWins_WithoutTheEnsembles_AndWithThem()
    {
        var text = ResultsReport.Render(EnsembleFlipsTheWinner(), Paper, "results");

        // The first count is the paper's nine, as before: the ensembles neither add results nor change it.
        Assert.That(text, Does.Contain("TL beats SC on **1 of 2** complete sets (SC 1, ties 0)."));
        Assert.That(text, Does.Contain("2 of 39 sets have results; 16 of 351 method results present, 335 missing (0 of them failed)."));
        Assert.That(text, Does.Contain("- With the ensembles as candidates (sc-ensemble among SC, tl-ensemble among TL, each group still chosen on validation): "
            + "TL beats SC on **1 of 1** complete sets with both ensembles (SC 0, ties 0); without them, on the same sets: TL 0 of 1."));
        // No experimental set has ensembles.
        Assert.That(text, Does.Contain("no complete set has both ensembles yet"));
        Assert.That(text, Does.Contain("- Ensembles (results): sc-ensemble (1); tl-ensemble (1); they train nothing"));
        Assert.That(text, Does.Contain("- Total time: 8.00 h summed over 16 results"), "the ensembles' time is not added to the grid's");
    }

    [Test]
    public void Render_EnsembleTable_ShowsTheirScoresMembersAndBothWinners()
    {
        var text = ResultsReport.Render(EnsembleFlipsTheWinner(), Paper, "results");
        Assert.That(text, Does.Contain("## Ensembles (not in the paper)"));
        var row = text.Split('\n').Single(l => l.StartsWith("| `exfoliation_energy` | 1.000 /", StringComparison.Ordinal));
        Assert.That(row, Is.EqualTo("| `exfoliation_energy` | 1.000 / 41.00 | sc-ml-ef + sc-dl-ef | 45.00 / 30.00 | 50.00 (sc-ml-ef) | 45.00 (tl-ensemble) | **TL** | SC |"));
        Assert.That(text.Split('\n').Where(l => l.StartsWith("| `piezo_max_dij` |", StringComparison.Ordinal)).ToList(), Has.Count.EqualTo(1), "only in the table of every method");
    }

    [Test]
    public void Render_WithoutEnsembleResults_KeepsThePapersReport_AndSaysHowToGetThem()
    {
        var text = ResultsReport.Render(Complete("exfoliation_energy", Result("exfoliation_energy", "sc-ml-ef", 50, 40), Result("exfoliation_energy", "tl-finetune", 55, 35)), Paper, "results");
        Assert.That(text, Does.Not.Contain("## Ensembles"));
        Assert.That(text, Does.Contain("no complete set has both ensembles yet; `reproduce --methods sc-ensemble,tl-ensemble` derives them from result files with predictions."));
    }

    [Test]
    public void Render_AnEnsembleWhoseMemberWasRunAgain_IsLeftOutOfTheCount_AndSaidSo()
    {
        var results = EnsembleFlipsTheWinner().Select(r => r.Method == "tl-modfinetune" && r.Dataset == "exfoliation_energy" ? r with { Finished = "2026-03-01T00:00:00.0000000Z" } : r).ToList();
        var set = ResultsReport.Summarize(results)["exfoliation_energy"];
        Assert.That((set.Ensembles.Single().Method, set.StaleEnsembles.Single().Method, set.WinnerWithEnsembles), Is.EqualTo(("sc-ensemble", "tl-ensemble", (string?)null)));

        var text = ResultsReport.Render(results, Paper, "results");
        Assert.That(text, Does.Contain("Left out: 1 ensemble results whose members were run again, or whose choice of member changed, since they were derived (exfoliation_energy tl-ensemble)"));
        Assert.That(text, Does.Not.Contain("TL beats SC on **1 of 1** complete sets with both ensembles"));
    }

    [Test]
    public void Write_ReadsTheEnsemblesResultFiles()
    {
        using var scratch = new ScratchFolder();
        var results = Path.Combine(scratch.FullName, "results");
        Directory.CreateDirectory(Path.Combine(results, "exfoliation_energy"));
        foreach (var result in EnsembleFlipsTheWinner().Where(r => r.Dataset == "exfoliation_energy"))
        {
            result.Save(Path.Combine(results, "exfoliation_energy", result.Method + ".json"));
        }
        var text = ResultsReport.Write(results, Path.Combine(TestFiles.RepositoryRoot(), "data", "paper"), Path.Combine(scratch.FullName, "results.md"));
        Assert.That(text, Does.Contain("from the 10 result files"));
        Assert.That(text, Does.Contain("| 45.00 (tl-ensemble) | **TL** | SC |"));
    }

    [TestCase(0.135, "0.1350")]
    [TestCase(10.79, "10.79")]
    [TestCase(246.26, "246.3")]
    [TestCase(28056, "28056")]
    [TestCase(0.0708, "0.07080")]
    [TestCase(0, "0.000")]
    public void Number_FourSignificantDigits(double value, string expected) =>
        Assert.That(ResultsReport.Number(value), Is.EqualTo(expected));

    // A zoo result: TL from the source its screening chose (the result's config names it).
    private static MethodResult ZooResult(string dataset, string method, double test, double validation, string source) =>
        Result(dataset, method, test, validation) with { Config = new ResultConfig { Source = source, Sources = ["models/elemnet-oqmd", source] } };

    // expt_bandgap complete, SC wins with the paper's source (0.45 vs 0.50), but tl-finetune-zoo from
    // the band-gap source has the lowest TL validation MAE and a test MAE of 0.30: TL wins with the
    // zoo. tl-modfinetune-zoo has the lowest test MAE of all but loses on validation (the test
    // selects nothing). etc66 has one zoo result only: in the zoo table, not in the zoo count.
    private static MethodResult[] ZooFlipsTheWinner() =>
    [
        .. Complete("expt_bandgap", Result("expt_bandgap", "sc-ml-pa", 0.45, 0.40), Result("expt_bandgap", "tl-finetune", 0.50, 0.41)),
        ZooResult("expt_bandgap", "tl-finetune-zoo", 0.30, 0.35, "models/elemnet-oqmd-bandgap/model.json"),
        ZooResult("expt_bandgap", "tl-modfinetune-zoo", 0.10, 0.38, "models/elemnet-oqmd"),
        .. Complete("etc66", Result("etc66", "sc-ml-pa", 13.5, 13.0), Result("etc66", "tl-finetune", 14.5, 13.8)),
        ZooResult("etc66", "tl-finetune-zoo", 14.0, 13.9, "models/elemnet-oqmd-volume"),
    ];

    [Test]
    public void Summarize_ZooResults_StayOutOfThePapersSelection_AndCompeteInTheZooSelection()
    {
        var sets = ResultsReport.Summarize(ZooFlipsTheWinner());
        var set = sets["expt_bandgap"];
        Assert.That(set.Results.Select(r => r.Method), Has.None.EndsWith("-zoo"));
        Assert.That((set.BestTransfer!.Method, set.Winner), Is.EqualTo(("tl-finetune", "SC")));
        Assert.That(set.Zoo.Select(r => r.Method), Is.EqualTo(new[] { "tl-finetune-zoo", "tl-modfinetune-zoo" }).AsCollection);
        Assert.That((set.BestTransferWithZoo!.Method, set.WinnerWithZoo), Is.EqualTo(("tl-finetune-zoo", "TL")));
        Assert.That((sets["etc66"].HasZoo, sets["etc66"].WinnerWithZoo), Is.EqualTo((false, (string?)null)), "one zoo result of two: not counted");
    }

    [Test]
    public void Render_CountsWinsWithTheZoo_AndTablesEachSetsChosenSources()
    {
        var text = ResultsReport.Render(ZooFlipsTheWinner(), Paper, "results");
        Assert.That(text, Does.Contain("TL beats SC on **1 of 1** complete sets with both zoo results (SC 0, ties 0); with the paper's source only, on the same sets: TL 0 of 1."));
        Assert.That(text, Does.Contain("- Our TL with the zoo vs the paper's TL: lower test MAE on **1 of 1** sets; median ratio (ours / paper) **0.845**."));
        Assert.That(text, Does.Contain("## Source zoo (not in the paper)"));
        Assert.That(text, Does.Contain("| `expt_bandgap` | band gaps and optoelectronics | 0.3000 / 0.3500 | `elemnet-oqmd-bandgap` | 0.1000 / 0.3800 | `elemnet-oqmd` "
            + "| 0.5000 (tl-finetune) | 0.3000 (tl-finetune-zoo) | 0.4500 (sc-ml-pa) | **SC** | **TL** |"));
        Assert.That(text, Does.Contain("| `etc66` | elastic and vibrational | 14.00 / 13.90 | `elemnet-oqmd-volume` | – | – |"));
        // The family table counts only sets with both zoo results.
        Assert.That(text, Does.Contain("| band gaps and optoelectronics | 1 | `elemnet-oqmd-bandgap` (1) | 1 of 1 |"));
        Assert.That(text, Does.Not.Contain("| elastic and vibrational | 1 |"));
        // The paper's first count is unchanged by the zoo files.
        Assert.That(text, Does.Contain("TL beats SC on **0 of 1** complete sets"));
    }

    [Test]
    public void Render_WithoutZooResults_SaysHowToGetThem()
    {
        var text = ResultsReport.Render(Complete("etc66", Result("etc66", "sc-ml-pa", 13.5, 13.0)), Paper, "results");
        Assert.That(text, Does.Not.Contain("## Source zoo"));
        Assert.That(text, Does.Contain("no complete set has both zoo results yet; `reproduce --sources A,B,… --methods tl-finetune-zoo,tl-modfinetune-zoo` runs them."));
    }

    [Test]
    public void Write_ReadsTheZooResultFiles()
    {
        using var scratch = new ScratchFolder();
        var results = Path.Combine(scratch.FullName, "results");
        Directory.CreateDirectory(Path.Combine(results, "expt_bandgap"));
        foreach (var result in ZooFlipsTheWinner().Where(r => r.Dataset == "expt_bandgap"))
        {
            result.Save(Path.Combine(results, "expt_bandgap", result.Method + ".json"));
        }
        var text = ResultsReport.Write(results, Path.Combine(TestFiles.RepositoryRoot(), "data", "paper"), Path.Combine(scratch.FullName, "results.md"));
        Assert.That(text, Does.Contain("from the 10 result files"));
        Assert.That(text, Does.Contain("| 0.3000 (tl-finetune-zoo) | 0.4500 (sc-ml-pa) | **SC** | **TL** |"));
    }

    [TestCase("models/elemnet-oqmd", "elemnet-oqmd")]
    [TestCase("models/elemnet-oqmd/", "elemnet-oqmd")]
    [TestCase("models/elemnet-oqmd-bandgap/model.json", "elemnet-oqmd-bandgap")]
    [TestCase("runs\\pretrain-oqmd-volume\\model.safetensors", "pretrain-oqmd-volume")]
    [TestCase(null, "–")]
    public void SourceLabel_IsTheModelsFolder(string? source, string expected) =>
        Assert.That(ResultsReport.SourceLabel(source), Is.EqualTo(expected));
}
