using System.Text;
using CrossPropertyILGPU.Network.Checkpoints;

namespace CrossPropertyILGPU.Cli.Tests.Verbs;

/// <summary>
/// Bad input as a new user produces it. Every case ends with exit code 2 and one line on stderr
/// naming the file and, where there is one, the line, column and value; and an existing run
/// folder given as --out (or --resume) is left exactly as it was.
/// </summary>
public sealed partial class TrainVerbTests
{
    private string _existingScratch = null!;
    private string _existingRun = null!;
    private string _existingTrainFile = null!;

    /// <summary>A finished two-epoch run, trained from a copy of the exfoliation set in a folder of its own.</summary>
    [OneTimeSetUp]
    public void TrainTheExistingRun()
    {
        _existingScratch = Directory.CreateTempSubdirectory("cpilgpu-cli-existing-").FullName;
        _existingTrainFile = Path.Combine(_existingScratch, "train.csv");
        File.Copy(Train, _existingTrainFile);
        _existingRun = Path.Combine(_existingScratch, "run");
        var (code, _, error) = CliRunner.Run("train", "--train", _existingTrainFile, "--arch", "16x1-1", "--max-epochs", "2", "--device", "cpu", "--out", _existingRun);
        Assert.That(code, Is.Zero, error);
    }

    [OneTimeTearDown]
    public void DeleteTheExistingRun() => Directory.Delete(_existingScratch, recursive: true);

    private static readonly string GoodRows = string.Concat(Enumerable.Range(1, 20).Select(i => $"Fe{i}O{i + 1},{i * 0.1:0.0}\n"));

    // Three good rows, then the bad one (line 5 with the header on line 1), then more good rows.
    private static string WithBadRow(string header, string badRow) =>
        $"{header}\nFe2O3,1.5\nNaCl,-2.1\nMgO,-3.0\n{badRow}\n{GoodRows}";

    private static IEnumerable<TestCaseData> BadFiles()
    {
        static TestCaseData Case(string name, string text, string[] args, params string[] expected) =>
            new TestCaseData(text, args, expected).SetName($"Train_BadFile_{name}_ExitsWithCode2NamingThePlace");
        yield return Case("Empty", "", [], "the file is empty");
        yield return Case("HeaderOnly", "formula,target\n", [], "header but no data rows");
        yield return Case("MisnamedFormulaColumn", "formulas,target\n" + GoodRows, [], "no formula column", "did you mean 'formulas'", "--formula-column");
        yield return Case("MisnamedTargetColumn", ",pretty_comp,gap expt\n" + string.Concat(Enumerable.Range(0, 20).Select(i => $"{i},Fe{i + 1}O,{i}\n")), ["--target", "gap_expt"],
            "target column 'gap_expt' not found", "did you mean 'gap expt'");
        yield return Case("NoTargetColumn", "formula\nFe2O3\nNaCl\n", [], "no target column");
        yield return Case("NonNumericTarget", WithBadRow("formula,target", "NaCl,abc"), [], "line 5, column 'target'", "'abc' is not a number");
        yield return Case("DecimalComma", WithBadRow("formula,target", "NaCl,\"1,5\""), [], "line 5, column 'target'", "'1,5' is not a number");
        yield return Case("NaNTarget", WithBadRow("formula,target", "NaCl,NaN"), [], "line 5, column 'target'", "'NaN' is not a finite number");
        yield return Case("InfiniteTarget", WithBadRow("formula,target", "NaCl,-Infinity"), [], "line 5, column 'target'", "'-Infinity' is not a finite number");
        yield return Case("EmptyTarget", WithBadRow("formula,target", "NaCl,"), [], "line 5, column 'target'", "empty");
        yield return Case("ExtraField", WithBadRow("formula,target", "NaCl,1,2"), [], "line 5", "3 fields, but the header has 2");
        yield return Case("DuplicateHeader", "formula,target,target\n" + GoodRows.Replace("\n", ",0\n", StringComparison.Ordinal), [], "line 1, column 'target'", "names 'target' twice (columns 2 and 3)");
        yield return Case("Semicolons", "formula;target\nFe2O3;1,5\nNaCl;-2,1\n", [], "line 1", "'formula;target'", "separated by semicolons");
        yield return Case("Tabs", "formula\ttarget\nFe2O3\t1.5\nNaCl\t-2.1\n", [], "line 1", "separated by tabs");
        yield return Case("UnknownElementStrict", WithBadRow("formula,target", "Xx2O3,1.0"), ["--on-unsupported", "error"], "line 5, column 'formula'", "'Xx2O3'");
        yield return Case("NobleGasStrict", WithBadRow("formula,target", "HeO,1.0"), ["--on-unsupported", "error"], "line 5, column 'formula'", "element 'He'");
        yield return Case("NoUsableFormula", "formula,target\nXx,1\nHe,2\n", [], "no row has a usable formula");
    }

