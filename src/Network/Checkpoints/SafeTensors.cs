using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace CrossPropertyILGPU.Network.Checkpoints;

/// <summary>One F32 tensor of a safetensors file.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Data">Row-major values.</param>
public sealed record NamedTensor(string Name, int[] Shape, float[] Data);

/// <summary>
/// The safetensors format (huggingface/safetensors), F32 only: an 8-byte little-endian header
/// length N, N bytes of UTF-8 JSON <c>{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, …,
/// "__metadata__": {string: string}}</c>, then the raw little-endian tensor bytes, offsets relative
/// to the end of the header. Files written here load in PyTorch (<c>safetensors.torch.load_file</c>),
/// candle and the Hugging Face tools; reading checks every offset so a truncated or foreign file is
/// reported, never half-loaded.
/// </summary>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";

    /// <summary>Writes <paramref name="tensors"/> (in order) and <paramref name="metadata"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var tensor in tensors)
            {
                var expected = tensor.Shape.Aggregate(1L, (a, d) => a * d);
                if (expected != tensor.Data.Length || tensor.Shape.Any(d => d < 0))
                {
                    throw new ArgumentException($"Tensor '{tensor.Name}' has shape [{string.Join(", ", tensor.Shape)}] but {tensor.Data.Length} values.", nameof(tensors));
                }
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (var d in tensor.Shape)
                {
                    json.WriteNumberValue(d);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + 4L * tensor.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += 4L * tensor.Data.Length;
            }
            json.WriteEndObject();
        }
        // The format allows padding the header with spaces; align the data to 8 bytes as the reference writer does.
        while (header.Length % 8 != 0)
        {
            header.WriteByte((byte)' ');
        }

        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        file.Write(length);
        header.Position = 0;
        header.CopyTo(file);
        foreach (var tensor in tensors)
        {
            var bytes = new byte[4 * tensor.Data.Length];
            for (var i = 0; i < tensor.Data.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), tensor.Data[i]);
            }
            file.Write(bytes);
        }
        // On disk before the caller renames it into place: a crash leaves the old file or the new one, never half of one.
        file.Flush(flushToDisk: true);
    }

    /// <summary>Reads every tensor and the metadata of <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is truncated, not safetensors, or holds a non-F32 tensor.</exception>
    public static (IReadOnlyList<NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8)
        {
            throw new InvalidDataException($"{path}: {bytes.Length} bytes is too short for a safetensors file (truncated?).");
        }
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8))
        {
            throw new InvalidDataException($"{path}: header length {headerLength} exceeds the file's {bytes.Length - 8} remaining bytes (truncated or not a safetensors file).");
        }
        var dataStart = 8 + (int)headerLength;
        var dataLength = bytes.Length - dataStart;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the header is not valid JSON ({e.Message}).", e);
        }
        using (document)
        {
            var tensors = new List<(long Begin, NamedTensor Tensor)>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    foreach (var entry in property.Value.EnumerateObject())
                    {
                        metadata[entry.Name] = entry.Value.GetString() ?? "";
                    }
                    continue;
                }
                tensors.Add(ReadTensor(path, property, bytes.AsSpan(dataStart), dataLength));
            }
            return (tensors.OrderBy(t => t.Begin).Select(t => t.Tensor).ToList(), metadata);
        }
    }

    private static (long, NamedTensor) ReadTensor(string path, JsonProperty property, ReadOnlySpan<byte> data, int dataLength)
    {
        var name = property.Name;
        try
        {
            var dtype = property.Value.GetProperty("dtype").GetString();
            if (dtype != "F32")
            {
                throw new InvalidDataException($"{path}: tensor '{name}' has dtype {dtype}; only F32 is supported.");
            }
            var shape = property.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var count = shape.Aggregate(1L, (a, d) => a * d);
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength || offsets[1] - offsets[0] != 4 * count)
            {
                throw new InvalidDataException(
                    $"{path}: tensor '{name}' [{string.Join(", ", shape)}] has data_offsets [{string.Join(", ", offsets)}] outside the {dataLength} data bytes (truncated?).");
            }
            var values = new float[count];
            var source = data.Slice((int)offsets[0], (int)(offsets[1] - offsets[0]));
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(4 * i));
            }
            return (offsets[0], new NamedTensor(name, shape, values));
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: tensor '{name}' has a malformed header entry ({e.Message}).", e);
        }
    }
}
