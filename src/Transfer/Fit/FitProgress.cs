namespace CrossPropertyILGPU.Transfer.Fit;

/// <summary>What a progress report says.</summary>
public enum FitProgressKind
{
    /// <summary>A step began (data, a candidate's fold, the blend, the test): worth a plain line.</summary>
    Stage,

    /// <summary>A network finished an epoch: for a live display only.</summary>
    Epoch,

    /// <summary>A candidate finished, was cut or failed: worth a plain line.</summary>
    Finished,
}

/// <summary>One progress report of a fit.</summary>
/// <param name="Done">Candidates finished so far.</param>
/// <param name="Total">Candidates planned.</param>
/// <param name="Candidate">The candidate concerned, or the step ("blend", "test").</param>
/// <param name="Text">What is happening, or the candidate's outcome.</param>
/// <param name="Elapsed">Time since the fit started.</param>
/// <param name="Kind">Stage, epoch or finished.</param>
public sealed record FitProgress(int Done, int Total, string Candidate, string Text, TimeSpan Elapsed, FitProgressKind Kind);
