using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Autograd.Ops;

/// <summary>
/// The training loss over predictions [M, K] and targets [M, K] (K = the prediction's columns; a NaN
/// target is unlabelled and contributes nothing): one fused launch writes ∂L/∂prediction into the
/// prediction's gradient — seeding the backward pass — and adds each target's summed loss over its
/// labelled rows to a K-float device accumulator read once per epoch. L is the mean over targets of
/// each target's mean over its labelled rows (<see cref="IComputeBackend.Loss"/>); for K = 1 with
/// every row labelled, the batch mean.
/// </summary>
public sealed class LossOp(LossKind kind)
{
    /// <summary>MAE or MSE.</summary>
    public LossKind Kind { get; } = kind;

    /// <summary>
    /// Seeds <paramref name="prediction"/>'s gradient and accumulates the loss sums (target [M, K],
    /// lossSum [K]). When a tape is given the prediction's gradient is claimed on it; it must not have
    /// been written yet.
    /// </summary>
    public void Forward(IComputeBackend backend, Tensor prediction, BufferView target, BufferView lossSum, Tape? tape)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(prediction);
        if (tape is not null && tape.BeginGradientWrite(prediction))
        {
            throw new InvalidOperationException($"The loss must be the first gradient written into {prediction}.");
        }
        backend.Loss(Kind, prediction.Value, target, prediction.Gradient, lossSum, prediction.Columns);
    }
}
