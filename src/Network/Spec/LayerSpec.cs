namespace CrossPropertyILGPU.Network.Spec;

/// <summary>One layer of a <see cref="Sequential"/> stack, before any memory is allocated.</summary>
public abstract record LayerSpec;

/// <summary>A dense layer of <paramref name="Units"/> outputs, ReLU-fused when <paramref name="Relu"/>.</summary>
public sealed record DenseSpec(int Units, bool Relu) : LayerSpec;

/// <summary>Inverted dropout keeping each activation with <paramref name="KeepProbability"/> in training.</summary>
public sealed record DropoutSpec(float KeepProbability) : LayerSpec;

/// <summary>Expands an <see cref="ElemNetSpec"/> into layers.</summary>
public static class ElemNetLayers
{
    /// <summary>
    /// The layer stack of <paramref name="spec"/>: each block's dense ReLU layers, then its dropout
    /// (when flagged) with the next of <paramref name="keepProbabilities"/>, then the linear output.
    /// A keep probability of 1 disables that dropout.
    /// </summary>
    /// <exception cref="ArgumentException">The number of keep probabilities differs from the spec's dropout blocks.</exception>
    public static IReadOnlyList<LayerSpec> Build(ElemNetSpec spec, IReadOnlyList<float> keepProbabilities)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(keepProbabilities);
        if (keepProbabilities.Count != spec.DropoutCount)
        {
            throw new ArgumentException(
                $"Architecture '{spec}' has {spec.DropoutCount} dropout block(s) but {keepProbabilities.Count} keep probabilities were given.",
                nameof(keepProbabilities));
        }
        var layers = new List<LayerSpec>();
        var next = 0;
        foreach (var group in spec.Groups)
        {
            for (var i = 0; i < group.Count; i++)
            {
                layers.Add(new DenseSpec(group.Units, Relu: true));
            }
            if (group.Dropout)
            {
                var keep = keepProbabilities[next++];
                if (!(keep > 0f && keep <= 1f))
                {
                    throw new ArgumentOutOfRangeException(nameof(keepProbabilities), keep, "Keep probabilities must lie in (0, 1].");
                }
                layers.Add(new DropoutSpec(keep));
            }
        }
        layers.Add(new DenseSpec(spec.OutputUnits, Relu: false));
        return layers;
    }
}
