using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Tests.Shared;
using CrossPropertyILGPU.Transfer;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Export;
using CrossPropertyILGPU.Transfer.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace CrossPropertyILGPU.Onnx.Tests;

/// <summary>An exported model run by ONNX Runtime predicts what the engine predicts.</summary>
public sealed class OnnxExportTests
{
    private static readonly string Test = RepositoryFiles.Jarvis("exfoliation_energy", "exfoliation_energy_test_set.csv");
    private string _scratch = null!;

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("cpilgpu-onnx-").FullName;

    [TearDown]
    public void DeleteScratch() => Directory.Delete(_scratch, recursive: true);

    // The model's predictions beside ONNX Runtime's on the raw (unscaled) features of the same rows.
    private (float[] Ours, float[] Onnx) Compare(string modelPath, string dataPath)
    {
        var onnxPath = Path.Combine(_scratch, "model.onnx");
        OnnxExport.Write(modelPath, onnxPath);
        using var model = MaterialsModel.Load(modelPath, DeviceKind.Cpu);
        var raw = FeatureSource.Resolve(model.Manifest.FeatureKind == "ef" || model.Manifest.FeatureKind == "pa" ? model.Manifest.FeatureKind : model.Manifest.FeatureFile!, new FeaturizerOptions());
        var data = DataLoading.Load(dataPath, null, null, requireTargets: true, TextWriter.Null, raw);
        var ours = model.Predict(DataLoading.Load(dataPath, null, null, requireTargets: true, TextWriter.Null, model.Features));

        using var session = new InferenceSession(onnxPath);
        var input = new DenseTensor<float>(data.Features, [data.Count, data.Width]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxExport.InputName, input)]);
        var output = results.Single(r => r.Name == OnnxExport.OutputName).AsTensor<float>();
        Assert.That(output.Dimensions.ToArray(), Is.EqualTo(new[] { data.Count, 1 }).AsCollection);
        return (ours, output.ToArray());
    }

    private static void AssertClose(float[] ours, float[] onnx)
    {
        Assert.That(onnx, Has.Length.EqualTo(ours.Length));
        for (var i = 0; i < ours.Length; i++)
        {
            Assert.That(onnx[i], Is.EqualTo(ours[i]).Within(1e-5 * Math.Max(1, Math.Abs(ours[i]))), $"row {i}");
        }
    }

    [Test]
    public void ShippedSourceModel_OnnxRuntimeMatchesTheEngineTo1e5()
    {
        var (ours, onnx) = Compare(Path.Combine(RepositoryFiles.Root(), "models", "elemnet-oqmd"),
            RepositoryFiles.Jarvis("expt_deltae", "expt_deltae_test_set.csv"));
        AssertClose(ours, onnx);
    }

    [Test]
    public void StandardisedInputsAndTargets_OnnxRuntimeMatchesTheEngineTo1e5()
    {
        var run = TrainingRun.Run(new TrainRunOptions
        {
            TrainPaths = [RepositoryFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv")],
            Architecture = "32x2D-16x1-1",
            InputScaling = InputScaling.Standard,
            MaxEpochs = 3,
            Device = DeviceKind.Cpu,
            OutputDirectory = Path.Combine(_scratch, "run"),
        }, TextWriter.Null);
        var (ours, onnx) = Compare(run.OutputDirectory, Test);
        AssertClose(ours, onnx);
    }
}
