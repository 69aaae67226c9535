using CrossPropertyILGPU.Autograd;
using CrossPropertyILGPU.Autograd.Ops;
using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Network.Layers;

/// <summary>Stand-alone ReLU. ElemNet's hidden layers fuse ReLU into <see cref="Dense"/>; this layer serves other stacks.</summary>
public sealed class Relu(IComputeBackend backend, string name, Tensor output) : ILayer
{
    private readonly ReluOp _op = new(output);

    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public int InputWidth => _op.Output.Columns;

    /// <inheritdoc />
    public int OutputWidth => _op.Output.Columns;

    /// <inheritdoc />
    public Tensor Forward(Tensor input, ForwardContext context) => _op.Forward(backend, input, context.Tape);
}
