namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>What a model's inputs are; recorded in model.json as <c>ef</c>, <c>pa</c> or <c>file</c>.</summary>
public enum FeatureKind
{
    /// <summary>ElemNet's 86 elemental fractions (<c>ef</c>).</summary>
    ElementalFractions,

    /// <summary>The 145 physical attributes (<c>pa</c>).</summary>
    PhysicalAttributes,

    /// <summary>Features looked up by formula in a feature CSV written by <c>extract</c> (<c>file</c>).</summary>
    File,
}
