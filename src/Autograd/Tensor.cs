using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Autograd;

/// <summary>
/// A 2-D tensor handle: <see cref="Rows"/> × <see cref="Columns"/> floats, row-major, in a
/// <see cref="BufferView"/> of some backend's memory, plus an optional gradient of the same shape.
/// Storage is fixed at construction for <see cref="MaxRows"/> rows (the largest batch), so the
/// training loop only changes <see cref="Rows"/> — it never allocates. A tensor does not own its
/// storage: activations are carved from one arena, parameters from the flat parameter store.
/// </summary>
public sealed class Tensor
{
    private BufferView _valueStorage;
    private readonly BufferView _gradientStorage;

    /// <summary>Creates a tensor over preallocated storage for up to <paramref name="maxRows"/> rows.</summary>
    /// <param name="name">For error messages and checkpoints (<c>dense.0.weight</c>, <c>dense.3.out</c>).</param>
    /// <param name="valueStorage">At least maxRows × columns floats.</param>
    /// <param name="gradientStorage">Same size as the values, or null for tensors that need no gradient (inputs, targets).</param>
    /// <param name="maxRows">Largest row count the storage holds.</param>
    /// <param name="columns">Row width.</param>
    public Tensor(string name, BufferView valueStorage, BufferView? gradientStorage, int maxRows, int columns)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        var needed = (long)maxRows * columns;
        if (valueStorage.Length < needed)
        {
            throw new ArgumentException($"Tensor '{name}' needs {needed} floats of value storage, got {valueStorage.Length}.", nameof(valueStorage));
        }
        if (gradientStorage is { } g && g.Length < needed)
        {
            throw new ArgumentException($"Tensor '{name}' needs {needed} floats of gradient storage, got {g.Length}.", nameof(gradientStorage));
        }
        Name = name;
        MaxRows = maxRows;
        Columns = columns;
        Rows = maxRows;
        _valueStorage = valueStorage;
        _gradientStorage = gradientStorage ?? default;
        HasGradient = gradientStorage is not null;
    }

    /// <summary>Name used in messages and checkpoints.</summary>
    public string Name { get; }

    /// <summary>Row width.</summary>
    public int Columns { get; }

    /// <summary>Largest row count the storage holds.</summary>
    public int MaxRows { get; }

    /// <summary>Rows currently in use (the current batch size).</summary>
    public int Rows { get; private set; }

    /// <summary>Rows × Columns.</summary>
    public int Length => Rows * Columns;

    /// <summary>True when the tensor carries a gradient.</summary>
    public bool HasGradient { get; }

    /// <summary>The current Rows × Columns values.</summary>
    public BufferView Value => _valueStorage.Slice(0, Rows * Columns);

    /// <summary>The gradient of the loss with respect to <see cref="Value"/>, same shape.</summary>
    /// <exception cref="InvalidOperationException">The tensor carries no gradient.</exception>
    public BufferView Gradient => HasGradient
        ? _gradientStorage.Slice(0, Rows * Columns)
        : throw new InvalidOperationException($"Tensor '{Name}' carries no gradient.");

    /// <summary>
    /// True once some op has written this step's gradient: the next contribution adds instead of
    /// overwriting (a tensor used twice receives both). Managed by <see cref="Tape"/>.
    /// </summary>
    public bool GradientWritten { get; internal set; }

    /// <summary>
    /// True when the values are a ReLU's output (possibly after dropout): the gradient only flows back
    /// where a value is &gt; 0, so whoever writes this tensor's gradient may write it already masked
    /// by [value &gt; 0] (fused into its own kernel), and the ReLU then needs no launch of its own.
    /// Set by the op that produces the tensor.
    /// </summary>
    public bool IsReluOutput { get; internal set; }

    /// <summary>
    /// True when every gradient contribution written this step was masked by [value &gt; 0] (see
    /// <see cref="IsReluOutput"/>). Managed by <see cref="Tape"/>; meaningful once <see cref="GradientWritten"/>.
    /// </summary>
    public bool GradientMasked { get; internal set; }

    /// <summary>Sets the number of rows in use (1 … <see cref="MaxRows"/>).</summary>
    public void SetRows(int rows)
    {
        if (rows < 1 || rows > MaxRows)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"Tensor '{Name}' holds 1 to {MaxRows} rows.");
        }
        Rows = rows;
    }

    /// <summary>
    /// Points a gradient-free tensor (a model input or a target) at external rows, e.g. a batch
    /// slice of a data set already on the device, so no copy is needed.
    /// </summary>
    public void Attach(BufferView values, int rows)
    {
        if (HasGradient)
        {
            throw new InvalidOperationException($"Tensor '{Name}' owns a gradient; only gradient-free inputs can be attached to external rows.");
        }
        if (rows < 1 || rows > MaxRows)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"Tensor '{Name}' holds 1 to {MaxRows} rows.");
        }
        if (values.Length != rows * Columns)
        {
            throw new ArgumentException($"Tensor '{Name}': {rows} rows × {Columns} columns need {rows * Columns} floats, the view has {values.Length}.", nameof(values));
        }
        _valueStorage = values;
        Rows = rows;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} [{Rows}×{Columns}]";
}
