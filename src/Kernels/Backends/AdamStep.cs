namespace CrossPropertyILGPU.Kernels.Backends;

/// <summary>
/// The scalars of one Adam update. ElemNet was trained with TensorFlow's Adam, whose update is
/// <code>
/// m ← β1·m + (1−β1)·g
/// v ← β2·v + (1−β2)·g²
/// p ← p − α_t · m / (√v + ε),   α_t = α · √(1−β2^t) / (1−β1^t)
/// </code>
/// i.e. the bias correction is folded into the step size and ε is not bias-corrected ("ε-hat" in
/// Kingma &amp; Ba §2). PyTorch corrects m and v separately; the two differ only through ε.
/// </summary>
public readonly record struct AdamStep
{
    /// <summary>Creates the scalars for update number <paramref name="step"/> (1-based).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is outside its valid range.</exception>
    public AdamStep(long step, float learningRate = 1e-4f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        if (!(learningRate >= 0f) || float.IsInfinity(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Learning rate must be finite and non-negative.");
        }
        if (!(beta1 >= 0f && beta1 < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must lie in [0, 1).");
        }
        if (!(beta2 >= 0f && beta2 < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must lie in [0, 1).");
        }
        if (!(epsilon > 0f) || float.IsInfinity(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be finite and positive.");
        }
        Step = step;
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>1-based update count t.</summary>
    public long Step { get; }

    /// <summary>α.</summary>
    public float LearningRate { get; }

    /// <summary>β1, decay of the first moment.</summary>
    public float Beta1 { get; }

    /// <summary>β2, decay of the second moment.</summary>
    public float Beta2 { get; }

    /// <summary>ε added to √v.</summary>
    public float Epsilon { get; }

    /// <summary>α_t = α·√(1−β2^t)/(1−β1^t), computed in double on the host once per step.</summary>
    public double StepSize =>
        LearningRate * Math.Sqrt(1.0 - Math.Pow(Beta2, Step)) / (1.0 - Math.Pow(Beta1, Step));
}
