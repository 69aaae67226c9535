namespace CrossPropertyILGPU.Network.Training;

/// <summary>
/// Samples on the host: <see cref="Count"/> rows of <see cref="Width"/> features (row-major) and
/// <see cref="Outputs"/> targets each (row-major, Count × Outputs). A NaN target is unlabelled: that
/// row contributes nothing to that target's loss, gradient or MAE (multi-task data, each row
/// labelled for only some targets).
/// </summary>
public sealed class DataMatrix
{
    /// <summary>Wraps feature and target arrays (not copied); one target per row.</summary>
    public DataMatrix(float[] features, float[] targets, int width)
        : this(features, targets, width, outputs: 1)
    {
    }

    /// <summary>Wraps feature and target arrays (not copied); <paramref name="outputs"/> targets per row.</summary>
    public DataMatrix(float[] features, float[] targets, int width, int outputs)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        if (targets.Length % outputs != 0)
        {
            throw new ArgumentException($"{targets.Length} targets are not whole rows of {outputs}.", nameof(targets));
        }
        var count = targets.Length / outputs;
        if (features.Length != (long)count * width)
        {
            throw new ArgumentException($"{count} rows × {width} features need {(long)count * width} floats; got {features.Length}.", nameof(features));
        }
        Features = features;
        Targets = targets;
        Width = width;
        Outputs = outputs;
        Count = count;
    }

    /// <summary>Row-major features, Count × Width.</summary>
    public float[] Features { get; }

    /// <summary>Row-major targets, Count × Outputs; NaN = unlabelled.</summary>
    public float[] Targets { get; }

    /// <summary>Features per row.</summary>
    public int Width { get; }

    /// <summary>Targets per row (the model's output width).</summary>
    public int Outputs { get; }

    /// <summary>Number of rows.</summary>
    public int Count { get; }

    /// <summary>The labelled rows of each target (rows whose entry is not NaN).</summary>
    public int[] LabelledCounts()
    {
        var counts = new int[Outputs];
        for (var i = 0; i < Targets.Length; i++)
        {
            counts[i % Outputs] += float.IsNaN(Targets[i]) ? 0 : 1;
        }
        return counts;
    }
}
