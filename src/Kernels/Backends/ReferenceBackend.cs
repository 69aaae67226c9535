using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Kernels.Ops;

namespace CrossPropertyILGPU.Kernels.Backends;

/// <summary>
/// The scalar reference backend: host arrays, plain loops, double accumulation, one thread. It
/// is the oracle every other backend is tested against, so it is written for obviousness, not
/// speed (llm.c's <c>matmul_forward_naive</c>). Each op calls the <c>…Reference</c> method that sits
/// beside its ILGPU kernel in <c>Ops/</c>.
/// </summary>
public sealed class ReferenceBackend : ComputeBackend
{
    /// <summary>Creates the reference backend.</summary>
    public ReferenceBackend()
    {
        Device = new DeviceInfo(
            DeviceKind.Cpu, "scalar reference (double accumulation)", 0,
            GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, 1, 1, 1,
            "test oracle; single-threaded");
    }

    /// <inheritdoc />
    public override DeviceInfo Device { get; }

    /// <inheritdoc />
    protected override DeviceBuffer AllocateCore(int length) => new HostBuffer(this, length);

    /// <inheritdoc />
    protected override void UploadCore(BufferView destination, ReadOnlySpan<float> source) => source.CopyTo(Span(destination));

    /// <inheritdoc />
    protected override void DownloadCore(BufferView source, Span<float> destination) => Span(source).CopyTo(destination);

    /// <inheritdoc />
    protected override void SynchronizeCore()
    {
        // Every op has finished when it returns.
    }

    /// <inheritdoc />
    protected override void DenseForwardCore(BufferView x, BufferView w, BufferView b, BufferView y, int batch, int inFeatures, int outFeatures, bool relu) =>
        DenseKernels.ForwardReference(Span(x), Span(w), Span(b), Span(y), batch, inFeatures, outFeatures, relu);

    /// <inheritdoc />
    protected override void DenseBackwardInputCore(BufferView dy, BufferView w, BufferView dx, int batch, int inFeatures, int outFeatures, bool accumulate) =>
        DenseKernels.BackwardInputReference(Span(dy), Span(w), Span(dx), batch, inFeatures, outFeatures, accumulate);

    /// <inheritdoc />
    protected override void DenseBackwardWeightCore(BufferView x, BufferView dy, BufferView dw, int batch, int inFeatures, int outFeatures, bool accumulate) =>
        DenseKernels.BackwardWeightReference(Span(x), Span(dy), Span(dw), batch, inFeatures, outFeatures, accumulate);

    /// <inheritdoc />
    protected override void DenseBackwardBiasCore(BufferView dy, BufferView db, int batch, int outFeatures, bool accumulate) =>
        DenseKernels.BackwardBiasReference(Span(dy), Span(db), batch, outFeatures, accumulate);

    /// <inheritdoc />
    protected override void DenseBackwardInputMaskedCore(BufferView dy, BufferView w, BufferView mask, BufferView dx, int batch, int inFeatures, int outFeatures, bool accumulate) =>
        DenseKernels.BackwardInputMaskedReference(Span(dy), Span(w), Span(mask), Span(dx), batch, inFeatures, outFeatures, accumulate);

    /// <inheritdoc />
    protected override void DenseBackwardParametersCore(BufferView x, BufferView dy, BufferView dw, BufferView db, int batch, int inFeatures, int outFeatures, bool accumulateWeight, bool accumulateBias)
    {
        DenseKernels.BackwardWeightReference(Span(x), Span(dy), Span(dw), batch, inFeatures, outFeatures, accumulateWeight);
        DenseKernels.BackwardBiasReference(Span(dy), Span(db), batch, outFeatures, accumulateBias);
    }

    /// <inheritdoc />
    protected override void ReluBackwardCore(BufferView y, BufferView dy, BufferView dx, bool accumulate) =>
        ReluKernels.BackwardReference(Span(y), Span(dy), Span(dx), accumulate);

    /// <inheritdoc />
    protected override void DropoutForwardCore(BufferView x, BufferView y, float keepProbability, ulong seed, ulong trainingStep) =>
        DropoutKernels.ForwardReference(Span(x), Span(y), keepProbability, seed, trainingStep);

    /// <inheritdoc />
    protected override void DropoutBackwardCore(BufferView dy, BufferView dx, float keepProbability, ulong seed, ulong trainingStep, bool accumulate) =>
        DropoutKernels.BackwardReference(Span(dy), Span(dx), keepProbability, seed, trainingStep, accumulate);

    /// <inheritdoc />
    protected override void LossCore(LossKind kind, BufferView prediction, BufferView target, BufferView grad, BufferView lossSum, int outputs) =>
        LossKernels.ValueAndGradientReference(Span(prediction), Span(target), Span(grad), Span(lossSum), kind == LossKind.Mae, outputs);

    /// <inheritdoc />
    protected override void AdamCore(BufferView parameters, BufferView gradients, BufferView firstMoment, BufferView secondMoment, AdamStep update) =>
        AdamKernels.UpdateReference(
            Span(parameters), Span(gradients), Span(firstMoment), Span(secondMoment),
            update.StepSize, update.Beta1, update.Beta2, update.Epsilon);

    /// <inheritdoc />
    protected override void DecayTowardCore(BufferView parameters, BufferView anchor, float rate) =>
        AdamKernels.DecayTowardReference(Span(parameters), Span(anchor), rate);

    /// <inheritdoc />
    protected override void FillCore(BufferView destination, float value) => Span(destination).Fill(value);

    /// <inheritdoc />
    protected override void CopyCore(BufferView source, BufferView destination) => Span(source).CopyTo(Span(destination));

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        // Host arrays only; the GC owns them.
    }

    private static Span<float> Span(BufferView view) =>
        ((HostBuffer)view.Buffer).Data.AsSpan(view.Offset, view.Length);

    private sealed class HostBuffer(ReferenceBackend owner, int length) : DeviceBuffer(owner, length)
    {
        public float[] Data { get; } = new float[length];

        protected override void Dispose(bool disposing)
        {
        }
    }
}
