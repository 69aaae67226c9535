using System.Globalization;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Training;

/// <summary>Deep ensembles: members on one split, the mean and std of their predictions.</summary>
public sealed class EnsembleTests : ScratchTests
{
    private static readonly string Train = TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv");
    private static readonly string Test = TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_test_set.csv");

    private TrainRunOptions Options(string name) => new()
    {
        TrainPaths = [Train],
        TestPath = Test,
        Architecture = "16x1D-1",
        MaxEpochs = 3,
        Patience = 10,
        Device = DeviceKind.Cpu,
        Seed = 11,
        OutputDirectory = Path.Combine(Scratch.FullName, name),
    };

    private static (string[] Header, string[][] Rows) ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        return (lines[0].Split(','), [.. lines.Skip(1).Select(l => l.Split(','))]);
    }

    [Test]
    public void MeanAndStd_AreTheRowWiseMeanAndSampleStandardDeviation()
    {
        float[][] members = [[1f, 5f, -2f], [3f, 5f, 0f], [5f, 5f, 2f]];

        var (mean, std) = Ensemble.MeanAndStd(members);

        Assert.That(mean, Is.EqualTo(new[] { 3f, 5f, 0f }).AsCollection);
        Assert.That(std, Is.EqualTo(new[] { 2f, 0f, 2f }).Within(1e-6f).AsCollection);
    }

    [Test]
    public void ErrorStdCorrelation_IsPearsonOfAbsoluteErrorAndStd()
    {
        float[] targets = [0f, 0f, 0f, 0f];
        float[] predictions = [1f, -2f, 3f, -4f]; // |error| 1, 2, 3, 4

        Assert.That(Ensemble.ErrorStdCorrelation(targets, predictions, [0.1f, 0.2f, 0.3f, 0.4f]), Is.EqualTo(1).Within(1e-9));
        Assert.That(Ensemble.ErrorStdCorrelation(targets, predictions, [4f, 3f, 2f, 1f]), Is.EqualTo(-1).Within(1e-9));
        Assert.That(Ensemble.ErrorStdCorrelation(targets, predictions, [1f, 1f, 1f, 1f]), Is.NaN, "a constant std says nothing");
    }

    [Test]
    public void Run_MembersShareTheSplitDifferInSeedAndTheMeanAndStdAreWritten()
    {
        var summary = Ensemble.Run(Options("ensemble"), 3, TextWriter.Null);

        var folder = summary.OutputDirectory;
        Assert.That(Ensemble.IsEnsemble(folder), Is.True);
        Assert.That(Ensemble.MemberFolders(folder).Select(Path.GetFileName), Is.EqualTo(new[] { "member-1", "member-2", "member-3" }).AsCollection);
        var splits = summary.Members.Select(m => RunFolder.ReadSplits(Path.Combine(m.OutputDirectory, "splits.json"))).ToArray();
        Assert.That(splits.Select(s => s.Validation.Lines), Has.All.EqualTo(splits[0].Validation.Lines).AsCollection, "one validation split");
        Assert.That(summary.Members.Select(m => ModelManifest.Load(Path.Combine(m.OutputDirectory, "model.json")).Training!.Seed),
            Is.EqualTo(new[] { 11, 12, 13 }).AsCollection);

        var (header, rows) = ReadCsv(Path.Combine(folder, "predictions_test.csv"));
        Assert.That(header, Is.EqualTo(new[] { "formula", "exfoliation_energy", "prediction", "std" }).AsCollection);
        var members = summary.Members.Select(m => ReadCsv(Path.Combine(m.OutputDirectory, "predictions_test.csv")).Rows).ToArray();
        float Value(string text) => float.Parse(text, CultureInfo.InvariantCulture);
        for (var i = 0; i < rows.Length; i++)
        {
            var each = members.Select(m => (double)Value(m[i][2])).ToArray();
            var mean = each.Average();
            var std = Math.Sqrt(each.Sum(v => (v - mean) * (v - mean)) / 2);
            Assert.That(rows[i][0], Is.EqualTo(members[0][i][0]));
            Assert.That(Value(rows[i][2]), Is.EqualTo(mean).Within(1e-4 * (1 + Math.Abs(mean))), rows[i][0]);
            Assert.That(Value(rows[i][3]), Is.EqualTo(std).Within(1e-4 * (1 + std)), rows[i][0]);
        }
        Assert.That(rows.Select(r => Value(r[3])), Has.Some.GreaterThan(0f), "different seeds give different members");
        Assert.That(summary.Metrics.Select(m => m.Split), Is.EqualTo(new[] { "train", "validation", "test" }).AsCollection);
        Assert.That(summary.ErrorStdCorrelation.Values, Has.All.InRange(-1.0, 1.0));
        Assert.That(File.Exists(Path.Combine(folder, "parity_test.png")), Is.True);
    }

    [Test]
    public void Run_WithAValidationFile_EveryMemberValidatesOnIt()
    {
        var summary = Ensemble.Run(Options("with-val") with { ValidationPath = Test, TestPath = null }, 2, TextWriter.Null);

        Assert.That(summary.Members.Select(m => m.Metrics.Single(x => x.Split == "validation").Count), Has.All.EqualTo(56));
    }

    [Test]
    public void Run_FewerThanTwoMembers_IsAUsageError() =>
        Assert.Catch<UsageException>(() => Ensemble.Run(Options("one"), 1, TextWriter.Null));
}
