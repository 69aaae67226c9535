using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Training;

/// <summary>
/// model.json and model.safetensors checked against each other before anything is allocated:
/// sizes in checked arithmetic, tensor shapes from the header alone, the memory the network needs,
/// and the weights' SHA-256 that ties them to their manifest.
/// </summary>
public sealed class ModelFilesTests
{
    private static readonly string Data = TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv");
    private static readonly string ShippedManifest = Path.Combine(TestFiles.RepositoryRoot(), "models", "elemnet-oqmd", "model.json");
    private ScratchFolder _scratch = null!;
    private string _first = null!;
    private string _second = null!;

    [OneTimeSetUp]
    public void TrainTwoRunsOfOneArchitecture()
    {
        _scratch = new ScratchFolder();
        TrainRunOptions Options(string name, int seed) => new()
        {
            TrainPaths = [Data],
            Architecture = "8x1-1",
            MaxEpochs = 1,
            Seed = seed,
            Device = DeviceKind.Cpu,
            OutputDirectory = Path.Combine(_scratch.FullName, name),
        };
        _first = TrainingRun.Run(Options("first", 1), TextWriter.Null).OutputDirectory;
        _second = TrainingRun.Run(Options("second", 2), TextWriter.Null).OutputDirectory;
    }

    [OneTimeTearDown]
    public void DeleteScratch() => _scratch.Dispose();

