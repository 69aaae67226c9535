using System.Globalization;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network.Checkpoints;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Training;

public sealed class FeatureExtractionTests
{
    private static readonly string Test = TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_test_set.csv");
    private ScratchFolder _scratch = null!;
    private string _run = null!;

    [OneTimeSetUp]
    public void TrainModel()
    {
        _scratch = new ScratchFolder();
        _run = TrainingRun.Run(new TrainRunOptions
        {
            TrainPaths = [TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv")],
            Architecture = "24x2D-16x1-1",
            MaxEpochs = 2,
            Device = DeviceKind.Cpu,
            OutputDirectory = Path.Combine(_scratch.FullName, "run"),
        }, TextWriter.Null).OutputDirectory;
    }

    [OneTimeTearDown]
    public void DeleteScratch() => _scratch.Dispose();

    [Test]
    public void All_WritesOneFilePerHiddenLayerWithItsWidth()
    {
        using var model = MaterialsModel.Load(_run, DeviceKind.Cpu);
        var files = FeatureExtraction.Run(model, Test, [1, 2, 3], Path.Combine(_scratch.FullName, "all"), null, TextWriter.Null);
        Assert.That(files.Select(Path.GetFileName), Is.EqualTo(new[] { "layer_01_24.csv", "layer_02_24.csv", "layer_03_16.csv" }).AsCollection);
        var lines = File.ReadAllLines(files[2]);
        Assert.That(lines, Has.Length.EqualTo(57));
        Assert.That(lines[0], Is.EqualTo("formula," + string.Join(',', Enumerable.Range(0, 16)) + ",exfoliation_energy"));
        Assert.That(lines[1], Does.StartWith("Te2I,"));
        Assert.That(lines.Skip(1).Select(l => l.Split(',')[1..^1].Select(v => float.Parse(v, CultureInfo.InvariantCulture))).SelectMany(v => v), Is.All.GreaterThanOrEqualTo(0f), "after ReLU");
    }

    /// <summary>
    /// The last hidden layer's activations h, times the output layer's weights plus its bias and mapped
    /// to target units, must give the model's predictions: the extracted values are the forward pass.
    /// </summary>
    [Test]
    public void LastHiddenLayer_TimesTheOutputLayer_GivesTheModelsPredictions()
    {
        using var model = MaterialsModel.Load(_run, DeviceKind.Cpu);
        var file = FeatureExtraction.Run(model, Test, [3], Path.Combine(_scratch.FullName, "h.csv"), null, TextWriter.Null).Single();
        var weights = SafeTensors.Read(Path.Combine(_run, "model.safetensors")).Tensors.ToDictionary(t => t.Name, t => t.Data);
        var (w, b) = (weights["dense.3.weight"], weights["dense.3.bias"][0]);
        var predictions = model.Predict(Featurizer.ElementalFractions(MaterialsCsv.Read(Test)));
        var rows = File.ReadAllLines(file).Skip(1).ToArray();
        for (var i = 0; i < rows.Length; i++)
        {
            var h = rows[i].Split(',')[1..^1].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var output = b + h.Select((v, j) => v * w[j]).Sum();
            var expected = output * model.Scaler.Scale + model.Scaler.Offset;
            Assert.That(predictions[i], Is.EqualTo(expected).Within(1e-4 * Math.Max(1, Math.Abs(expected))), $"row {i}");
        }
    }

    [TestCase(0)]
    [TestCase(4)]
    public void Layer_OutsideTheHiddenLayers_IsAUsageError(int layer)
    {
        using var model = MaterialsModel.Load(_run, DeviceKind.Cpu);
        var ex = Assert.Catch<UsageException>(() => FeatureExtraction.Run(model, Test, [layer], Path.Combine(_scratch.FullName, "x.csv"), null, TextWriter.Null));
        Assert.That(ex!.Message, Does.Contain("1 to 3"));
    }
}
