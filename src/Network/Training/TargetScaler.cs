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

    // ---- several targets -------------------------------------------------------------------------

    /// <summary>
    /// One scaler per target of row-major <paramref name="targets"/> (rows × <paramref name="outputs"/>),
    /// each fitted to its column's labelled entries (NaN = unlabelled, skipped). For one target with
    /// no NaN, the same scaler as <see cref="Fit"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The targets are not whole rows, or a target has no labelled entry.</exception>
    public static TargetScaler[] FitPerTarget(ReadOnlySpan<float> targets, int outputs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        if (targets.Length % outputs != 0)
        {
            throw new ArgumentException($"{targets.Length} targets are not whole rows of {outputs}.", nameof(targets));
        }
        var scalers = new TargetScaler[outputs];
        var column = new List<float>(targets.Length / outputs);
        for (var k = 0; k < outputs; k++)
        {
            column.Clear();
            for (var i = k; i < targets.Length; i += outputs)
            {
                if (!float.IsNaN(targets[i]))
                {
                    column.Add(targets[i]);
                }
            }
            if (column.Count == 0)
            {
                throw new ArgumentException($"Target {k} has no labelled entry to fit a scaler to.", nameof(targets));
            }
            scalers[k] = Fit(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(column));
        }
        return scalers;
    }

    /// <summary>Row-major targets (rows × scalers.Count) each scaled by its target's scaler, as a new array; NaN stays NaN.</summary>
    public static float[] TransformPerTarget(IReadOnlyList<TargetScaler> scalers, ReadOnlySpan<float> targets)
    {
        CheckRows(scalers, targets.Length);
        var scaled = new float[targets.Length];
        for (var i = 0; i < targets.Length; i++)
        {
            var scaler = scalers[i % scalers.Count];
            scaled[i] = (float)((targets[i] - scaler.Offset) / scaler.Scale);
        }
        return scaled;
    }

    /// <summary>Row-major predictions (rows × scalers.Count) mapped back to each target's units, in place.</summary>
    public static void InversePerTargetInPlace(IReadOnlyList<TargetScaler> scalers, Span<float> predictions)
    {
        CheckRows(scalers, predictions.Length);
        for (var i = 0; i < predictions.Length; i++)
        {
            var scaler = scalers[i % scalers.Count];
            predictions[i] = (float)(predictions[i] * scaler.Scale + scaler.Offset);
        }
    }

    /// <summary>The predictions of <paramref name="network"/> (one scaler per output) for <paramref name="count"/> rows, row-major count × outputs, in target units.</summary>
    /// <exception cref="ArgumentException">The network's output width is not the number of scalers.</exception>
    public static float[] PredictPerTarget(IReadOnlyList<TargetScaler> scalers, Sequential network, ReadOnlySpan<float> features, int count)
    {
        ArgumentNullException.ThrowIfNull(scalers);
        ArgumentNullException.ThrowIfNull(network);
        if (scalers.Count != network.OutputWidth)
        {
            throw new ArgumentException($"{scalers.Count} target scalers for a network with {network.OutputWidth} outputs.", nameof(scalers));
        }
        var predictions = count == 0 ? [] : network.Predict(features, count);
        InversePerTargetInPlace(scalers, predictions);
        return predictions;
    }

    private static void CheckRows(IReadOnlyList<TargetScaler> scalers, int length)
    {
        ArgumentNullException.ThrowIfNull(scalers);
        if (scalers.Count == 0 || length % scalers.Count != 0)
        {
            throw new ArgumentException($"{length} values are not whole rows of {scalers.Count} targets.", nameof(scalers));
        }
    }
}
