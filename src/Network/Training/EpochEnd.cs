namespace CrossPropertyILGPU.Network.Training;

/// <summary>
/// What <see cref="Trainer.Fit"/> hands its checkpoint callback after each epoch: the epoch, whether
/// it is the last one, and <see cref="Capture"/>, which reads the full <see cref="TrainingState"/>
/// back. Capturing downloads four parameter-sized buffers (74 MB for ElemNet), so a caller that
/// checkpoints every minute pays for it once a minute, not once per epoch.
/// </summary>
public sealed class EpochEnd
{
    private readonly Func<TrainingState> _capture;

    internal EpochEnd(int epoch, string? stopReason, Func<TrainingState> capture)
    {
        Epoch = epoch;
        StopReason = stopReason;
        _capture = capture;
    }

    /// <summary>Epochs completed.</summary>
    public int Epoch { get; }

    /// <summary>Why training stops after this epoch (max-epochs, early-stopping, time-limit,
    /// cancelled), or null when another epoch follows.</summary>
    public string? StopReason { get; }

    /// <summary>True when no epoch follows this one.</summary>
    public bool IsLast => StopReason is not null;

    /// <summary>The state to resume from after this epoch (downloads the parameters, Adam's moments and
    /// the best parameters into fresh arrays). Call it inside the callback: the buffers it reads move
    /// on with the next epoch.</summary>
    public TrainingState Capture() => _capture();
}
