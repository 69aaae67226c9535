namespace CrossPropertyILGPU.Network.Training;

/// <summary>Samples on the host: <see cref="Count"/> rows of <see cref="Width"/> features (row-major) and one target each.</summary>
public sealed class DataMatrix
{
    /// <summary>Wraps feature and target arrays (not copied).</summary>
    public DataMatrix(float[] features, float[] targets, int width)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (features.Length != (long)targets.Length * width)
        {
            throw new ArgumentException($"{targets.Length} targets × {width} features need {(long)targets.Length * width} floats; got {features.Length}.", nameof(features));
        }
        Features = features;
        Targets = targets;
        Width = width;
    }

    /// <summary>Row-major features, Count × Width.</summary>
    public float[] Features { get; }

    /// <summary>One target per row.</summary>
    public float[] Targets { get; }

    /// <summary>Features per row.</summary>
    public int Width { get; }

    /// <summary>Number of rows.</summary>
    public int Count => Targets.Length;
}
