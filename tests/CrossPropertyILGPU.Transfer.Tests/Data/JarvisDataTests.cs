using CrossPropertyILGPU.Transfer.Chemistry;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Tests.Support;

namespace CrossPropertyILGPU.Transfer.Tests.Data;

/// <summary>
/// Every JARVIS file shipped in data/jarvis reads, and loses exactly the rows data/README.md
/// documents: this test guards that table.
/// </summary>
public sealed class JarvisDataTests
{
    /// <summary>
    /// One data file and what featurising it with the paper's filter (<c>MinElements = 2</c>) leaves
    /// out, by <see cref="SkipKind"/>; <paramref name="Unsupported"/> lists the rows with an element
    /// outside ElemNet's 86 as "element count" pairs (the first such element of each row).
    /// </summary>
    public sealed record JarvisFile(string Folder, string File, int Rows, int Invalid, int SingleElement, string Unsupported)
    {
        /// <summary>Shown as the test case's name.</summary>
        public override string ToString() => $"{Folder}/{File}";
    }

    // The table of data/README.md; keep both in step.
    private static readonly JarvisFile[] Files =
    [
        new("bulkmoduluskv", "bulkmoduluskv_test_set.csv", 1075, 0, 0, ""),
        new("bulkmoduluskv", "bulkmoduluskv_training_set.csv", 9668, 0, 0, ""),
        new("deltae", "deltae_test_set.csv", 2811, 0, 0, ""),
        new("deltae", "deltae_training_set.csv", 25297, 0, 0, ""),
        new("ehull", "ehull_test_set.csv", 2730, 0, 0, ""),
        new("ehull", "ehull_training_set.csv", 24567, 0, 0, ""),
        new("encut", "encut_test_set.csv", 2806, 0, 0, ""),
        new("encut", "encut_training_set.csv", 25250, 0, 0, ""),
        new("eps", "eps_test_set.csv", 2515, 0, 0, ""),
        new("eps", "eps_training_set.csv", 22635, 0, 0, ""),
        new("etc11", "etc11_test_set.csv", 1084, 0, 0, ""),
        new("etc11", "etc11_training_set.csv", 9755, 0, 0, ""),
        new("etc12", "etc12_test_set.csv", 1076, 0, 0, ""),
        new("etc12", "etc12_training_set.csv", 9683, 0, 0, ""),
        new("etc13", "etc13_test_set.csv", 1085, 0, 0, ""),
        new("etc13", "etc13_training_set.csv", 9761, 0, 0, ""),
        new("etc22", "etc22_test_set.csv", 1084, 0, 0, ""),
        new("etc22", "etc22_training_set.csv", 9748, 0, 0, ""),
        new("etc33", "etc33_test_set.csv", 1086, 0, 0, ""),
        new("etc33", "etc33_training_set.csv", 9770, 0, 0, ""),
        new("etc44", "etc44_test_set.csv", 999, 0, 0, ""),
        new("etc44", "etc44_training_set.csv", 8987, 0, 0, ""),
        new("etc55", "etc55_test_set.csv", 976, 0, 0, ""),
        new("etc55", "etc55_training_set.csv", 8779, 0, 0, ""),
        new("etc66", "etc66_test_set.csv", 974, 0, 0, ""),
        new("etc66", "etc66_training_set.csv", 8765, 0, 0, ""),
        new("exfoliation_energy", "exfoliation_energy_test_set.csv", 56, 0, 0, ""),
        new("exfoliation_energy", "exfoliation_energy_training_set.csv", 501, 0, 0, ""),
        new("expt_bandgap", "expt_bandgap_test_set.csv", 492, 0, 0, ""),
        new("expt_bandgap", "expt_bandgap_training_set.csv", 4428, 0, 0, ""),
        new("expt_deltae", "expt_deltae_test_set.csv", 164, 0, 0, ""),
        new("expt_deltae", "expt_deltae_training_set.csv", 1479, 0, 0, ""),
        new("kaa", "kaa_test_set.csv", 2817, 0, 0, ""),
        new("kaa", "kaa_training_set.csv", 25346, 0, 0, ""),
        new("klu", "klu_test_set.csv", 2818, 0, 0, ""),
        new("klu", "klu_training_set.csv", 25353, 0, 0, ""),
        new("magmom_oszicar", "magmom_oszicar_test_set.csv", 2585, 0, 0, ""),
        new("magmom_oszicar", "magmom_oszicar_training_set.csv", 23259, 0, 0, ""),
        new("magmom_outcar", "magmom_outcar_test_set.csv", 2536, 0, 0, ""),
        new("magmom_outcar", "magmom_outcar_training_set.csv", 22821, 0, 0, ""),
        new("max_ir_mode", "max_ir_mode_test_set.csv", 231, 0, 0, ""),
        new("max_ir_mode", "max_ir_mode_training_set.csv", 2071, 0, 0, ""),
        new("max_mode", "max_mode_test_set.csv", 1097, 0, 0, ""),
        new("max_mode", "max_mode_training_set.csv", 9866, 0, 0, ""),
        new("mbj_bandgap", "mbj_bandgap_test_set.csv", 730, 0, 0, ""),
        new("mbj_bandgap", "mbj_bandgap_training_set.csv", 6566, 1, 0, ""),
        new("meps", "meps_test_set.csv", 1135, 0, 0, ""),
        new("meps", "meps_training_set.csv", 10214, 2, 0, ""),
        new("min_ir_mode", "min_ir_mode_test_set.csv", 227, 0, 0, ""),
        new("min_ir_mode", "min_ir_mode_training_set.csv", 2041, 0, 0, ""),
        new("min_mode", "min_mode_test_set.csv", 1093, 0, 0, ""),
        new("min_mode", "min_mode_training_set.csv", 9837, 0, 0, ""),
        new("nem300k", "nem300k_test_set.csv", 1625, 0, 0, ""),
        new("nem300k", "nem300k_training_set.csv", 14625, 0, 0, ""),
        new("npowerfact", "npowerfact_test_set.csv", 1677, 0, 0, ""),
        new("npowerfact", "npowerfact_training_set.csv", 15086, 0, 0, ""),
        new("nseebeck", "nseebeck_test_set.csv", 1415, 0, 0, ""),
        new("nseebeck", "nseebeck_training_set.csv", 12729, 0, 0, ""),
        new("optb88vdw_bandgap", "optb88vdw_bandgap_test_set.csv", 2816, 0, 0, ""),
        new("optb88vdw_bandgap", "optb88vdw_bandgap_training_set.csv", 25339, 0, 0, ""),
        new("pem300k", "pem300k_test_set.csv", 1625, 0, 0, ""),
        new("pem300k", "pem300k_training_set.csv", 14625, 0, 0, ""),
        new("piezo_max_di", "piezo_max_di_test_set.csv", 213, 0, 0, ""),
        new("piezo_max_di", "piezo_max_di_training_set.csv", 1913, 0, 0, ""),
        new("piezo_max_diel", "piezo_max_diel_test_set.csv", 213, 0, 0, ""),
        new("piezo_max_diel", "piezo_max_diel_training_set.csv", 1913, 0, 0, ""),
        new("piezo_max_diio", "piezo_max_diio_test_set.csv", 213, 0, 0, ""),
        new("piezo_max_diio", "piezo_max_diio_training_set.csv", 1913, 0, 0, ""),
        new("piezo_max_dij", "piezo_max_dij_test_set.csv", 69, 0, 0, ""),
        new("piezo_max_dij", "piezo_max_dij_training_set.csv", 620, 0, 0, ""),
        new("piezo_max_eij", "piezo_max_eij_test_set.csv", 113, 0, 0, ""),
        new("piezo_max_eij", "piezo_max_eij_training_set.csv", 1010, 0, 0, ""),
        new("ppowerfact", "ppowerfact_test_set.csv", 1676, 0, 0, ""),
        new("ppowerfact", "ppowerfact_training_set.csv", 15084, 0, 0, ""),
        new("pseebeck", "pseebeck_test_set.csv", 1444, 0, 0, ""),
        new("pseebeck", "pseebeck_training_set.csv", 12995, 0, 0, ""),
        new("sample", "sample_test_set.csv", 56, 0, 0, ""),
        new("sample", "sample_train_set.csv", 451, 0, 0, ""),
        new("sample", "sample_validation_set.csv", 50, 0, 0, ""),
        new("shearmodulusgv", "shearmodulusgv_test_set.csv", 1021, 0, 0, ""),
        new("shearmodulusgv", "shearmodulusgv_training_set.csv", 9188, 0, 0, ""),
        new("slme", "slme_test_set.csv", 301, 0, 0, ""),
        new("slme", "slme_training_set.csv", 2705, 0, 0, ""),
        new("spillage", "spillage_test_set.csv", 387, 0, 0, ""),
        new("spillage", "spillage_training_set.csv", 3479, 0, 0, ""),
    ];

