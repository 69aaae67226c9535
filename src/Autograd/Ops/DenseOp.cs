using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Autograd.Ops;

/// <summary>
/// y[M,N] = x[M,K]·w[K,N] + b[N], optionally ReLU-fused. Backward: the ReLU mask is applied to dy in
/// place (y's gradient is complete by then and read by no one after), then
/// dx (+)= dy·wᵀ (if x carries a gradient), dw (+)= xᵀ·dy, db (+)= Σ dy.
/// One instance per layer, created once; <see cref="Forward"/> takes the input so the same op
/// serves inputs that differ between training and inference (dropout on or off).
/// </summary>
public sealed class DenseOp : RecordedOp
{
    /// <summary>Creates the op over its parameters and preallocated output.</summary>
    public DenseOp(Tensor weight, Tensor bias, Tensor output, bool relu)
        : base(output)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(bias);
        if (bias.Rows != 1 || bias.Columns != weight.Columns || output.Columns != weight.Columns)
        {
            throw new ArgumentException($"Dense shapes disagree: weight {weight}, bias {bias}, output {output}.");
        }
        Weight = weight;
        Bias = bias;
        Relu = relu;
    }

    /// <summary>w [in, out].</summary>
    public Tensor Weight { get; }

    /// <summary>b [1, out].</summary>
    public Tensor Bias { get; }

    /// <summary>True when ReLU is fused into the forward.</summary>
    public bool Relu { get; }

    /// <summary>Computes the output for <paramref name="input"/>; records the op when <paramref name="tape"/> is given.</summary>
    public Tensor Forward(IComputeBackend backend, Tensor input, Tape? tape)
    {
        ArgumentNullException.ThrowIfNull(backend);
        BeginForward(input);
        if (input.Columns != Weight.Rows)
        {
            throw new ArgumentException($"Input {input} does not match weight {Weight}.", nameof(input));
        }
        backend.DenseForward(input.Value, Weight.Value, Bias.Value, Output.Value, input.Rows, Weight.Rows, Weight.Columns, Relu);
        return EndForward(input, tape);
    }

    /// <inheritdoc />
    public override void Backward(Tape tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        var input = Input;
        var backend = tape.Backend;
        var (m, k, n) = (input.Rows, Weight.Rows, Weight.Columns);
        var dy = Output.Gradient;
        if (Relu)
        {
            backend.ReluBackward(Output.Value, dy, dy, accumulate: false);
        }
        if (input.HasGradient)
        {
            backend.DenseBackwardInput(dy, Weight.Value, input.Gradient, m, k, n, tape.BeginGradientWrite(input));
        }
        if (Weight.HasGradient)
        {
            backend.DenseBackwardWeight(input.Value, dy, Weight.Gradient, m, k, n, tape.BeginGradientWrite(Weight));
        }
        if (Bias.HasGradient)
        {
            backend.DenseBackwardBias(dy, Bias.Gradient, m, n, tape.BeginGradientWrite(Bias));
        }
    }
}
