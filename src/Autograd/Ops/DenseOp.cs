using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Autograd.Ops;

/// <summary>
/// y[M,N] = x[M,K]·w[K,N] + b[N], optionally ReLU-fused. Backward, at most three launches:
/// <list type="bullet">
/// <item>the ReLU mask on dy — skipped when whoever wrote dy already masked it (the next dense
/// layer does, fused into its input gradient, also through a dropout), otherwise (the loss seeded
/// dy: a ReLU output layer) applied in place (y's gradient is complete by then and read by no one
/// after);</item>
/// <item>dx (+)= dy·wᵀ if x carries a gradient, masked by [x &gt; 0] in the same launch when x is a
/// ReLU output (<see cref="Tensor.IsReluOutput"/>) — the previous layer's ReLU backward;</item>
/// <item>dw (+)= xᵀ·dy and db (+)= Σ dy in one launch.</item>
/// </list>
/// So a training step costs a dense layer three launches (forward, dx, dw+db).
/// One instance per layer, created once; <see cref="Forward"/> takes the input so the same op
/// serves inputs that differ between training and inference (dropout on or off). The weight and
/// bias always carry gradients (a frozen layer's are computed and left unused by Adam), so the
/// parameter gradients are always the one fused launch.
/// </summary>
public sealed class DenseOp : RecordedOp
{
    /// <summary>Creates the op over its parameters and preallocated output.</summary>
    /// <exception cref="ArgumentException">The shapes disagree, or the weight or bias carries no gradient.</exception>
    public DenseOp(Tensor weight, Tensor bias, Tensor output, bool relu)
        : base(output)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(bias);
        if (bias.Rows != 1 || bias.Columns != weight.Columns || output.Columns != weight.Columns)
        {
            throw new ArgumentException($"Dense shapes disagree: weight {weight}, bias {bias}, output {output}.");
        }
        if (!weight.HasGradient || !bias.HasGradient)
        {
            throw new ArgumentException($"Dense parameters must carry gradients; weight {weight} or bias {bias} does not.");
        }
        Weight = weight;
        Bias = bias;
        Relu = relu;
        output.IsReluOutput = relu;
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
        var dy = Output.Gradient; // [M, N]
        if (Relu && !Output.GradientMasked)
        {
            // dy ⊙= [y > 0]
            backend.ReluBackward(Output.Value, dy, dy, accumulate: false);
        }
        if (input.HasGradient)
        {
            // dx [M, K] (+)= dy·wᵀ, masked by [x > 0] when x is a ReLU output.
            var accumulate = tape.BeginGradientWrite(input, masked: input.IsReluOutput);
            if (input.IsReluOutput)
            {
                backend.DenseBackwardInputMasked(dy, Weight.Value, input.Value, input.Gradient, m, k, n, accumulate);
            }
            else
            {
                backend.DenseBackwardInput(dy, Weight.Value, input.Gradient, m, k, n, accumulate);
            }
        }
        // dw [K, N] (+)= xᵀ·dy, db [1, N] (+)= Σ_rows dy, one launch.
        backend.DenseBackwardParameters(input.Value, dy, Weight.Gradient, Bias.Gradient, m, k, n,
            tape.BeginGradientWrite(Weight), tape.BeginGradientWrite(Bias));
    }
}
