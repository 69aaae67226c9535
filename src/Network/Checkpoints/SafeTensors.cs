using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace CrossPropertyILGPU.Network.Checkpoints;

/// <summary>One F32 tensor of a safetensors file.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Data">Row-major values.</param>
public sealed record NamedTensor(string Name, int[] Shape, float[] Data);

/// <summary>One F32 tensor's entry in a safetensors header: where its bytes are, not the bytes.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Begin">First byte of its data, relative to the end of the header.</param>
/// <param name="End">One past its last byte, relative to the end of the header.</param>
public sealed record TensorEntry(string Name, int[] Shape, long Begin, long End)
{
    /// <summary>Values the tensor holds (the product of <see cref="Shape"/>).</summary>
    public long Count => (End - Begin) / 4;
}

/// <summary>A safetensors file's header, checked against the file's length.</summary>
/// <param name="Tensors">The tensors in data order.</param>
/// <param name="Metadata">The <c>__metadata__</c> strings.</param>
/// <param name="DataStart">Byte offset in the file where the tensor data begins.</param>
public sealed record SafeTensorsHeader(IReadOnlyList<TensorEntry> Tensors, IReadOnlyDictionary<string, string> Metadata, long DataStart);

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

    /// <summary>Headers longer than this are refused unread (the reference implementation's limit is 100 MB).</summary>
    public const int MaxHeaderBytes = 100_000_000;

    /// <summary>
    /// Reads and checks only the header of <paramref name="path"/>: every tensor's name, dtype, shape
    /// and byte range, each range inside the file. No tensor data is read, so a file claiming a huge
    /// tensor costs no more memory than its header.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is truncated, not safetensors, or holds a non-F32 tensor.</exception>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        return ReadHeader(path, file);
    }

    private static SafeTensorsHeader ReadHeader(string path, FileStream file)
    {
        var fileLength = file.Length;
        if (fileLength < 8)
        {
            throw new InvalidDataException($"{path}: {fileLength} bytes is too short for a safetensors file (truncated?).");
        }
        Span<byte> lengthBytes = stackalloc byte[8];
        file.ReadExactly(lengthBytes);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(fileLength - 8))
        {
            throw new InvalidDataException($"{path}: header length {headerLength} exceeds the file's {fileLength - 8} remaining bytes (truncated or not a safetensors file).");
        }
        if (headerLength > MaxHeaderBytes)
        {
            throw new InvalidDataException($"{path}: header length {headerLength} is over the {MaxHeaderBytes} bytes a safetensors header may have (not a safetensors file?).");
        }
        var header = new byte[(int)headerLength];
        file.ReadExactly(header);
        var dataStart = 8 + (long)headerLength;
        var dataLength = fileLength - dataStart;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the header is not valid JSON ({e.Message}).", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: the header is not a JSON object (not a safetensors file?).");
            }
            var tensors = new List<TensorEntry>();
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
                tensors.Add(ReadEntry(path, property, dataLength));
            }
            return new SafeTensorsHeader([.. tensors.OrderBy(t => t.Begin)], metadata, dataStart);
        }
    }

    /// <summary>Reads every tensor and the metadata of <paramref name="path"/>: the header first, then each tensor's bytes straight into its array.</summary>
    /// <exception cref="InvalidDataException">The file is truncated, not safetensors, holds a non-F32 tensor, or a tensor too large for one array.</exception>
    public static (IReadOnlyList<NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        var header = ReadHeader(path, file);
        var tensors = new List<NamedTensor>(header.Tensors.Count);
        foreach (var entry in header.Tensors)
        {
            if (entry.Count > Array.MaxLength)
            {
                throw new InvalidDataException($"{path}: tensor '{entry.Name}' [{string.Join(", ", entry.Shape)}] has {entry.Count} values, more than one array can hold.");
            }
            var values = new float[entry.Count];
            var bytes = MemoryMarshal.AsBytes(values.AsSpan());
            var position = header.DataStart + entry.Begin;
            while (bytes.Length > 0)
            {
                var read = RandomAccess.Read(file.SafeFileHandle, bytes, position);
                if (read == 0)
                {
                    throw new InvalidDataException($"{path}: tensor '{entry.Name}' ends past the end of the file (truncated while reading?).");
                }
                bytes = bytes[read..];
                position += read;
            }
            if (!BitConverter.IsLittleEndian)
            {
                var raw = MemoryMarshal.Cast<float, int>(values.AsSpan());
                BinaryPrimitives.ReverseEndianness(raw, raw);
            }
            tensors.Add(new NamedTensor(entry.Name, entry.Shape, values));
        }
        return (tensors, header.Metadata);
    }

    private static TensorEntry ReadEntry(string path, JsonProperty property, long dataLength)
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
            if (shape.Any(d => d < 0))
            {
                throw new InvalidDataException($"{path}: tensor '{name}' has a negative dimension in [{string.Join(", ", shape)}].");
            }
            long bytes;
            try
            {
                bytes = checked(4 * shape.Aggregate(1L, (a, d) => checked(a * d)));
            }
            catch (OverflowException e)
            {
                throw new InvalidDataException($"{path}: tensor '{name}' [{string.Join(", ", shape)}] claims more values than a file can hold.", e);
            }
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength || offsets[1] - offsets[0] != bytes)
            {
                throw new InvalidDataException(
                    $"{path}: tensor '{name}' [{string.Join(", ", shape)}] has data_offsets [{string.Join(", ", offsets)}] outside the {dataLength} data bytes (truncated?).");
            }
            return new TensorEntry(name, shape, offsets[0], offsets[1]);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: tensor '{name}' has a malformed header entry ({e.Message}).", e);
        }
    }
}
