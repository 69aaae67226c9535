using System.Globalization;
using System.Runtime.InteropServices;
using CrossPropertyILGPU.Network.Checkpoints;
using CrossPropertyILGPU.Network.Spec;
using CrossPropertyILGPU.Transfer.Training;
using Google.Protobuf;

namespace CrossPropertyILGPU.Transfer.Export;

/// <summary>
/// Writes a saved model as an ONNX model (opset 13, IR version 8) for other runtimes: input
/// <c>features</c> [batch, width] — the model's input features before its input scaling — and
/// output <c>prediction</c> [batch, 1] in target units. The graph is the inference network:
/// Sub and Div for a stored input scaling, one Gemm per dense layer (weights [in, out], so no
/// transpose) with Relu where the layer has one, then Mul and Add for the target scaling; dropout is
/// off at inference and left out. Featurising formulas stays outside the graph; the metadata names
/// the feature kind and columns. No ONNX library is served for .NET, so the messages are encoded
/// here with Google.Protobuf's wire writer, field numbers from onnx.proto.
/// </summary>
public static class OnnxExport
{
    /// <summary>ONNX IR version written.</summary>
    public const long IrVersion = 8;

    /// <summary>Default-domain opset written.</summary>
    public const long Opset = 13;

    /// <summary>Name of the graph's input.</summary>
    public const string InputName = "features";

    /// <summary>Name of the graph's output.</summary>
    public const string OutputName = "prediction";

    /// <summary>Writes the model at <paramref name="modelPath"/> (run folder, model.json or model.safetensors) to <paramref name="outputPath"/>.</summary>
    /// <returns>The op types of the graph's nodes, in order.</returns>
    public static IReadOnlyList<string> Write(string modelPath, string outputPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        var manifestPath = MaterialsModel.ResolveManifest(modelPath);
        if (!File.Exists(manifestPath))
        {
            throw new OptionException("Model", modelPath, $"no model.json at {manifestPath}.");
        }
        var manifest = ModelManifest.Load(manifestPath);
        // Sizes, shapes and hash first; then the weights are read once on the host (the graph is written from them).
        var files = ModelFiles.Check(manifestPath, manifest);
        Data.MemoryBudget.EnsureHost(files.WeightsPath, checked(4 * 3 * files.Parameters), $"exporting {manifest.Architecture}");
        var layers = files.Layers;
        var (tensors, _) = SafeTensors.Read(files.WeightsPath);
        var byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);

        var graph = new Message();
        var nodes = new List<string>();
        var initializers = new List<byte[]>();
        var current = InputName;
        void Node(string op, string output, params string[] inputs)
        {
            var node = new Message();
            foreach (var input in inputs)
            {
                node.String(1, input);
            }
            node.String(2, output);
            node.String(3, output);
            node.String(4, op);
            graph.Bytes(1, node.ToArray());
            nodes.Add(op);
            current = output;
        }

        if (manifest.ReadInputScaler(manifestPath) is not null)
        {
            initializers.Add(Tensor("input_offset", [manifest.InputWidth], [.. manifest.InputOffsets!.Select(v => (float)v)]));
            initializers.Add(Tensor("input_scale", [manifest.InputWidth], [.. manifest.InputScales!.Select(v => (float)v)]));
            Node("Sub", "centred_input", current, "input_offset");
            Node("Div", "scaled_input", current, "input_scale");
        }
        var dense = 0;
        foreach (var layer in layers)
        {
            switch (layer)
            {
                case DenseSpec spec:
                    var weight = Weight(byName, $"dense.{dense}.weight");
                    var bias = Weight(byName, $"dense.{dense}.bias");
                    initializers.Add(Tensor(weight.Name, [.. weight.Shape.Select(d => (long)d)], weight.Data));
                    initializers.Add(Tensor(bias.Name, [.. bias.Shape.Select(d => (long)d)], bias.Data));
                    var name = string.Create(CultureInfo.InvariantCulture, $"dense_{dense}");
                    Node("Gemm", name, current, weight.Name, bias.Name);
                    if (spec.Relu)
                    {
                        Node("Relu", name + "_relu", current);
                    }
                    dense++;
                    break;
                default:
                    break; // dropout: identity at inference
            }
        }
        initializers.Add(Tensor("target_scale", [1], [(float)manifest.TargetScale]));
        initializers.Add(Tensor("target_offset", [1], [(float)manifest.TargetOffset]));
        Node("Mul", "scaled_prediction", current, "target_scale");
        Node("Add", OutputName, current, "target_offset");

