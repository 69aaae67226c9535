using CrossPropertyILGPU.Autograd;
using CrossPropertyILGPU.Autograd.Ops;
using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Network.Layers;

/// <summary>
/// Inverted dropout, active only in training. At inference it returns its input unchanged — no copy,
/// no launch — because kept activations were already scaled by 1/keep during training.
/// </summary>
public sealed class Dropout(IComputeBackend backend, string name, Tensor output, float keepProbability, ulong seed) : ILayer
{
    private readonly DropoutOp _op = new(output, keepProbability, seed);

    /// <inheritdoc />
    public string Name { get; } = name;

    /// <summary>Probability that an activation is kept.</summary>
    public float KeepProbability => _op.KeepProbability;

    /// <summary>This layer's seed; the mask of step s is keyed by DropoutMask.Key(Seed, s).</summary>
    public ulong Seed => _op.Seed;

    /// <inheritdoc />
    public int InputWidth => _op.Output.Columns;

    /// <inheritdoc />
    public int OutputWidth => _op.Output.Columns;

    /// <inheritdoc />
    public Tensor Forward(Tensor input, ForwardContext context) =>
        context.IsTraining && _op.KeepProbability < 1f
            ? _op.Forward(backend, input, context.Step, context.Tape)
            : input;
}
