using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Autograd.Ops;

/// <summary>
/// Inverted dropout over [M, C] with a counter-based mask keyed by (seed, step): the backward pass
/// recomputes the forward's mask from the same key instead of storing it.
/// </summary>
public sealed class DropoutOp : IBackwardStep
{
    private Tensor? _input;
    private ulong _step;

    /// <summary>Creates the op; <paramref name="seed"/> should differ per layer.</summary>
    public DropoutOp(Tensor output, float keepProbability, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!(keepProbability > 0f && keepProbability <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(keepProbability), keepProbability, "Keep probability must lie in (0, 1].");
        }
        Output = output;
        KeepProbability = keepProbability;
        Seed = seed;
    }

    /// <inheritdoc />
    public Tensor Output { get; }

    /// <summary>Probability that an element is kept.</summary>
    public float KeepProbability { get; }

    /// <summary>This layer's seed.</summary>
    public ulong Seed { get; }

    /// <summary>Applies the mask of training step <paramref name="step"/>; records the op when <paramref name="tape"/> is given.</summary>
    public Tensor Forward(IComputeBackend backend, Tensor input, ulong step, Tape? tape)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(input);
        Output.SetRows(input.Rows);
        backend.DropoutForward(input.Value, Output.Value, KeepProbability, Seed, step);
        _input = input;
        _step = step;
        tape?.Record(this);
        return Output;
    }

    /// <inheritdoc />
    public void Backward(Tape tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        var input = _input ?? throw new InvalidOperationException("Backward before forward.");
        if (input.HasGradient)
        {
            tape.Backend.DropoutBackward(Output.Gradient, input.Gradient, KeepProbability, Seed, _step, tape.BeginGradientWrite(input));
        }
    }
}
