using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using CrossPropertyILGPU.Network.Checkpoints;
using CrossPropertyILGPU.Network.Spec;

namespace CrossPropertyILGPU.Network.Tests.Checkpoints;

public sealed class ModelWeightsTests : NetworkTestBase
{
    private static readonly LayerSpec[] Net = [new DenseSpec(6, true), new DropoutSpec(0.8f), new DenseSpec(1, false)];
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("cpilgpu-weights-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void SaveThenLoad_GivesBitIdenticalPredictions()
    {
        var path = Path.Combine(_directory, "model.safetensors");
        var features = Synthetic(20, 4, seed: 1).Features;
        float[] expected;
        using (var model = new Sequential(Backend, 4, Net, maxRows: 8))
        {
            model.InitializeGlorotUniform(seed: 7);
            expected = model.Predict(features, 20);
            ModelWeights.Save(model, path, new Dictionary<string, string> { ["architecture"] = "6x1D-1" });
        }
        using var loaded = new Sequential(Backend, 4, Net, maxRows: 8);
        var metadata = ModelWeights.Load(loaded, path);
        Assert.That(loaded.Predict(features, 20), Is.EqualTo(expected).AsCollection);
        Assert.That(metadata["architecture"], Is.EqualTo("6x1D-1"));
    }

    [Test]
    public void Save_ThatFails_LeavesTheOldFileAndNoTemporary()
    {
        // The final model is written beside and renamed over: a failed write (here: the target is a
        // folder, so the rename fails) leaves whatever was under the real name and no temporary.
        var path = Path.Combine(_directory, "model.safetensors");
        Directory.CreateDirectory(path);
        using var model = new Sequential(Backend, 4, Net, maxRows: 8);
        model.InitializeGlorotUniform(seed: 7);
        Assert.Catch<IOException>(() => ModelWeights.Save(model, path));
        Assert.That(Directory.Exists(path), Is.True);
        Assert.That(Directory.EnumerateFiles(_directory), Is.Empty, "no temporary left behind");
    }

    [Test]
    public void Save_WritesTheSafetensorsLayout()
    {
        var path = Path.Combine(_directory, "model.safetensors");
        using var model = new Sequential(Backend, 4, Net, maxRows: 2);
        model.InitializeGlorotUniform(seed: 8);
        ModelWeights.Save(model, path);

        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength));
        var weight = header.RootElement.GetProperty("dense.0.weight");
        Assert.That(weight.GetProperty("dtype").GetString(), Is.EqualTo("F32"));
        Assert.That(weight.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 4, 6 }).AsCollection);
        var bias = header.RootElement.GetProperty("dense.1.bias");
        Assert.That(bias.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 1 }).AsCollection);
        var offsets = weight.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Assert.That(offsets, Is.EqualTo(new long[] { 0, 4 * 4 * 6 }).AsCollection);
        // The first weight as raw little-endian F32 right after the header.
        var first = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + headerLength));
        Assert.That(first, Is.EqualTo(model.Parameters.DownloadValues()[0]));
        Assert.That(bytes.Length, Is.EqualTo(8 + headerLength + 4 * model.Parameters.Count));
    }

    [Test]
    public void Load_FromAnotherArchitecture_NamesTheMismatch()
    {
        var path = Path.Combine(_directory, "model.safetensors");
        using (var model = new Sequential(Backend, 4, Net, maxRows: 2))
        {
            ModelWeights.Save(model, path);
        }
        using var wider = new Sequential(Backend, 5, Net, maxRows: 2);
        var ex = Assert.Throws<InvalidDataException>(() => ModelWeights.Load(wider, path));
        Assert.That(ex!.Message, Does.Contain("dense.0.weight").And.Contain("5×6"));
        using var deeper = new Sequential(Backend, 4, [new DenseSpec(6, true), new DenseSpec(6, true), new DenseSpec(1, false)], maxRows: 2);
        Assert.Throws<InvalidDataException>(() => ModelWeights.Load(deeper, path));
    }

    [Test]
    public void LoadAllButOutputLayer_TakesTheTrunkOfAWiderHead_AndKeepsTheModelsOwnOutputLayer()
    {
        // A three-output source under a one-output model: the hidden layer from the file, the head untouched.
        var path = Path.Combine(_directory, "three.safetensors");
        float[] source;
        using (var three = new Sequential(Backend, 4, [new DenseSpec(6, true), new DropoutSpec(0.8f), new DenseSpec(3, false)], maxRows: 2))
        {
            three.InitializeGlorotUniform(seed: 3);
            source = three.Parameters.DownloadValues();
            ModelWeights.Save(three, path);
        }
        using var one = new Sequential(Backend, 4, Net, maxRows: 2);
        one.InitializeGlorotUniform(seed: 4);
        var before = one.Parameters.DownloadValues();
        ModelWeights.LoadAllButOutputLayer(one, path);
        var after = one.Parameters.DownloadValues();
        var trunk = 4 * 6 + 6;
        Assert.That(after[..trunk], Is.EqualTo(source[..trunk]).AsCollection, "dense.0 from the file");
        Assert.That(after[trunk..], Is.EqualTo(before[trunk..]).AsCollection, "the model's own output layer");
        Assert.Throws<InvalidDataException>(() => ModelWeights.Load(one, path), "a plain load still needs every shape");

        // A trunk of another width is still refused, naming the tensor.
        using var wider = new Sequential(Backend, 4, [new DenseSpec(7, true), new DenseSpec(1, false)], maxRows: 2);
        var ex = Assert.Throws<InvalidDataException>(() => ModelWeights.LoadAllButOutputLayer(wider, path));
        Assert.That(ex!.Message, Does.Contain("dense."));
    }

    [Test]
    public void Load_TruncatedFile_IsRejected()
    {
        var path = Path.Combine(_directory, "model.safetensors");
        using var model = new Sequential(Backend, 4, Net, maxRows: 2);
        ModelWeights.Save(model, path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 10)]);
        var ex = Assert.Throws<InvalidDataException>(() => ModelWeights.Load(model, path));
        Assert.That(ex!.Message, Does.Contain("truncated"));
        File.WriteAllBytes(path, bytes[..5]);
        Assert.Throws<InvalidDataException>(() => ModelWeights.Load(model, path));
    }
}
