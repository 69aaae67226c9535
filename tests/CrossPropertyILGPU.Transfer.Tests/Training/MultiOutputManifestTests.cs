using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Training;

/// <summary>model.json with several targets, and single-target files exactly as before.</summary>
public sealed class MultiOutputManifestTests
{
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => Directory.CreateDirectory(_directory = Path.Combine(Path.GetTempPath(), "cpilgpu-manifest-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// The shipped single-target model: it loads as one target made of its single-target fields,
    /// writes back byte for byte (no new member appears in a single-target file), and predicts exactly
    /// what the single scaler over the network predicts (the code path before multi-output models),
    /// matching the independent PyTorch values (<see cref="Facade.ReadmeExampleTests"/>).
    /// </summary>
    [Test]
    public void ShippedModel_LoadsAsOneTarget_RoundTripsByteForByte_AndPredictsAsBefore()
    {
        var path = Path.Combine(TestFiles.RepositoryRoot(), "models", "elemnet-oqmd", "model.json");
        var manifest = ModelManifest.Load(path);
        Assert.That(manifest.Targets, Is.Null);
        var target = manifest.TargetList().Single();
        Assert.That((target.Name, target.Unit, target.Offset, target.Scale, target.TrainMean),
            Is.EqualTo((manifest.TargetName, (string?)null, manifest.TargetOffset, manifest.TargetScale, manifest.TrainTargetMean)));

        var copy = Path.Combine(_directory, "model.json");
        manifest.Save(copy);
        Assert.That(File.ReadAllText(copy).ReplaceLineEndings(), Is.EqualTo(File.ReadAllText(path).ReplaceLineEndings()));

        using var model = MaterialsModel.Load(path, DeviceKind.Cpu);
        Assert.That(model.Outputs, Is.EqualTo(1));
        Assert.That(model.Scalers, Is.EqualTo(new[] { model.Scaler }).AsCollection);
        string[] formulas = ["Fe2O3", "NaCl", "GaAs"];
        var predictions = model.Predict(formulas);
        var features = model.Features.Featurize(new MaterialsTable("(formulas)", "formula", null,
            [.. formulas.Select((f, i) => new MaterialsRecord(i + 1, f, null))]));
        var before = new TargetScaler(manifest.TargetOffset, manifest.TargetScale).Predict(model.Network, features.Features, features.Count);
        Assert.That(predictions, Is.EqualTo(before).AsCollection, "bit for bit the single-target path");
        Assert.That(predictions[0], Is.EqualTo(-1.503057087).Within(1e-5), "Fe2O3 against PyTorch");
    }

    [Test]
    public void SeveralTargets_RoundTrip_AndSingleTargetFilesHaveNoTargetsMember()
    {
        var path = Path.Combine(TestFiles.RepositoryRoot(), "models", "elemnet-oqmd", "model.json");
        var single = ModelManifest.Load(path);
        ModelTarget[] targets =
        [
            new() { Name = "band_gap", Unit = "eV", Offset = 1.5, Scale = 2.0, TrainMean = 1.5 },
            new() { Name = "volume", Unit = null, Offset = 20.0, Scale = 5.0, TrainMean = 20.0 },
        ];
        var multi = single with
        {
            Architecture = "64x2-2",
            KeepProbabilities = [],
            TargetName = "band_gap",
            TargetOffset = 1.5,
            TargetScale = 2.0,
            TrainTargetMean = 1.5,
            Targets = targets,
        };
        var file = Path.Combine(_directory, "multi.json");
        multi.Save(file);
        var text = File.ReadAllText(file);
        Assert.That(text, Does.Contain("\"targets\"").And.Contain("\"unit\": \"eV\"").And.Contain("\"train_mean\""));
        var loaded = ModelManifest.Load(file);
        Assert.That(loaded.TargetList(), Is.EqualTo(targets).AsCollection);
        Assert.That(loaded.TargetScalers(), Is.EqualTo(new[] { new TargetScaler(1.5, 2.0), new TargetScaler(20.0, 5.0) }).AsCollection);

        var singleFile = Path.Combine(_directory, "single.json");
        single.Save(singleFile);
        Assert.That(File.ReadAllText(singleFile), Does.Not.Contain("\"targets\""));
    }
}
