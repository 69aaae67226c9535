using CrossPropertyILGPU.Autograd;
using CrossPropertyILGPU.Autograd.Ops;
using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Network.Layers;

/// <summary>Fully connected layer y = x·w + b with optional fused ReLU; w [in, out], b [1, out] live in the parameter store.</summary>
public sealed class Dense : ILayer
{
    private readonly IComputeBackend _backend;
    private readonly DenseOp _op;

    /// <summary>Creates the layer over parameter tensors and a preallocated output.</summary>
    public Dense(IComputeBackend backend, string name, Tensor weight, Tensor bias, Tensor output, bool relu)
    {
        ArgumentNullException.ThrowIfNull(backend);
        _backend = backend;
        Name = name;
        _op = new DenseOp(weight, bias, output, relu);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int InputWidth => _op.Weight.Rows;

    /// <inheritdoc />
    public int OutputWidth => _op.Weight.Columns;

    /// <summary>True when ReLU is fused.</summary>
    public bool Relu => _op.Relu;

    /// <summary>The weight tensor [in, out].</summary>
    public Tensor Weight => _op.Weight;

    /// <summary>The bias tensor [1, out].</summary>
    public Tensor Bias => _op.Bias;

    /// <summary>The output of the last forward [rows, out] (after the fused ReLU).</summary>
    public Tensor Output => _op.Output;

    /// <inheritdoc />
    public Tensor Forward(Tensor input, ForwardContext context) => _op.Forward(_backend, input, context.Tape);
}