    [TestCaseSource(nameof(BadFiles))]
    public void Train_BadFile_ExitsWithCode2NamingThePlace(string text, string[] args, string[] expected)
    {
        var file = Path.Combine(_scratch, "data.csv");
        File.WriteAllText(file, text);
        var before = Snapshot(_existingRun);
        var (code, _, error) = CliRunner.Run(["train", "--train", file, "--arch", "16x1-1", "--max-epochs", "1", "--device", "cpu", "--out", _existingRun, .. args]);
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput), error);
        AssertOneErrorLine(error, [file, .. expected]);
        Assert.That(Snapshot(_existingRun), Is.EqualTo(before), "the existing run folder is untouched");
    }

    [Test]
    public void Train_ByteOrderMarkAndCrlf_SimplyWork()
    {
        var file = Path.Combine(_scratch, "bom.csv");
        var text = ",pretty_comp,gap expt\r\n" + string.Concat(Enumerable.Range(0, 20).Select(i => $"{i},Fe{i + 1}O{i + 2},{i * 0.1:0.0}\r\n"));
        File.WriteAllBytes(file, [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text)]);
        var run = Path.Combine(_scratch, "run");
        var (code, _, error) = CliRunner.Run("train", "--train", file, "--arch", "16x1-1", "--max-epochs", "1", "--device", "cpu", "--out", run);
        Assert.That(code, Is.Zero, error);
        Assert.That(error, Does.Contain("18 train, 2 validation rows; target 'gap expt'"));
    }

    [Test]
    public void Train_UnknownElementsByDefault_AreListedAndSkipped()
    {
        var file = Path.Combine(_scratch, "mixed.csv");
        File.WriteAllText(file, WithBadRow("formula,target", "Xx2O3,1.0"));
        var (code, _, error) = CliRunner.Run("train", "--train", file, "--arch", "16x1-1", "--max-epochs", "1", "--device", "cpu", "--out", Path.Combine(_scratch, "run"));
        Assert.That(code, Is.Zero, error);
        Assert.That(error, Does.Contain("skipped 1 of 24 rows").And.Contain("line 5: 'Xx2O3'"));
    }

    /// <summary>The training file changed under a run (edited, half-copied): resuming refuses before touching the run.</summary>
    [Test]
    public void Resume_TrainingFileBrokenSince_ExitsWithCode2AndLeavesTheRunAlone()
    {
        var original = File.ReadAllBytes(_existingTrainFile);
        var before = Snapshot(_existingRun);
        try
        {
            File.AppendAllText(_existingTrainFile, "501,NaCl,oops\n");
            var (code, _, error) = CliRunner.Run("train", "--resume", _existingRun, "--max-epochs", "4");
            Assert.That(code, Is.EqualTo(CliApp.InvalidInput), error);
            AssertOneErrorLine(error, [_existingTrainFile, "line 503, column 'exfoliation_energy'", "'oops'"]);
        }
        finally
        {
            File.WriteAllBytes(_existingTrainFile, original);
        }
        Assert.That(Snapshot(_existingRun), Is.EqualTo(before));
    }

    [Test]
    public void ModelFiles_TruncatedOrFromAnotherArchitecture_ExitWithCode2()
    {
        var truncated = CopyOfExistingRun("truncated");
        var weights = Path.Combine(truncated, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);

        var foreign = CopyOfExistingRun("foreign");
        SafeTensors.Write(Path.Combine(foreign, "model.safetensors"),
            [new NamedTensor("dense.0.weight", [86, 8], new float[86 * 8]), new NamedTensor("dense.0.bias", [8], new float[8])]);

        var brokenManifest = CopyOfExistingRun("manifest");
        File.WriteAllText(Path.Combine(brokenManifest, "model.json"), File.ReadAllText(Path.Combine(brokenManifest, "model.json"))[..40]);

        var cases = new (string[] Args, string[] Expected)[]
        {
            (["evaluate", "--model", truncated, "--data", Test], [weights, "truncated"]),
            (["predict", "--model", truncated, "--input", Test], [weights, "truncated"]),
            (["finetune", "--source", truncated, "--train", Train], [weights, "truncated"]),
            (["evaluate", "--model", foreign, "--data", Test], [Path.Combine(foreign, "model.safetensors"), "another architecture"]),
            (["finetune", "--source", foreign, "--train", Train], [Path.Combine(foreign, "model.safetensors"), "another architecture"]),
            (["evaluate", "--model", brokenManifest, "--data", Test], [Path.Combine(brokenManifest, "model.json"), "not a model.json"]),
        };
        foreach (var (args, expected) in cases)
        {
            var newRun = Path.Combine(_scratch, "never");
            var (code, output, error) = CliRunner.Run([.. args, "--device", "cpu", .. args[0] == "finetune" ? new[] { "--out", newRun } : []]);
            Assert.That(code, Is.EqualTo(CliApp.InvalidInput), string.Join(' ', args) + "\n" + error);
            Assert.That(output, Is.Empty, string.Join(' ', args));
            AssertOneErrorLine(error, expected);
            Assert.That(Directory.Exists(newRun), Is.False, "no run folder for a source that cannot be loaded");
        }
    }

    [Test]
    public void Finetune_FeatureWidthDiffersFromTheSource_ExitsWithCode2()
    {
        var features = Path.Combine(_scratch, "layer1.csv");
        var (code, _, error) = CliRunner.Run("extract", "--source", _existingRun, "--layer", "1", "--input", Train, "--output", features, "--device", "cpu");
        Assert.That(code, Is.Zero, error);

        var newRun = Path.Combine(_scratch, "never");
        (code, _, error) = CliRunner.Run("finetune", "--source", _existingRun, "--features", features, "--train", Train, "--device", "cpu", "--out", newRun);
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput), error);
        AssertOneErrorLine(error, [Path.Combine(_existingRun, "model.json"), "86 inputs", "(16 inputs)", features]);
        Assert.That(Directory.Exists(newRun), Is.False);
    }

    private string CopyOfExistingRun(string name)
    {
        var copy = Path.Combine(_scratch, name);
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(_existingRun))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }
        return copy;
    }

    // One error line (rows skipped on the way may be listed before it).
    private static void AssertOneErrorLine(string error, IEnumerable<string> expected)
    {
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToArray();
        Assert.That(lines, Has.Length.EqualTo(1), error);
        foreach (var part in expected)
        {
            Assert.That(lines[0], Does.Contain(part));
        }
    }

    /// <summary>Every file of a folder, by name, with its bytes as Base64 (equal snapshots = nothing changed).</summary>
    private static SortedDictionary<string, string> Snapshot(string folder) =>
        new(Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), f => Convert.ToBase64String(File.ReadAllBytes(f))), StringComparer.Ordinal);
}
