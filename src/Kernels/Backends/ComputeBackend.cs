using CrossPropertyILGPU.Kernels.Devices;

namespace CrossPropertyILGPU.Kernels.Backends;

/// <summary>
/// Base of every backend: checks each op's arguments on the host (ownership, lengths against the
/// stated shape, forbidden aliasing, finite scalars) and only then calls the backend's
/// <c>…Core</c> method. Validation lives here once, so every backend rejects the same bad calls with
/// the same <see cref="ArgumentException"/> before any kernel is launched.
/// </summary>
public abstract class ComputeBackend : IComputeBackend
{
    private bool _disposed;

    /// <inheritdoc />
    public abstract DeviceInfo Device { get; }

    /// <inheritdoc />
    public DeviceBuffer Allocate(int length)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return AllocateCore(length);
    }

    /// <inheritdoc />
    public void Upload(BufferView destination, ReadOnlySpan<float> source)
    {
        CheckView(destination, nameof(destination));
        CheckLength(destination, source.Length, nameof(destination), "the host span");
        UploadCore(destination, source);
    }

    /// <inheritdoc />
    public void Download(BufferView source, Span<float> destination)
    {
        CheckView(source, nameof(source));
        CheckLength(source, destination.Length, nameof(source), "the host span");
        DownloadCore(source, destination);
    }

    /// <inheritdoc />
    public void Synchronize()
    {
        ThrowIfDisposed();
        SynchronizeCore();
    }

    /// <inheritdoc />
    public void DenseForward(BufferView x, BufferView w, BufferView b, BufferView y, int batch, int inFeatures, int outFeatures, bool relu)
    {
        CheckDims(batch, inFeatures, outFeatures);
        CheckMatrix(x, batch, inFeatures, nameof(x), "batch×in");
        CheckMatrix(w, inFeatures, outFeatures, nameof(w), "in×out");
        CheckMatrix(b, 1, outFeatures, nameof(b), "out");
        CheckMatrix(y, batch, outFeatures, nameof(y), "batch×out");
        CheckDisjoint(y, nameof(y), (x, nameof(x)), (w, nameof(w)), (b, nameof(b)));
        DenseForwardCore(x, w, b, y, batch, inFeatures, outFeatures, relu);
    }

    /// <inheritdoc />
    public void DenseBackwardInput(BufferView dy, BufferView w, BufferView dx, int batch, int inFeatures, int outFeatures, bool accumulate)
    {
        CheckDims(batch, inFeatures, outFeatures);
        CheckMatrix(dy, batch, outFeatures, nameof(dy), "batch×out");
        CheckMatrix(w, inFeatures, outFeatures, nameof(w), "in×out");
        CheckMatrix(dx, batch, inFeatures, nameof(dx), "batch×in");
        CheckDisjoint(dx, nameof(dx), (dy, nameof(dy)), (w, nameof(w)));
        DenseBackwardInputCore(dy, w, dx, batch, inFeatures, outFeatures, accumulate);
    }

    /// <inheritdoc />
    public void DenseBackwardWeight(BufferView x, BufferView dy, BufferView dw, int batch, int inFeatures, int outFeatures, bool accumulate)
    {
        CheckDims(batch, inFeatures, outFeatures);
        CheckMatrix(x, batch, inFeatures, nameof(x), "batch×in");
        CheckMatrix(dy, batch, outFeatures, nameof(dy), "batch×out");
        CheckMatrix(dw, inFeatures, outFeatures, nameof(dw), "in×out");
        CheckDisjoint(dw, nameof(dw), (x, nameof(x)), (dy, nameof(dy)));
        DenseBackwardWeightCore(x, dy, dw, batch, inFeatures, outFeatures, accumulate);
    }

    /// <inheritdoc />
    public void DenseBackwardBias(BufferView dy, BufferView db, int batch, int outFeatures, bool accumulate)
    {
        CheckDims(batch, 1, outFeatures);
        CheckMatrix(dy, batch, outFeatures, nameof(dy), "batch×out");
        CheckMatrix(db, 1, outFeatures, nameof(db), "out");
        CheckDisjoint(db, nameof(db), (dy, nameof(dy)));
        DenseBackwardBiasCore(dy, db, batch, outFeatures, accumulate);
    }

    /// <inheritdoc />
    public void DenseBackwardInputMasked(BufferView dy, BufferView w, BufferView mask, BufferView dx, int batch, int inFeatures, int outFeatures, bool accumulate)
    {
        CheckDims(batch, inFeatures, outFeatures);
        CheckMatrix(dy, batch, outFeatures, nameof(dy), "batch×out");
        CheckMatrix(w, inFeatures, outFeatures, nameof(w), "in×out");
        CheckMatrix(mask, batch, inFeatures, nameof(mask), "batch×in");
        CheckMatrix(dx, batch, inFeatures, nameof(dx), "batch×in");
        CheckDisjoint(dx, nameof(dx), (dy, nameof(dy)), (w, nameof(w)), (mask, nameof(mask)));
        DenseBackwardInputMaskedCore(dy, w, mask, dx, batch, inFeatures, outFeatures, accumulate);
    }

    /// <inheritdoc />
    public void DenseBackwardParameters(BufferView x, BufferView dy, BufferView dw, BufferView db, int batch, int inFeatures, int outFeatures, bool accumulateWeight, bool accumulateBias)
    {
        CheckDims(batch, inFeatures, outFeatures);
        CheckMatrix(x, batch, inFeatures, nameof(x), "batch×in");
        CheckMatrix(dy, batch, outFeatures, nameof(dy), "batch×out");
        CheckMatrix(dw, inFeatures, outFeatures, nameof(dw), "in×out");
        CheckMatrix(db, 1, outFeatures, nameof(db), "out");
        CheckDisjoint(dw, nameof(dw), (x, nameof(x)), (dy, nameof(dy)), (db, nameof(db)));
        CheckDisjoint(db, nameof(db), (x, nameof(x)), (dy, nameof(dy)));
        DenseBackwardParametersCore(x, dy, dw, db, batch, inFeatures, outFeatures, accumulateWeight, accumulateBias);
    }

    /// <inheritdoc />
    public void ReluBackward(BufferView y, BufferView dy, BufferView dx, bool accumulate)
    {
        CheckElementwise(dx, nameof(dx), (y, nameof(y)), (dy, nameof(dy)));
        ReluBackwardCore(y, dy, dx, accumulate);
    }

    /// <inheritdoc />
    public void DropoutForward(BufferView x, BufferView y, float keepProbability, ulong seed, ulong trainingStep)
    {
        CheckKeepProbability(keepProbability);
        CheckElementwise(y, nameof(y), (x, nameof(x)));
        DropoutForwardCore(x, y, keepProbability, seed, trainingStep);
    }

    /// <inheritdoc />
    public void DropoutBackward(BufferView dy, BufferView dx, float keepProbability, ulong seed, ulong trainingStep, bool accumulate)
    {
        CheckKeepProbability(keepProbability);
        CheckElementwise(dx, nameof(dx), (dy, nameof(dy)));
        DropoutBackwardCore(dy, dx, keepProbability, seed, trainingStep, accumulate);
    }

    /// <inheritdoc />
    public void Loss(LossKind kind, BufferView prediction, BufferView target, BufferView grad, BufferView lossSum, int outputs = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        if (kind is not (LossKind.Mae or LossKind.Mse))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown loss kind.");
        }
        CheckView(prediction, nameof(prediction));
        if (prediction.Length == 0)
        {
            throw new ArgumentException("The loss needs at least one prediction.", nameof(prediction));
        }
        if (prediction.Length % outputs != 0)
        {
            throw new ArgumentException($"prediction has {prediction.Length} floats, not a whole number of rows of {outputs} outputs.", nameof(prediction));
        }
        CheckView(target, nameof(target));
        CheckView(grad, nameof(grad));
        CheckView(lossSum, nameof(lossSum));
        CheckLength(target, prediction.Length, nameof(target), "prediction");
        CheckLength(grad, prediction.Length, nameof(grad), "prediction");
        CheckLength(lossSum, outputs, nameof(lossSum), "one accumulator per output");
        CheckDisjoint(grad, nameof(grad), (prediction, nameof(prediction)), (target, nameof(target)), (lossSum, nameof(lossSum)));
        CheckDisjoint(lossSum, nameof(lossSum), (prediction, nameof(prediction)), (target, nameof(target)));
        LossCore(kind, prediction, target, grad, lossSum, outputs);
    }

    /// <inheritdoc />
    public void Adam(BufferView parameters, BufferView gradients, BufferView firstMoment, BufferView secondMoment, int offset, int count, AdamStep update)
    {
        if (update.Step < 1)
        {
            throw new ArgumentException("The Adam step was default-constructed; its step count must be at least 1.", nameof(update));
        }
        CheckView(parameters, nameof(parameters));
        CheckView(gradients, nameof(gradients));
        CheckView(firstMoment, nameof(firstMoment));
        CheckView(secondMoment, nameof(secondMoment));
        CheckLength(gradients, parameters.Length, nameof(gradients), "parameters");
        CheckLength(firstMoment, parameters.Length, nameof(firstMoment), "parameters");
        CheckLength(secondMoment, parameters.Length, nameof(secondMoment), "parameters");
        if (offset < 0 || count < 0 || (long)offset + count > parameters.Length)
        {
            throw new ArgumentOutOfRangeException(
                nameof(offset),
                $"Adam range [{offset}, {(long)offset + count}) does not lie inside {parameters.Length} parameters.");
        }
        // A span over the stack: validation must not allocate, it runs every training step.
        ReadOnlySpan<(BufferView View, string Name)> views = [(parameters, nameof(parameters)), (gradients, nameof(gradients)), (firstMoment, nameof(firstMoment)), (secondMoment, nameof(secondMoment))];
        for (var i = 0; i < views.Length; i++)
        {
            for (var j = i + 1; j < views.Length; j++)
            {
                CheckDisjoint(views[i].View, views[i].Name, views[j]);
            }
        }
        if (count > 0)
        {
            AdamCore(parameters.Slice(offset, count), gradients.Slice(offset, count), firstMoment.Slice(offset, count), secondMoment.Slice(offset, count), update);
        }
    }

    /// <inheritdoc />
    public void DecayToward(BufferView parameters, BufferView anchor, float rate)
    {
        CheckView(parameters, nameof(parameters));
        CheckView(anchor, nameof(anchor));
        CheckLength(anchor, parameters.Length, nameof(anchor), "parameters");
        CheckDisjoint(anchor, nameof(anchor), (parameters, nameof(parameters)));
        // Above 1 the step would overshoot the anchor: a rate that large is a mistake, not a schedule.
        if (!(rate >= 0f && rate <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "The decay rate (learning rate × decay) must lie in [0, 1].");
        }
        if (parameters.Length > 0 && rate > 0f)
        {
            DecayTowardCore(parameters, anchor, rate);
        }
    }

    /// <inheritdoc />
    public void Fill(BufferView destination, float value)
    {
        CheckView(destination, nameof(destination));
        FillCore(destination, value);
    }

    /// <inheritdoc />
    public void Copy(BufferView source, BufferView destination)
    {
        CheckView(source, nameof(source));
        CheckView(destination, nameof(destination));
        CheckLength(destination, source.Length, nameof(destination), "source");
        CheckDisjoint(destination, nameof(destination), (source, nameof(source)));
        CopyCore(source, destination);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the backend's device resources.</summary>
    protected abstract void Dispose(bool disposing);

    /// <summary>Throws <see cref="ObjectDisposedException"/> once the backend is disposed.</summary>
    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

#pragma warning disable CS1591 // The Core methods are documented by their public counterparts above.
    protected abstract DeviceBuffer AllocateCore(int length);
    protected abstract void UploadCore(BufferView destination, ReadOnlySpan<float> source);
    protected abstract void DownloadCore(BufferView source, Span<float> destination);
    protected abstract void SynchronizeCore();
    protected abstract void DenseForwardCore(BufferView x, BufferView w, BufferView b, BufferView y, int batch, int inFeatures, int outFeatures, bool relu);
    protected abstract void DenseBackwardInputCore(BufferView dy, BufferView w, BufferView dx, int batch, int inFeatures, int outFeatures, bool accumulate);
    protected abstract void DenseBackwardWeightCore(BufferView x, BufferView dy, BufferView dw, int batch, int inFeatures, int outFeatures, bool accumulate);
    protected abstract void DenseBackwardBiasCore(BufferView dy, BufferView db, int batch, int outFeatures, bool accumulate);

    /// <summary>
    /// Fused input gradient and ReLU mask. The default composes the two existing ops (two launches,
    /// the mask applied in place on dx); backends with a fused kernel override it.
    /// </summary>
    protected virtual void DenseBackwardInputMaskedCore(BufferView dy, BufferView w, BufferView mask, BufferView dx, int batch, int inFeatures, int outFeatures, bool accumulate)
    {
        DenseBackwardInputCore(dy, w, dx, batch, inFeatures, outFeatures, accumulate);
        ReluBackwardCore(mask, dx, dx, accumulate: false);
    }

    /// <summary>Weight and bias gradients. The default runs the two existing ops; backends with a fused kernel override it.</summary>
    protected virtual void DenseBackwardParametersCore(BufferView x, BufferView dy, BufferView dw, BufferView db, int batch, int inFeatures, int outFeatures, bool accumulateWeight, bool accumulateBias)
    {
        DenseBackwardWeightCore(x, dy, dw, batch, inFeatures, outFeatures, accumulateWeight);
        DenseBackwardBiasCore(dy, db, batch, outFeatures, accumulateBias);
    }
    protected abstract void ReluBackwardCore(BufferView y, BufferView dy, BufferView dx, bool accumulate);
    protected abstract void DropoutForwardCore(BufferView x, BufferView y, float keepProbability, ulong seed, ulong trainingStep);
    protected abstract void DropoutBackwardCore(BufferView dy, BufferView dx, float keepProbability, ulong seed, ulong trainingStep, bool accumulate);
    protected abstract void LossCore(LossKind kind, BufferView prediction, BufferView target, BufferView grad, BufferView lossSum, int outputs);
    protected abstract void AdamCore(BufferView parameters, BufferView gradients, BufferView firstMoment, BufferView secondMoment, AdamStep update);
    protected abstract void DecayTowardCore(BufferView parameters, BufferView anchor, float rate);
    protected abstract void FillCore(BufferView destination, float value);
    protected abstract void CopyCore(BufferView source, BufferView destination);
#pragma warning restore CS1591

    // ---- validation ------------------------------------------------------------------------------

    private void CheckView(BufferView view, string name)
    {
        ThrowIfDisposed();
        if (view.Buffer is null)
        {
            throw new ArgumentException($"{name} is a default (empty) view with no buffer.", name);
        }
        if (!ReferenceEquals(view.Buffer.Owner, this))
        {
            throw new ArgumentException(
                $"{name} belongs to backend '{view.Buffer.Owner.Device.Name}', not to '{Device.Name}'.", name);
        }
        ObjectDisposedException.ThrowIf(view.Buffer.IsDisposed, view.Buffer);
    }

    private static void CheckLength(BufferView view, long expected, string name, string what)
    {
        if (view.Length != expected)
        {
            throw new ArgumentException($"{name} has {view.Length} floats but {what} has {expected}.", name);
        }
    }

    private void CheckMatrix(BufferView view, int rows, int columns, string name, string shapeName)
    {
        CheckView(view, name);
        var expected = (long)rows * columns;
        if (view.Length != expected)
        {
            throw new ArgumentException(
                $"{name} has {view.Length} floats but its shape {shapeName} = {rows}×{columns} needs {expected}.", name);
        }
    }

    private static void CheckDims(int batch, int inFeatures, int outFeatures)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        // Kernels index with int: every matrix must stay below 2^31 elements.
        if ((long)batch * inFeatures > int.MaxValue || (long)batch * outFeatures > int.MaxValue
            || (long)inFeatures * outFeatures > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), "A dense operand would exceed 2^31 elements.");
        }
    }

    private static void CheckKeepProbability(float keepProbability)
    {
        if (!(keepProbability > 0f && keepProbability <= 1f))
        {
            throw new ArgumentOutOfRangeException(
                nameof(keepProbability), keepProbability, "The keep probability must lie in (0, 1].");
        }
    }

    /// <summary>Elementwise ops: equal lengths; the output may be exactly an input (in place) but must not partly overlap one.</summary>
    private void CheckElementwise(BufferView output, string outputName, params ReadOnlySpan<(BufferView View, string Name)> inputs)
    {
        CheckView(output, outputName);
        foreach (var (view, name) in inputs)
        {
            CheckView(view, name);
            CheckLength(view, output.Length, name, outputName);
            if (output.Overlaps(view) && !output.SameRange(view))
            {
                throw new ArgumentException($"{outputName} {output} partly overlaps {name} {view}.", outputName);
            }
        }
    }

    private static void CheckDisjoint(BufferView output, string outputName, params ReadOnlySpan<(BufferView View, string Name)> inputs)
    {
        foreach (var (view, name) in inputs)
        {
            if (output.Overlaps(view))
            {
                throw new ArgumentException($"{outputName} {output} overlaps {name} {view}.", outputName);
            }
        }
    }
}
