using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer.Baselines;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Data;

/// <summary>
/// The TL:FeatExtr path: extract a trained model's hidden layer for the training and test files
/// into one feature CSV, then train a network and a baseline on those features, looked up by formula.
/// </summary>
public sealed class FeatureFileTests
{
    private static readonly string Train = TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv");
    private static readonly string Test = TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_test_set.csv");
    private ScratchFolder _scratch = null!;
    private string _features = null!;

    [OneTimeSetUp]
    public void ExtractFeatures()
    {
        _scratch = new ScratchFolder();
        var source = TrainingRun.Run(new TrainRunOptions
        {
            TrainPaths = [TestFiles.Jarvis("expt_deltae", "expt_deltae_training_set.csv")],
            Architecture = "24x2-12x1-1",
            MaxEpochs = 2,
            Device = DeviceKind.Cpu,
            OutputDirectory = Path.Combine(_scratch.FullName, "source"),
        }, TextWriter.Null).OutputDirectory;
        using var model = MaterialsModel.Load(source, DeviceKind.Cpu);
        _features = FeatureExtraction.Run(model, [Train, Test], [3], Path.Combine(_scratch.FullName, "layer3.csv"), null, TextWriter.Null).Single();
    }

    [OneTimeTearDown]
    public void DeleteScratch() => _scratch.Dispose();

    [Test]
    public void Load_ReadsEveryDistinctFormulaWithItsWidth()
    {
        var file = FeatureFile.Load(_features);
        Assert.That(file.Width, Is.EqualTo(12));
        var formulas = MaterialsCsv.Read(Train).Records.Concat(MaterialsCsv.Read(Test).Records).Select(r => r.Formula).Distinct().Count();
        Assert.That(file.Count, Is.EqualTo(formulas));
    }

    [Test]
    public void Train_OnExtractedFeatures_RecordsTheFeatureFileAndReloads()
    {
        var run = TrainingRun.Run(new TrainRunOptions
        {
            TrainPaths = [Train],
            TestPath = Test,
            Features = _features,
            Architecture = "16x1-1",
            MaxEpochs = 3,
            Device = DeviceKind.Cpu,
            OutputDirectory = Path.Combine(_scratch.FullName, "dl-featextr"),
        }, TextWriter.Null);
        Assert.That(run.Metrics.Single(m => m.Split == "test").Count, Is.EqualTo(56));
        var manifest = ModelManifest.Load(Path.Combine(run.OutputDirectory, "model.json"));
        Assert.That((manifest.FeatureKind.ToName(), manifest.InputWidth, manifest.FeatureFile), Is.EqualTo(("file", 12, _features)));

        using var model = MaterialsModel.Load(run.OutputDirectory, DeviceKind.Cpu);
        var evaluated = Evaluation.Evaluate(model, Test, null, null, TextWriter.Null);
        Assert.That(evaluated.Mae, Is.EqualTo(run.Metrics.Single(m => m.Split == "test").Mae).Within(1e-9));
        Assert.Catch<UsageException>(() => model.Predict(["Xe2F4O"]), "a formula the feature file lacks");
    }

    [Test]
    public void Baseline_OnExtractedFeatures_Runs()
    {
        var summary = BaselineRun.Run(new BaselineRunOptions { TrainPath = Train, TestPath = Test, Features = _features, Model = BaselineModel.GradientBoosting }, TextWriter.Null);
        var test = summary.Metrics.Single(m => m.Split == "test");
        Assert.That(test.Count, Is.EqualTo(56));
        Assert.That(double.IsFinite(test.Mae), Is.True);
    }

    [Test]
    public void Featurize_FormulaMissingFromTheFile_IsSkippedWithAReason()
    {
        var table = new MaterialsTable("t.csv", "formula", "target", [new MaterialsRecord(2, "Te2I", 1f), new MaterialsRecord(3, "Xe2F4O", 2f)]);
        var data = FeatureFile.Load(_features).Featurize(table);
        Assert.That(data.Count, Is.EqualTo(1));
        Assert.That(data.Skipped.Single().Reason, Does.Contain("not found in the feature file"));
    }

    [Test]
    public void Load_BadFeatureValue_NamesLineColumnAndValue()
    {
        var bad = _scratch.Write("bad.csv", "formula,0,1\nNaCl,0.5,0.25\nMgO,0.1,oops\n");
        var ex = Assert.Throws<DataFileException>(() => FeatureFile.Load(bad));
        Assert.That((ex!.Line, ex.Column, ex.Value), Is.EqualTo(((int?)3, "1", "oops")));
        var unnamed = _scratch.Write("unnamed.csv", "formula,a,b\nNaCl,0.5,0.25\n");
        Assert.Throws<DataFileException>(() => FeatureFile.Load(unnamed));
        Assert.Catch<UsageException>(() => FeatureSource.Resolve(Path.Combine(_scratch.FullName, "missing.csv")));
    }
}