    // The shipped manifest with another architecture (one dropout block), in a folder of its own.
    private string ManifestWithArchitecture(string name, string architecture)
    {
        var folder = Path.Combine(_scratch.FullName, name);
        Directory.CreateDirectory(folder);
        var json = JsonNode.Parse(File.ReadAllText(ShippedManifest))!;
        json["architecture"] = architecture;
        json["keep_probabilities"] = new JsonArray(0.8);
        var path = Path.Combine(folder, "model.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    // A sparse weights file whose header holds exactly the tensors of the manifest's network: it claims gigabytes and takes none.
    private static void WriteSparseWeights(string manifestPath)
    {
        var manifest = ModelManifest.Load(manifestPath);
        var shapes = Sequential.ParameterShapes(manifest.InputWidth, MaterialsModel.Layers(manifest));
        var json = new StringBuilder("{");
        long offset = 0;
        foreach (var (name, rows, columns) in shapes)
        {
            var bytes = 4L * rows * columns;
            var shape = rows == 1 && name.EndsWith(".bias", StringComparison.Ordinal) ? $"{columns}" : $"{rows},{columns}";
            json.Append($"\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{shape}],\"data_offsets\":[{offset},{offset + bytes}]}},");
            offset += bytes;
        }
        json.Length--;
        json.Append('}');
        var header = Encoding.UTF8.GetBytes(json.ToString());
        using var file = new FileStream(Path.Combine(Path.GetDirectoryName(manifestPath)!, "model.safetensors"), FileMode.Create, FileAccess.Write);
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        file.Write(length);
        file.Write(header);
        file.SetLength(8 + header.Length + offset);
    }

    [Test]
    public void Check_ArchitectureOverOneBuffer_IsAUsageExceptionNamingFileAndArchitecture()
    {
        var path = ManifestWithArchitecture("huge", "1048576x4D-1");
        var e = Assert.Throws<UsageException>(() => ModelFiles.Check(path, ModelManifest.Load(path)));
        Assert.That(e!.Message, Does.Contain(path).And.Contain("1048576x4D-1").And.Contain("parameters"));
    }

    [Test]
    public void CheckMemory_30000x2DUnderA2GiBHeap_IsAUsageExceptionBeforeAnyAllocation()
    {
        var path = ManifestWithArchitecture("large", "30000x2D-1");
        WriteSparseWeights(path);
        var files = ModelFiles.Check(path, ModelManifest.Load(path));
        Assert.That(files.Parameters, Is.GreaterThan(900_000_000L), "the header matches: only memory stands in the way");
        var cpu = new DeviceInfo(DeviceKind.Cpu, "test cpu", 0, 2L << 30, 1, 1, 1, "");
        var e = Assert.Throws<UsageException>(() => ModelFiles.CheckMemory(path, files, 86, cpu, MaterialsModel.InferenceRows, hostBudget: 2L << 30));
        Assert.That(e!.Message, Does.Contain(path).And.Contain("30000x2D-1").And.Contain("GiB of memory"));

        var gpu = cpu with { Kind = DeviceKind.Cuda, MemoryBytes = 8L << 30 };
        e = Assert.Throws<UsageException>(() => ModelFiles.CheckMemory(path, files, 86, gpu, MaterialsModel.InferenceRows, hostBudget: 1L << 40));
        Assert.That(e!.Message, Does.Contain(path).And.Contain("device memory"));
    }

    [Test]
    public void SaveModel_RecordsTheSha256OfTheWrittenWeights()
    {
        var manifest = ModelManifest.Load(Path.Combine(_first, "model.json"));
        Assert.That(manifest.WeightsSha256, Is.EqualTo(ModelFiles.Sha256(Path.Combine(_first, "model.safetensors"))));
        Assert.That(manifest.WeightsSha256, Does.Match("^[0-9a-f]{64}$"));
    }

    [Test]
    public void WeightsOfAnotherRunWithTheSameArchitecture_AreRefusedNamingBothFiles()
    {
        var folder = Path.Combine(_scratch.FullName, "swapped");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(_first, "model.json"), Path.Combine(folder, "model.json"));
        File.Copy(Path.Combine(_second, "model.safetensors"), Path.Combine(folder, "model.safetensors"));

        var e = Assert.Throws<UsageException>(() => MaterialsModel.Load(folder, DeviceKind.Cpu));
        Assert.That(e!.Message, Does.Contain(Path.Combine(folder, "model.safetensors")).And.Contain(Path.Combine(folder, "model.json")).And.Contain("another model"));
        e = Assert.Throws<UsageException>(() => TrainingRun.Run(new TrainRunOptions
        {
            TrainPaths = [Data],
            SourceModel = folder,
            MaxEpochs = 1,
            Device = DeviceKind.Cpu,
            OutputDirectory = Path.Combine(_scratch.FullName, "never"),
        }, TextWriter.Null), "a fine-tuning source is checked the same way");
        Assert.That(e!.Message, Does.Contain("another model"));
        Assert.That(Directory.Exists(Path.Combine(_scratch.FullName, "never")), Is.False);
    }

    [Test]
    public void ManifestSave_ReplacesAnExistingManifestByRename()
    {
        var path = Path.Combine(_scratch.FullName, "saved-model.json");
        var manifest = ModelManifest.Load(Path.Combine(_first, "model.json"));
        ReplacedByRename.Check(path, () => manifest.Save(path));
        Assert.That(File.ReadAllText(path), Is.EqualTo(File.ReadAllText(Path.Combine(_first, "model.json"))));
    }

    [Test]
    public void ManifestWithoutAHash_TheShippedModel_StillLoads()
    {
        Assert.That(ModelManifest.Load(ShippedManifest).WeightsSha256, Is.Null);
        using var model = MaterialsModel.Load(ShippedManifest, DeviceKind.Cpu);
        Assert.That(model.Predict(["Fe2O3"])[0], Is.EqualTo(-1.503057087).Within(1e-5));
    }

    // Every folder under models/ is a source users are told to pass: its weights must be the ones
    // its manifest records, and models/README.md must say how it was made.
    [Test]
    public void ShippedModels_MatchTheirManifests_AndEachHasAReadmeSection()
    {
        var models = Path.Combine(TestFiles.RepositoryRoot(), "models");
        var readme = File.ReadAllText(Path.Combine(models, "README.md"));
        var folders = Directory.EnumerateDirectories(models).Order(StringComparer.Ordinal).ToList();
        Assert.That(folders.Select(Path.GetFileName), Does.Contain("elemnet-oqmd").And.Contain("elemnet-oqmd-bandgap").And.Contain("elemnet-oqmd-volume"));
        foreach (var folder in folders)
        {
            var manifestPath = Path.Combine(folder, "model.json");
            var manifest = ModelManifest.Load(manifestPath);
            // elemnet-oqmd predates recorded hashes (ManifestWithoutAHash_TheShippedModel_StillLoads); every later model has one.
            Assert.That(manifest.WeightsSha256 is not null || Path.GetFileName(folder) == "elemnet-oqmd", Is.True, manifestPath + " records no weights_sha256");
            Assert.DoesNotThrow(() => ModelFiles.Check(manifestPath, manifest), manifestPath);
            Assert.That(readme, Does.Contain($"## `{Path.GetFileName(folder)}/`"), "models/README.md has no section for " + folder);
        }
    }
}