    private static string FirstUnsupportedElement(string formula)
    {
        var fractions = new float[ElementalFractions.Width];
        ElementalFractions.TryCompute(FormulaParser.Parse(formula), fractions, out var element);
        return element ?? "(none)";
    }

    [Test]
    public void JarvisFolder_EverySet_HasATrainingAndATestFileNamedAfterIt()
    {
        var root = TestFiles.Jarvis();
        var folders = Directory.GetDirectories(root).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.That(folders, Has.Length.EqualTo(42), "the paper's 41 sets and sample");
        Assert.That(File.Exists(Path.Combine(root, "COPYRIGHT")), Is.True);

        foreach (var folder in folders.Where(f => f != "sample"))
        {
            var files = Directory.GetFiles(Path.Combine(root, folder!)).Select(Path.GetFileName).Order(StringComparer.Ordinal);
            Assert.That(files, Is.EqualTo(new[] { $"{folder}_test_set.csv", $"{folder}_training_set.csv" }).AsCollection, folder);
        }
        var sample = Directory.GetFiles(Path.Combine(root, "sample")).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.That(sample, Is.EqualTo(new[] { "sample_test_set.csv", "sample_train_set.csv", "sample_validation_set.csv" }).AsCollection);

        var listed = Files.Select(f => $"{f.Folder}/{f.File}").Order(StringComparer.Ordinal);
        var present = folders.SelectMany(f => Directory.GetFiles(Path.Combine(root, f!), "*.csv").Select(p => $"{f}/{Path.GetFileName(p)}"))
            .Order(StringComparer.Ordinal);
        Assert.That(listed, Is.EqualTo(present).AsCollection, "every file has a row in the table");
    }

