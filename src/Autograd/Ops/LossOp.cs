using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Autograd.Ops;

/// <summary>
/// The training loss over predictions [M, 1] and targets [M, 1]: one fused launch writes
/// ∂L/∂prediction (L = batch mean) into the prediction's gradient — seeding the backward pass — and
/// adds the batch's summed per-sample loss to a one-float device accumulator read once per epoch.
/// </summary>
public sealed class LossOp(LossKind kind)
{
    /// <summary>MAE or MSE.</summary>
    public LossKind Kind { get; } = kind;

    /// <summary>
    /// Seeds <paramref name="prediction"/>'s gradient and accumulates the loss sum. When a tape is
    /// given the prediction's gradient is claimed on it; it must not have been written yet.
    /// </summary>
    public void Forward(IComputeBackend backend, Tensor prediction, BufferView target, BufferView lossSum, Tape? tape)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(prediction);
        if (prediction.Columns != 1)
        {
            throw new ArgumentException($"The loss takes one output per sample; {prediction} has {prediction.Columns}.", nameof(prediction));
        }
        if (tape is not null && tape.BeginGradientWrite(prediction))
        {
            throw new InvalidOperationException($"The loss must be the first gradient written into {prediction}.");
        }
        backend.Loss(Kind, prediction.Value, target, prediction.Gradient, lossSum);
    }
}
