using System.Globalization;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Training;

/// <summary>Training, predicting and evaluating with several target columns (<c>--target a,b</c>), empty cells unlabelled.</summary>
public sealed class MultiTargetRunTests : ScratchTests
{
    private static readonly string Jarvis = TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv");

    /// <summary>
    /// The exfoliation formulas with two targets: <c>exfoliation</c> (the file's value; every third
    /// row unlabelled) and <c>scaled</c> (value / 100 + 1; every fourth row unlabelled), some rows
    /// labelled for neither, plus an unused column.
    /// </summary>
    private string WriteTwoTargetCsv(string name, int skip, int take)
    {
        var lines = File.ReadAllLines(Jarvis).Skip(1 + skip).Take(take).Select(line => line.Split(',')).ToArray();
        var path = Path.Combine(Scratch.FullName, name);
        using var writer = new StreamWriter(path);
        writer.WriteLine("formula,note,exfoliation,scaled");
        for (var i = 0; i < lines.Length; i++)
        {
            var value = double.Parse(lines[i][2], CultureInfo.InvariantCulture);
            var a = i % 3 == 0 ? "" : value.ToString("R", CultureInfo.InvariantCulture);
            var b = i % 4 == 0 ? "" : (value / 100 + 1).ToString("R", CultureInfo.InvariantCulture);
            writer.WriteLine($"{lines[i][1]},x,{a},{b}");
        }
        return path;
    }

    private TrainRunOptions Options(string train, string test) => new()
    {
        TrainPaths = [train],
        TestPath = test,
        TargetColumn = "exfoliation,scaled",
        Architecture = "32x2D-16x1-2",
        MaxEpochs = 3,
        Patience = 10,
        Device = DeviceKind.Cpu,
        Seed = 11,
        OutputDirectory = Path.Combine(Scratch.FullName, "run"),
    };

    [Test]
    public void Run_TwoTargets_WritesPerTargetFiles_AndTheModelPredictsAndEvaluatesEach()
    {
        var train = WriteTwoTargetCsv("train.csv", skip: 0, take: 300);
        var test = WriteTwoTargetCsv("test.csv", skip: 300, take: 60);
        var summary = TrainingRun.Run(Options(train, test), TextWriter.Null);
        var folder = summary.OutputDirectory;

        var manifest = ModelManifest.Load(Path.Combine(folder, "model.json"));
        Assert.That(manifest.Targets!.Select(t => t.Name), Is.EqualTo(new[] { "exfoliation", "scaled" }).AsCollection);
        Assert.That((manifest.TargetName, manifest.TargetOffset, manifest.TargetScale), Is.EqualTo(("exfoliation", manifest.Targets![0].Offset, manifest.Targets[0].Scale)));
        Assert.That(manifest.Targets[1].Scale, Is.EqualTo(manifest.Targets[0].Scale / 100).Within(manifest.Targets[0].Scale * 1e-2), "each target scaled over its own labelled rows");

        var metricsCsv = File.ReadAllLines(Path.Combine(folder, "metrics.csv"));
        Assert.That(metricsCsv[0], Does.EndWith(",val_mae_exfoliation,val_mae_scaled"));
        Assert.That(metricsCsv[1].Split(','), Has.Length.EqualTo(9));
        Assert.That(summary.Training.History.All(m => m.ValidationMaePerTarget!.Count == 2), Is.True);

        var predictionsCsv = File.ReadAllLines(Path.Combine(folder, "predictions_test.csv"));
        Assert.That(predictionsCsv[0], Is.EqualTo("formula,exfoliation,exfoliation_prediction,scaled,scaled_prediction"));
        Assert.That(predictionsCsv[1].Split(',')[1], Is.Empty, "row 0 is unlabelled for the first target");
        Assert.That(summary.Metrics.Select(m => m.Split), Is.EqualTo(new[]
        {
            "train:exfoliation", "train:scaled", "validation:exfoliation", "validation:scaled", "test:exfoliation", "test:scaled",
        }).AsCollection);
        Assert.That(summary.Metrics.Single(m => m.Split == "test:exfoliation").Count, Is.EqualTo(40), "the 60 rows less every third");

        using var model = MaterialsModel.Load(folder, DeviceKind.Cpu);
        Assert.That(model.Outputs, Is.EqualTo(2));
        var two = model.Predict(["AgCNO", "AlTeI7"]);
        Assert.That(two, Has.Length.EqualTo(4).And.All.Not.NaN);
        var written = float.Parse(predictionsCsv[1].Split(',')[2], CultureInfo.InvariantCulture);
        var firstTest = predictionsCsv[1].Split(',')[0];
        Assert.That(model.Predict([firstTest])[0], Is.EqualTo(written), "the loaded model reproduces the run's prediction");

        var evaluated = Evaluation.EvaluateTargets(model, test, null, null, TextWriter.Null);
        Assert.That(evaluated.Select(m => (m.Split, m.Count)), Is.EqualTo(new[] { ("test.csv:exfoliation", 40), ("test.csv:scaled", 45) }).AsCollection);
        Assert.That(evaluated[0].Mae, Is.EqualTo(summary.Metrics.Single(m => m.Split == "test:exfoliation").Mae).Within(1e-9));

        using var output = new StringWriter();
        Assert.That(Evaluation.Predict(model, test, null, output, TextWriter.Null), Is.EqualTo(60));
        Assert.That(output.ToString().Split('\n')[0].TrimEnd('\r'), Is.EqualTo("formula,exfoliation_prediction,scaled_prediction"));
        Assert.Throws<UsageException>(() => Evaluation.Evaluate(model, test, null, null, TextWriter.Null));
    }