        graph.String(2, "elemnet");
        foreach (var initializer in initializers)
        {
            graph.Bytes(5, initializer);
        }
        graph.Bytes(11, ValueInfo(InputName, manifest.InputWidth));
        graph.Bytes(12, ValueInfo(OutputName, 1));

        var model = new Message();
        model.Int64(1, IrVersion);
        model.String(2, "CrossPropertyILGPU");
        model.String(3, typeof(OnnxExport).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
        model.Bytes(7, graph.ToArray());
        var opset = new Message();
        opset.String(1, "");
        opset.Int64(2, Opset);
        model.Bytes(8, opset.ToArray());
        var columns = manifest.FeatureKind switch
        {
            Data.FeatureKind.ElementalFractions => string.Join(",", manifest.Elements ?? []),
            Data.FeatureKind.PhysicalAttributes => string.Join(",", manifest.FeatureNames ?? []),
            _ => manifest.FeatureFile ?? "",
        };
        foreach (var (key, value) in new[] { ("target", manifest.TargetName), ("feature_kind", manifest.FeatureKind.ToName()), ("feature_columns", columns), ("architecture", manifest.Architecture) })
        {
            var entry = new Message();
            entry.String(1, key);
            entry.String(2, value);
            model.Bytes(14, entry.ToArray());
        }
        // Beside and renamed into place; a failed write leaves the old file, and no temporary.
        Data.CsvOutput.WriteBytesAtomically(outputPath, model.ToArray());
        return nodes;
    }

    private static NamedTensor Weight(Dictionary<string, NamedTensor> tensors, string name) =>
        tensors.TryGetValue(name, out var tensor) ? tensor : throw new UsageException($"The weights file lacks '{name}'.");

    // TensorProto: dims (1), data_type (2; 1 = FLOAT), name (8), raw_data (9, little-endian).
    private static byte[] Tensor(string name, long[] dims, float[] data)
    {
        var tensor = new Message();
        foreach (var d in dims)
        {
            tensor.Int64(1, d);
        }
        tensor.Int64(2, 1);
        tensor.String(8, name);
        tensor.Bytes(9, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
        return tensor.ToArray();
    }

    // ValueInfoProto { name (1), type (2): TypeProto { tensor_type (1): { elem_type (1), shape (2):
    // TensorShapeProto { dim (1): batch as dim_param (2), width as dim_value (1) } } } }.
    private static byte[] ValueInfo(string name, int width)
    {
        var batch = new Message();
        batch.String(2, "batch");
        var columns = new Message();
        columns.Int64(1, width);
        var shape = new Message();
        shape.Bytes(1, batch.ToArray());
        shape.Bytes(1, columns.ToArray());
        var tensorType = new Message();
        tensorType.Int64(1, 1);
        tensorType.Bytes(2, shape.ToArray());
        var type = new Message();
        type.Bytes(1, tensorType.ToArray());
        var info = new Message();
        info.String(1, name);
        info.Bytes(2, type.ToArray());
        return info.ToArray();
    }

    /// <summary>One protobuf message being written: fields in the order given.</summary>
#pragma warning disable CA1001 // A MemoryStream holds no unmanaged resource; the writer only wraps it.
    private sealed class Message
    {
        private readonly MemoryStream _buffer = new();
        private readonly CodedOutputStream _output;

        public Message() => _output = new CodedOutputStream(_buffer, leaveOpen: true);

        public void Int64(int field, long value)
        {
            _output.WriteTag(field, WireFormat.WireType.Varint);
            _output.WriteInt64(value);
        }

        public void String(int field, string value)
        {
            _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            _output.WriteString(value);
        }

        public void Bytes(int field, byte[] value)
        {
            _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            _output.WriteBytes(ByteString.CopyFrom(value));
        }

        public byte[] ToArray()
        {
            _output.Flush();
            return _buffer.ToArray();
        }
    }
#pragma warning restore CA1001
}
