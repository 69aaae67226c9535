namespace CrossPropertyILGPU.Kernels.Backends;

/// <summary>
/// A contiguous block of <see cref="float"/> values owned by one <see cref="IComputeBackend"/>:
/// host memory for the reference backend, accelerator memory for ILGPU. Ops never take raw
/// buffers; they take <see cref="BufferView"/> slices, so one flat allocation (parameters,
/// gradients, Adam moments, activations) can be carved into many tensors.
/// </summary>
public abstract class DeviceBuffer : IDisposable
{
    /// <summary>Creates a buffer of <paramref name="length"/> floats owned by <paramref name="owner"/>.</summary>
    protected DeviceBuffer(IComputeBackend owner, int length)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Owner = owner;
        Length = length;
    }

    /// <summary>The backend that allocated this buffer; only it may read or write it.</summary>
    public IComputeBackend Owner { get; }

    /// <summary>Number of floats in the buffer.</summary>
    public int Length { get; }

    /// <summary>True once <see cref="Dispose()"/> has run.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>The whole buffer as a view.</summary>
    public BufferView View => new(this, 0, Length);

    /// <summary>A view of <paramref name="length"/> floats starting at <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie inside the buffer.</exception>
    public BufferView Slice(int offset, int length) => View.Slice(offset, length);

    /// <inheritdoc />
    public void Dispose()
    {
        if (IsDisposed)
        {
            return;
        }
        IsDisposed = true;
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the storage behind the buffer.</summary>
    protected abstract void Dispose(bool disposing);
}

/// <summary>
/// A (buffer, offset, length) window onto a <see cref="DeviceBuffer"/>. Cheap to copy; the range is
/// checked when the view is made, so a kernel never sees an out-of-range view.
/// </summary>
public readonly record struct BufferView
{
    /// <summary>Creates a view; the range must lie inside <paramref name="buffer"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie inside the buffer.</exception>
    public BufferView(DeviceBuffer buffer, int offset, int length)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (offset < 0 || length < 0 || (long)offset + length > buffer.Length)
        {
            throw new ArgumentOutOfRangeException(
                nameof(offset),
                $"View [{offset}, {(long)offset + length}) does not lie inside a buffer of {buffer.Length} floats.");
        }
        Buffer = buffer;
        Offset = offset;
        Length = length;
    }

    /// <summary>The buffer viewed.</summary>
    public DeviceBuffer Buffer { get; }

    /// <summary>Index of the first float of the view inside <see cref="Buffer"/>.</summary>
    public int Offset { get; }

    /// <summary>Number of floats in the view.</summary>
    public int Length { get; }

    /// <summary>One past the last float of the view inside <see cref="Buffer"/>.</summary>
    public int End => Offset + Length;

    /// <summary>A sub-view relative to this view.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie inside this view.</exception>
    public BufferView Slice(int offset, int length)
    {
        if (offset < 0 || length < 0 || (long)offset + length > Length)
        {
            throw new ArgumentOutOfRangeException(
                nameof(offset),
                $"Slice [{offset}, {(long)offset + length}) does not lie inside a view of {Length} floats.");
        }
        return new BufferView(Buffer, Offset + offset, length);
    }

    /// <summary>True when the two views share at least one float of the same buffer.</summary>
    public bool Overlaps(BufferView other) =>
        ReferenceEquals(Buffer, other.Buffer) && Length > 0 && other.Length > 0
        && Offset < other.End && other.Offset < End;

    /// <summary>True when the two views cover exactly the same floats.</summary>
    public bool SameRange(BufferView other) =>
        ReferenceEquals(Buffer, other.Buffer) && Offset == other.Offset && Length == other.Length;

    /// <inheritdoc />
    public override string ToString() => $"[{Offset}, {End}) of {Buffer.Length}";
}
