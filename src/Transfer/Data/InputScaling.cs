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
