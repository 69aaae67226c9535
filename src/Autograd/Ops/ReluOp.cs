using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Autograd.Ops;

/// <summary>y = max(x, 0); dx (+)= dy ⊙ [y &gt; 0]. Elementwise over [M, C].</summary>
public sealed class ReluOp : RecordedOp
{
    /// <summary>Creates the op over its preallocated output.</summary>
    public ReluOp(Tensor output)
        : base(output) => output.IsReluOutput = true;

    /// <summary>Computes the output; records the op when <paramref name="tape"/> is given.</summary>
    public Tensor Forward(IComputeBackend backend, Tensor input, Tape? tape)
    {
        ArgumentNullException.ThrowIfNull(backend);
        BeginForward(input);
        backend.ReluForward(input.Value, Output.Value);
        return EndForward(input, tape);
    }

    /// <inheritdoc />
    public override void Backward(Tape tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        var input = Input;
        if (input.HasGradient)
        {
            tape.Backend.ReluBackward(Output.Value, Output.Gradient, input.Gradient, tape.BeginGradientWrite(input));
        }
    }
}
