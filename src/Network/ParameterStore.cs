using CrossPropertyILGPU.Autograd;
using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Network;

/// <summary>One parameter tensor's place in the flat store.</summary>
/// <param name="Name">Checkpoint name, e.g. <c>dense.0.weight</c>.</param>
/// <param name="Rows">Rows (in-features for a weight, 1 for a bias).</param>
/// <param name="Columns">Columns (out-features).</param>
/// <param name="Offset">Index of the first float in the flat buffers.</param>
public sealed record ParameterEntry(string Name, int Rows, int Columns, int Offset)
{
    /// <summary>Rows × Columns.</summary>
    public int Length => Rows * Columns;
}

/// <summary>
/// Every trainable float of a model in one flat buffer, with the gradients and Adam's two moments
/// in four buffers of the same layout (llm.c's ParameterTensors): zeroing is one fill, Adam is one
/// launch, a checkpoint is one download, and freezing the first layers is updating only the tail
/// range — parameters are laid out input side first.
/// </summary>
public sealed class ParameterStore : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);

    /// <summary>Lays out <paramref name="shapes"/> (name, rows, columns) in order and allocates the four buffers.</summary>
    public ParameterStore(IComputeBackend backend, IEnumerable<(string Name, int Rows, int Columns)> shapes)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(shapes);
        Backend = backend;
        var entries = new List<ParameterEntry>();
        long offset = 0;
        foreach (var (name, rows, columns) in shapes)
        {
            if (entries.Exists(e => e.Name == name))
            {
                throw new ArgumentException($"Parameter name '{name}' is used twice.", nameof(shapes));
            }
            entries.Add(new ParameterEntry(name, rows, columns, checked((int)offset)));
            offset += (long)rows * columns;
        }
        Count = checked((int)offset);
        Entries = entries;
        Values = backend.Allocate(Count);
        Gradients = backend.Allocate(Count);
        FirstMoment = backend.Allocate(Count);
        SecondMoment = backend.Allocate(Count);
        foreach (var entry in entries)
        {
            _tensors[entry.Name] = new Tensor(
                entry.Name, Values.Slice(entry.Offset, entry.Length), Gradients.Slice(entry.Offset, entry.Length),
                entry.Rows, entry.Columns);
        }
    }

    /// <summary>The backend holding the buffers.</summary>
    public IComputeBackend Backend { get; }

    /// <summary>The tensors in layout order.</summary>
    public IReadOnlyList<ParameterEntry> Entries { get; }

    /// <summary>Total number of parameters.</summary>
    public int Count { get; }

    /// <summary>Parameter values.</summary>
    public DeviceBuffer Values { get; }

    /// <summary>Gradients, same layout.</summary>
    public DeviceBuffer Gradients { get; }

    /// <summary>Adam's first moment, same layout.</summary>
    public DeviceBuffer FirstMoment { get; }

    /// <summary>Adam's second moment, same layout.</summary>
    public DeviceBuffer SecondMoment { get; }

    /// <summary>The tensor of parameter <paramref name="name"/> (values and gradient views).</summary>
    public Tensor Tensor(string name) => _tensors.TryGetValue(name, out var tensor)
        ? tensor
        : throw new KeyNotFoundException($"No parameter named '{name}'.");

    /// <summary>The entry of parameter <paramref name="name"/>.</summary>
    public ParameterEntry Entry(string name) => Entries.FirstOrDefault(e => e.Name == name)
        ?? throw new KeyNotFoundException($"No parameter named '{name}'.");

    /// <summary>All values, downloaded to the host.</summary>
    public float[] DownloadValues()
    {
        var host = new float[Count];
        Backend.Download(Values.View, host);
        return host;
    }

    /// <summary>Replaces all values; resets Adam's moments (a new optimisation starts from these values).</summary>
    public void UploadValues(ReadOnlySpan<float> values)
    {
        Backend.Upload(Values.View, values);
        ResetOptimizerState();
    }

    /// <summary>Zeroes Adam's moments.</summary>
    public void ResetOptimizerState()
    {
        Backend.Fill(FirstMoment.View, 0f);
        Backend.Fill(SecondMoment.View, 0f);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Values.Dispose();
        Gradients.Dispose();
        FirstMoment.Dispose();
        SecondMoment.Dispose();
    }
}
