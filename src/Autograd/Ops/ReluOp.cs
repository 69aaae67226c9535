using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Autograd.Ops;

/// <summary>y = max(x, 0); dx (+)= dy ⊙ [y &gt; 0]. Elementwise over [M, C].</summary>
public sealed class ReluOp(Tensor output) : IBackwardStep
{
    private Tensor? _input;

    /// <inheritdoc />
    public Tensor Output { get; } = output ?? throw new ArgumentNullException(nameof(output));

    /// <summary>Computes the output; records the op when <paramref name="tape"/> is given.</summary>
    public Tensor Forward(IComputeBackend backend, Tensor input, Tape? tape)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(input);
        Output.SetRows(input.Rows);
        backend.ReluForward(input.Value, Output.Value);
        _input = input;
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
            tape.Backend.ReluBackward(Output.Value, Output.Gradient, input.Gradient, tape.BeginGradientWrite(input));
        }
    }
}
