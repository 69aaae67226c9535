namespace CrossPropertyILGPU.Transfer.Baselines;

/// <summary>The classical baselines of the paper's Base and SC:ML columns (docs/PAPER.md §2, §4).</summary>
public enum BaselineModel
{
    /// <summary>The paper's "Base": every prediction is the training targets' mean (<c>mean</c> on the command line).</summary>
    Mean,

    /// <summary>A random forest, ML.NET's FastForest (<c>rf</c>).</summary>
    RandomForest,

    /// <summary>Gradient-boosted regression trees, ML.NET's FastTree (<c>gbm</c>).</summary>
    GradientBoosting,
}
