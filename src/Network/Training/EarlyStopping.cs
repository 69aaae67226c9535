namespace CrossPropertyILGPU.Network.Training;

/// <summary>
/// Keras's EarlyStopping on the validation MAE, as ElemNet used it: the best value so far, its
/// epoch, the epochs since, and the decision to stop once <see cref="Patience"/> epochs in a row
/// brought no strict improvement. A NaN never improves (NaN &lt; best is false).
/// </summary>
internal sealed class EarlyStopping
{
    /// <summary>Starts with no best (+∞) before epoch 1.</summary>
    public EarlyStopping(int patience)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
        Patience = patience;
    }

    /// <summary>Epochs without improvement that stop the run.</summary>
    public int Patience { get; }

    /// <summary>Best validation value so far (+∞ before the first epoch).</summary>
    public double Best { get; private set; } = double.PositiveInfinity;

    /// <summary>Epoch of <see cref="Best"/> (0 before the first epoch).</summary>
    public int BestEpoch { get; private set; }

    /// <summary>Epochs since <see cref="BestEpoch"/>.</summary>
    public int SinceBest { get; private set; }

    /// <summary>True once <see cref="SinceBest"/> has reached <see cref="Patience"/>.</summary>
    public bool ShouldStop => SinceBest >= Patience;

    /// <summary>Records <paramref name="epoch"/>'s validation value; true when it is a new best (the caller keeps those weights).</summary>
    public bool Observe(int epoch, double value)
    {
        if (value < Best)
        {
            (Best, BestEpoch, SinceBest) = (value, epoch, 0);
            return true;
        }
        SinceBest++;
        return false;
    }

    /// <summary>Continues from a saved run's bookkeeping.</summary>
    public void Restore(double best, int bestEpoch, int sinceBest) => (Best, BestEpoch, SinceBest) = (best, bestEpoch, sinceBest);
}