    [Test]
    public void Run_OutputWidthNotTheTargetCount_IsAnOptionError()
    {
        var train = WriteTwoTargetCsv("train.csv", skip: 0, take: 60);
        var error = Assert.Throws<OptionException>(() => TrainingRun.Run(Options(train, train) with { Architecture = "32x1-1" }, TextWriter.Null));
        Assert.That(error!.Option, Is.EqualTo(nameof(TrainRunOptions.Architecture)));
        Assert.That(error.Message, Does.Contain("2 targets"));
        Assert.That(Directory.Exists(Path.Combine(Scratch.FullName, "run")), Is.False, "nothing written");
    }

    [Test]
    public void Csv_SeveralTargetColumns_EmptyCellsAreNaN_AndUnknownColumnsAreNamed()
    {
        var path = WriteTwoTargetCsv("data.csv", skip: 0, take: 12);
        var table = MaterialsCsv.Read(path, targetColumn: "exfoliation, scaled");
        Assert.That(table.TargetColumns, Is.EqualTo(new[] { "exfoliation", "scaled" }).AsCollection);
        Assert.That(table.TargetColumn, Is.EqualTo("exfoliation,scaled"));
        Assert.That(float.IsNaN(table.Records[0].Targets![0]) && float.IsNaN(table.Records[0].Targets![1]), Is.True, "row 0: neither");
        Assert.That(table.Records[1].Targets!.All(float.IsFinite), Is.True);
        var data = DataLoading.Load(path, null, "exfoliation,scaled", requireTargets: true, TextWriter.Null);
        Assert.That((data.Outputs, data.Targets!.Length), Is.EqualTo((2, 2 * data.Count)));
        Assert.Throws<DataFileException>(() => MaterialsCsv.Read(path, targetColumn: "exfoliation,nope"));
        Assert.Throws<DataFileException>(() => MaterialsCsv.Read(path, targetColumn: "scaled,scaled"));
    }

    [Test]
    public void OneTargetVerbs_RefuseSeveralTargets_NamingTheTargetOption()
    {
        var train = WriteTwoTargetCsv("train.csv", skip: 0, take: 40);
        var options = Options(train, train);
        foreach (var run in new Action[]
        {
            () => Ensemble.Run(options, 2, TextWriter.Null),
            () => CrossValidation.Run(options, 2, TextWriter.Null),
            () => Featurization.Run(train, "ef", TextWriter.Null, null, options.TargetColumn, TextWriter.Null),
        })
        {
            var error = Assert.Throws<OptionException>(() => run());
            Assert.That(error!.Option, Is.EqualTo(nameof(TrainRunOptions.TargetColumn)));
        }
        Assert.That(Directory.Exists(options.OutputDirectory), Is.False, "nothing written");
    }
}
