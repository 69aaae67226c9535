using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network.Checkpoints;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Export;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;
using Google.Protobuf;

namespace CrossPropertyILGPU.Transfer.Tests.Export;

/// <summary>
/// The ONNX file's structure, decoded field by field (onnx.proto numbers). That ONNX Runtime runs
/// it and matches the engine is checked by the optional tests/optional/CrossPropertyILGPU.Onnx.Tests.
/// </summary>
public sealed class OnnxExportTests : ScratchTests
{
    // The fields of one message: number → raw values (varints as long, length-delimited as bytes).
    private static ILookup<int, object> Fields(byte[] message)
    {
        var fields = new List<(int, object)>();
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            object value = WireFormat.GetTagWireType(tag) switch
            {
                WireFormat.WireType.Varint => input.ReadInt64(),
                WireFormat.WireType.LengthDelimited => input.ReadBytes().ToByteArray(),
                var other => throw new AssertionException($"unexpected wire type {other} in field {number}"),
            };
            fields.Add((number, value));
        }
        return fields.ToLookup(f => f.Item1, f => f.Item2);
    }

    private static string Text(object value) => System.Text.Encoding.UTF8.GetString((byte[])value);

    [Test]
    public void Write_StandardisedModel_GemmPerDenseLayerWithItsWeightsAndTheScalings()
    {
        var run = TrainingRun.Run(new TrainRunOptions
        {
            TrainPaths = [TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv")],
            Architecture = "8x2D-4x1-1",
            InputScaling = InputScaling.Standard,
            MaxEpochs = 1,
            Device = DeviceKind.Cpu,
            OutputDirectory = Path.Combine(Scratch.FullName, "run"),
        }, TextWriter.Null);
        var path = Path.Combine(Scratch.FullName, "model.onnx");

        var ops = OnnxExport.Write(run.OutputDirectory, path);

        string[] expected = ["Sub", "Div", "Gemm", "Relu", "Gemm", "Relu", "Gemm", "Relu", "Gemm", "Mul", "Add"];
        Assert.That(ops, Is.EqualTo(expected).AsCollection);
        var model = Fields(File.ReadAllBytes(path));
        Assert.That(model[1].Single(), Is.EqualTo(OnnxExport.IrVersion));
        Assert.That(Fields((byte[])model[8].Single())[2].Single(), Is.EqualTo(OnnxExport.Opset));
        var graph = Fields((byte[])model[7].Single());
        Assert.That(graph[1].Select(n => Text(Fields((byte[])n)[4].Single())), Is.EqualTo(expected).AsCollection);
        var nodes = graph[1].Select(n => Fields((byte[])n)).ToArray();
        Assert.That(nodes[0][1].Select(Text).First(), Is.EqualTo(OnnxExport.InputName));
        Assert.That(Text(nodes[^1][2].Single()), Is.EqualTo(OnnxExport.OutputName));
        for (var i = 1; i < nodes.Length; i++)
        {
            Assert.That(Text(nodes[i][1].First()), Is.EqualTo(Text(nodes[i - 1][2].Single())), "each node reads the previous one's output");
        }

        // Every dense tensor is stored with its safetensors shape and bytes.
        var initializers = graph[5].Select(t => Fields((byte[])t)).ToDictionary(t => Text(t[8].Single()));
        var (tensors, _) = SafeTensors.Read(Path.Combine(run.OutputDirectory, "model.safetensors"));
        Assert.That(tensors, Has.Count.EqualTo(8));
        foreach (var tensor in tensors)
        {
            var stored = initializers[tensor.Name];
            Assert.That(stored[1].Cast<long>(), Is.EqualTo(tensor.Shape.Select(d => (long)d)).AsCollection, tensor.Name);
            Assert.That(stored[2].Single(), Is.EqualTo(1L), "FLOAT");
            var bytes = (byte[])stored[9].Single();
            Assert.That(bytes, Is.EqualTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.Data.AsSpan()).ToArray()).AsCollection, tensor.Name);
        }
        var manifest = ModelManifest.Load(Path.Combine(run.OutputDirectory, "model.json"));
        Assert.That(BitConverter.ToSingle((byte[])initializers["target_scale"][9].Single()), Is.EqualTo((float)manifest.TargetScale));
        Assert.That(BitConverter.ToSingle((byte[])initializers["target_offset"][9].Single()), Is.EqualTo((float)manifest.TargetOffset));
        Assert.That(initializers["input_offset"][1].Single(), Is.EqualTo((long)manifest.InputWidth));
    }

    [Test]
    public void Write_ReplacesAnExistingFileByRename_AndABadOutputLeavesNoTemporary()
    {
        var run = TrainingRun.Run(new TrainRunOptions
        {
            TrainPaths = [TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv")],
            Architecture = "8x1-1",
            MaxEpochs = 1,
            Device = DeviceKind.Cpu,
            OutputDirectory = Path.Combine(Scratch.FullName, "run"),
        }, TextWriter.Null);
        var exports = Path.Combine(Scratch.FullName, "exports");
        Directory.CreateDirectory(exports);
        ReplacedByRename.Check(Path.Combine(exports, "model.onnx"), () => OnnxExport.Write(run.OutputDirectory, Path.Combine(exports, "model.onnx")));

        // A folder, or a folder that does not exist, is named as the user's mistake; no temporary stays beside it.
        var folder = Path.Combine(exports, "a-folder");
        Directory.CreateDirectory(folder);
        Assert.That(Assert.Throws<UsageException>(() => OnnxExport.Write(run.OutputDirectory, folder))!.Message, Does.Contain(folder).And.Contain("is a folder"));
        var missing = Path.Combine(exports, "missing", "model.onnx");
        Assert.That(Assert.Throws<UsageException>(() => OnnxExport.Write(run.OutputDirectory, missing))!.Message, Does.Contain(missing).And.Contain("cannot be created"));
        Assert.That(Directory.GetFileSystemEntries(exports).Select(Path.GetFileName), Is.EquivalentTo(new[] { "model.onnx", "old-model.onnx", "a-folder" }));
    }

    [Test]
    public void Write_MissingModel_IsAUsageErrorAndWritesNothing()
    {
        var path = Path.Combine(Scratch.FullName, "model.onnx");
        Assert.Catch<UsageException>(() => OnnxExport.Write(Path.Combine(Scratch.FullName, "nothing"), path));
        Assert.That(File.Exists(path), Is.False);
    }
}
