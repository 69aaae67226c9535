namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>Why <see cref="Featurizer"/> left a row out (<see cref="SkippedRow.Kind"/>).</summary>
public enum SkipKind
{
    /// <summary>The formula does not parse (<see cref="Chemistry.FormulaException"/>).</summary>
    InvalidFormula,

    /// <summary>The compound has an element outside ElemNet's 86 inputs, such as He or Po.</summary>
    UnsupportedElement,

    /// <summary>The compound has fewer distinct elements than <see cref="FeaturizerOptions.MinElements"/>.</summary>
    TooFewElements,

    /// <summary>The formula is not in the feature file the model takes its inputs from.</summary>
    NotInFeatureFile,

    /// <summary>
    /// An element of the compound lacks a table value the physical attributes need (matminer gives
    /// NaN; see <see cref="Chemistry.PhysicalAttributes"/>).
    /// </summary>
    MissingAttributeValue,
}
