namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>How a run scales its targets for training (predictions are mapped back to target units).</summary>
public enum TargetScaling
{
    /// <summary>Standardise with the training split's mean and standard deviation (the default).</summary>
    Standard,

    /// <summary>Train on raw targets, as ElemNet did.</summary>
    None,

    /// <summary>Keep the source model's scaling with its output layer: FineTune only (a fine-tune without a new output layer).</summary>
    Source,
}
