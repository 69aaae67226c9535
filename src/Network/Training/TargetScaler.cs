namespace CrossPropertyILGPU.Network.Training;

/// <summary>
/// Standardises targets to zero mean and unit variance for training and maps predictions back.
/// ElemNet trained on raw targets; with Adam at lr 1e-4 a target whose scale is hundreds (exfoliation
/// energy in meV/atom) then needs thousands of epochs just to reach the right magnitude, so the
/// engine scales by default and stores the scaler with the model. <see cref="Identity"/> reproduces
/// ElemNet's raw-target behaviour. MAE in original units = scaled MAE × <see cref="Scale"/>.
/// </summary>
/// <param name="Offset">Subtracted from targets (their training mean).</param>
/// <param name="Scale">Divides targets after the offset (their training standard deviation).</param>
public sealed record TargetScaler(double Offset, double Scale)
{
    /// <summary>No scaling.</summary>
    public static TargetScaler Identity { get; } = new(0, 1);

    /// <summary>Mean and population standard deviation of <paramref name="targets"/> (scale 1 when they are all equal).</summary>
    public static TargetScaler Fit(ReadOnlySpan<float> targets)
    {
        if (targets.Length == 0)
        {
            throw new ArgumentException("Cannot fit a scaler to no targets.", nameof(targets));
        }
        var mean = 0.0;
        foreach (var t in targets)
        {
            mean += t;
        }
        mean /= targets.Length;
        var variance = 0.0;
        foreach (var t in targets)
        {
            variance += (t - mean) * (t - mean);
        }
        var std = Math.Sqrt(variance / targets.Length);
        return new TargetScaler(mean, std > 0 && double.IsFinite(std) ? std : 1.0);
    }

    /// <summary>(t − Offset) / Scale, as a new array.</summary>
    public float[] Transform(ReadOnlySpan<float> targets)
    {
        var scaled = new float[targets.Length];
        for (var i = 0; i < targets.Length; i++)
        {
            scaled[i] = (float)((targets[i] - Offset) / Scale);
        }
        return scaled;
    }

    /// <summary>p·Scale + Offset, in place.</summary>
    public void InverseInPlace(Span<float> predictions)
    {
        for (var i = 0; i < predictions.Length; i++)
        {
            predictions[i] = (float)(predictions[i] * Scale + Offset);
        }
    }

    /// <summary>The predictions of <paramref name="network"/> for <paramref name="count"/> rows of features, in target units.</summary>
    public float[] Predict(Sequential network, ReadOnlySpan<float> features, int count)
    {
        ArgumentNullException.ThrowIfNull(network);
        var predictions = count == 0 ? [] : network.Predict(features, count);
        InverseInPlace(predictions);
        return predictions;
    }
}
