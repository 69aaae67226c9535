namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>Whether a model's inputs are standardised per column (<see cref="InputScaler"/>).</summary>
public enum InputScaling
{
    /// <summary>Standardise physical attributes (<c>pa</c>); feed elemental fractions and extracted features as they are.</summary>
    Auto,

    /// <summary>Standardise every input column with the training split's mean and standard deviation.</summary>
    Standard,

    /// <summary>Feed the features as featurised (ElemNet fed both EF and PA raw).</summary>
    None,
}

/// <summary>The names of <see cref="InputScaling"/> on the command line and in run files.</summary>
public static class InputScalings
{
    /// <summary><c>auto</c>, <c>standard</c> or <c>none</c>.</summary>
    public static string ToName(this InputScaling scaling) => scaling switch
    {
        InputScaling.Standard => "standard",
        InputScaling.None => "none",
        _ => "auto",
    };

    /// <summary>Parses <c>auto</c>, <c>standard</c> or <c>none</c>.</summary>
    /// <exception cref="UsageException">Anything else.</exception>
    public static InputScaling Parse(string text) => text switch
    {
        "auto" => InputScaling.Auto,
        "standard" => InputScaling.Standard,
        "none" => InputScaling.None,
        _ => throw new UsageException($"--input-scaling {text}: use auto, standard or none."),
    };

    /// <summary>What <see cref="InputScaling.Auto"/> means for a feature kind: standard for <c>pa</c>, none otherwise.</summary>
    public static InputScaling Resolve(this InputScaling scaling, string featureKind) =>
        scaling != InputScaling.Auto ? scaling : featureKind == "pa" ? InputScaling.Standard : InputScaling.None;
}
