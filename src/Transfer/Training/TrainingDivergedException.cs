namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>
/// Training stopped because an epoch produced NaN or ±∞ (in the loss, the validation MAE, the
/// last gradient or the weights): typically a learning rate too large for the data. The run
/// folder keeps the checkpoint of the last sound epoch and, when some epoch was sound, the model
/// of the best one; the CLI exits with code 3.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for the run in <paramref name="runFolder"/>, which can be resumed at a lower rate (null: it cannot, as no checkpoint exists).</summary>
    public TrainingDivergedException(string? runFolder, string message)
        : base(message)
    {
        RunFolder = runFolder;
    }

    /// <summary>The run folder whose checkpoint a resume at a lower learning rate continues from; null when unknown.</summary>
    public string? RunFolder { get; }

    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public TrainingDivergedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public TrainingDivergedException()
        : base("Training diverged (NaN or infinite values).")
    {
    }
}
