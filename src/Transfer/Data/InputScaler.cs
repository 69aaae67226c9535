namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>
/// Per-column standardisation of a model's inputs: x' = (x − Offset[j]) / Scale[j]. The physical
/// attributes span six orders of magnitude (a valence fraction below 1, a melting point in the
/// thousands of kelvin); fed raw, as ElemNet fed them, the large columns dominate the first layer's
/// initial activations. The offsets and scales come from the training split only and are stored
/// with the model, so evaluation and prediction transform new rows identically.
/// </summary>
public sealed class InputScaler
{
    private readonly double[] _offsets;
    private readonly double[] _scales;

    /// <summary>Creates a scaler from stored offsets and scales (one per column).</summary>
    /// <exception cref="ArgumentException">The lengths differ, a value is not finite, or a scale is not positive.</exception>
    public InputScaler(IReadOnlyList<double> offsets, IReadOnlyList<double> scales)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(scales);
        if (offsets.Count != scales.Count || offsets.Count == 0)
        {
            throw new ArgumentException($"Input scaling needs one offset and one scale per column; got {offsets.Count} offsets and {scales.Count} scales.");
        }
        for (var j = 0; j < offsets.Count; j++)
        {
            if (!double.IsFinite(offsets[j]) || !double.IsFinite(scales[j]) || !(scales[j] > 0))
            {
                throw new ArgumentException($"Input scaling of column {j}: offset {offsets[j]} and scale {scales[j]} must be finite, the scale positive.");
            }
        }
        _offsets = [.. offsets];
        _scales = [.. scales];
    }

    /// <summary>Subtracted from each column: its mean over the training rows.</summary>
    public IReadOnlyList<double> Offsets => Array.AsReadOnly(_offsets);

    /// <summary>Divides each column after the offset: its population standard deviation over the training rows, or 1 for a constant column.</summary>
    public IReadOnlyList<double> Scales => Array.AsReadOnly(_scales);

    /// <summary>Columns.</summary>
    public int Width => _offsets.Length;

    /// <summary>
    /// Mean and population standard deviation of each column of <paramref name="data"/>, in double.
    /// A column that holds the same value in every row (a zero std: say, no training compound has f
    /// electrons) is centred but not divided — its scale is 1 — so a new row with another value
    /// stays finite instead of dividing by zero.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> has no rows.</exception>
    public static InputScaler Fit(FeaturizedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0)
        {
            throw new ArgumentException("Cannot fit input scaling to no rows.", nameof(data));
        }
        var width = data.Width;
        var means = new double[width];
        var scales = new double[width];
        var constant = new bool[width];
        Array.Fill(constant, true);
        var first = data.Row(0);
        for (var row = 0; row < data.Count; row++)
        {
            var values = data.Row(row);
            for (var j = 0; j < width; j++)
            {
                means[j] += values[j];
                constant[j] &= values[j] == first[j];
            }
        }
        for (var j = 0; j < width; j++)
        {
            means[j] /= data.Count;
        }
        for (var row = 0; row < data.Count; row++)
        {
            var values = data.Row(row);
            for (var j = 0; j < width; j++)
            {
                var deviation = values[j] - means[j];
                scales[j] += deviation * deviation;
            }
        }
        for (var j = 0; j < width; j++)
        {
            // A constant column's mean is its value (summing n copies may round a last bit away).
            if (constant[j])
            {
                means[j] = first[j];
            }
            var std = Math.Sqrt(scales[j] / data.Count);
            scales[j] = constant[j] || !(std > 0) || !double.IsFinite(std) ? 1.0 : std;
        }
        return new InputScaler(means, scales);
    }

    /// <summary>The rows of <paramref name="data"/> standardised, as a new data set (the input is not changed).</summary>
    /// <exception cref="ArgumentException">The data's width differs from the scaler's.</exception>
    public FeaturizedData Transform(FeaturizedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Width != Width)
        {
            throw new ArgumentException($"The data has {data.Width} features per row; the input scaling has {Width}.", nameof(data));
        }
        var scaled = new float[data.Features.Length];
        for (var i = 0; i < scaled.Length; i++)
        {
            var j = i % Width;
            scaled[i] = (float)((data.Features[i] - _offsets[j]) / _scales[j]);
        }
        return new FeaturizedData(data.Records, scaled, data.Width, data.Targets, data.Skipped, data.Outputs);
    }
}
