using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Autograd.Ops;

/// <summary>
/// Inverted dropout over [M, C] with a counter-based mask keyed by (seed, step): the backward pass
/// recomputes the forward's mask from the same key instead of storing it.
/// </summary>
public sealed class DropoutOp : RecordedOp
{
    private ulong _step;

    /// <summary>Creates the op; <paramref name="seed"/> should differ per layer.</summary>
    public DropoutOp(Tensor output, float keepProbability, ulong seed)
        : base(output)
    {
        if (!(keepProbability > 0f && keepProbability <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(keepProbability), keepProbability, "Keep probability must lie in (0, 1].");
        }
        KeepProbability = keepProbability;
        Seed = seed;
    }

    /// <summary>Probability that an element is kept.</summary>
    public float KeepProbability { get; }

    /// <summary>This layer's seed.</summary>
    public ulong Seed { get; }

    /// <summary>Applies the mask of training step <paramref name="step"/>; records the op when <paramref name="tape"/> is given.</summary>
    public Tensor Forward(IComputeBackend backend, Tensor input, ulong step, Tape? tape)
    {
        ArgumentNullException.ThrowIfNull(backend);
        BeginForward(input);
        backend.DropoutForward(input.Value, Output.Value, KeepProbability, Seed, step);
        _step = step;
        // Dropping a ReLU output keeps it one: the output is > 0 only where the input is.
        Output.IsReluOutput = input.IsReluOutput;
        return EndForward(input, tape);
    }

    /// <inheritdoc />
    public override void Backward(Tape tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        var input = Input;
        if (input.HasGradient)
        {
            // A masked dy (zero where the output ≤ 0) passes back zero wherever the input ≤ 0.
            tape.Backend.DropoutBackward(Output.Gradient, input.Gradient, KeepProbability, Seed, _step,
                tape.BeginGradientWrite(input, masked: Output.GradientMasked));
        }
    }
}