    [TestCaseSource(nameof(Files))]
    public void ElementalFractions_JarvisFile_SkipsExactlyTheDocumentedRows(JarvisFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var table = MaterialsCsv.Read(TestFiles.Jarvis(file.Folder, file.File));
        var data = Featurizer.ElementalFractions(table, new FeaturizerOptions { MinElements = 2 });

        var invalid = data.Skipped.Count(s => s.Kind == SkipKind.InvalidFormula);
        var single = data.Skipped.Count(s => s.Kind == SkipKind.TooFewElements);
        var unsupported = string.Join(", ", data.Skipped
            .Where(s => s.Kind == SkipKind.UnsupportedElement)
            .GroupBy(s => FirstUnsupportedElement(s.Formula))
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} {g.Count()}"));
        var actual = file with { Rows = table.Records.Count, Invalid = invalid, SingleElement = single, Unsupported = unsupported };
        TestContext.Out.WriteLine(
            $"new(\"{actual.Folder}\", \"{actual.File}\", {actual.Rows}, {actual.Invalid}, {actual.SingleElement}, \"{actual.Unsupported}\"),");
        foreach (var row in data.Skipped.Where(s => s.Kind == SkipKind.InvalidFormula))
        {
            TestContext.Out.WriteLine($"  line {row.Line}: {row.Reason}");
        }

        Assert.That(actual, Is.EqualTo(file));
        Assert.That(data.Count + data.Skipped.Count, Is.EqualTo(table.Records.Count));
    }

    /// <summary>
    /// The only rows of all 85 files that do not parse: three formulas a spreadsheet turned into
    /// dates in the source (FeB2 and FeB3 read as "Feb 2", "Feb 3"), kept as the source has them.
    /// </summary>
    [Test]
    public void ElementalFractions_JarvisFiles_OnlyTheSpreadsheetDatesAreInvalid()
    {
        var invalid = Files
            .Where(f => f.Invalid > 0)
            .SelectMany(f => Featurizer.ElementalFractions(MaterialsCsv.Read(TestFiles.Jarvis(f.Folder, f.File))).Skipped
                .Select(s => $"{f.Folder}/{f.File} line {s.Line}: {s.Formula}"));

        Assert.That(invalid, Is.EqualTo(new[]
        {
            "mbj_bandgap/mbj_bandgap_training_set.csv line 3934: 2-Feb",
            "meps/meps_training_set.csv line 5942: 2-Feb",
            "meps/meps_training_set.csv line 6526: 3-Feb",
        }).AsCollection);
    }
}
