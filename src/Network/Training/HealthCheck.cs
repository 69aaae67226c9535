namespace CrossPropertyILGPU.Network.Training;

/// <summary>
/// The per-epoch health check: after an epoch, the last step's gradient over the trainable range
/// and all the weights are read back (one download each, never per step) and reduced to L2 norms
/// for <see cref="EpochMetrics.GradientNorm"/> and <see cref="EpochMetrics.WeightNorm"/>. A NaN or
/// ±∞ in a parameter or a gradient shows in its norm, so <see cref="EpochMetrics.IsFinite"/> of the
/// measured metrics (which also covers the losses) is the verdict on the epoch.
/// </summary>
internal sealed class HealthCheck
{
    private readonly ParameterStore _parameters;
    private readonly int _trainableOffset;
    private readonly float[] _lastGradients;
    private readonly float[] _values;

    /// <summary>Allocates the two host copies once, for a run that trains parameters [offset, offset + count).</summary>
    public HealthCheck(ParameterStore parameters, int trainableOffset, int trainableCount)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
        _trainableOffset = trainableOffset;
        _lastGradients = new float[trainableCount];
        _values = new float[parameters.Count];
    }

    /// <summary>The weights as of the last <see cref="Measure"/> (a checkpoint's parameters, without another download).</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>
    /// <paramref name="metrics"/> with the norms of the last step's gradient (each step overwrites
    /// the gradients, so they are that step's) and of the weights it left.
    /// </summary>
    public EpochMetrics Measure(EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var backend = _parameters.Backend;
        backend.Download(_parameters.Gradients.View.Slice(_trainableOffset, _lastGradients.Length), _lastGradients);
        backend.Download(_parameters.Values.View, _values);
        return metrics with { GradientNorm = L2Norm(_lastGradients), WeightNorm = L2Norm(_values) };
    }

    /// <summary>
    /// Accumulated in double, in index order: the same value on every backend for the same floats,
    /// and NaN or ∞ exactly when some element is (or the squares overflow even a double).
    /// </summary>
    public static double L2Norm(ReadOnlySpan<float> values)
    {
        var sumOfSquares = 0.0;
        foreach (var value in values)
        {
            sumOfSquares += (double)value * value;
        }
        return Math.Sqrt(sumOfSquares);
    }
}
