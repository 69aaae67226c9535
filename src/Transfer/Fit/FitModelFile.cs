using System.Text.Json.Serialization;

namespace CrossPropertyILGPU.Transfer.Fit;

/// <summary>
/// <c>fit.json</c>: what a fit folder's model is — the blended members with their weights and
/// files, whether predictions are clipped at 0 — and every candidate's score. Written and read only
/// through <see cref="FitFolder"/>.
/// </summary>
public sealed record FitModelFile
{
    /// <summary>The format this version writes.</summary>
    public const string CurrentFormat = "cpilgpu-fit/1";

    /// <summary>Format name and version.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>The target column's name in the training file.</summary>
    public string TargetName { get; init; } = "target";

    /// <summary>The training file.</summary>
    public string TrainFile { get; init; } = "";

    /// <summary>Training rows used (after skipped formulas).</summary>
    public int Rows { get; init; }

    /// <summary>The training targets' mean: the mean predictor's constant in evaluate's table.</summary>
    public double TrainTargetMean { get; init; }

    /// <summary>True when every training target was ≥ 0: the blend is clipped at 0.</summary>
    public bool ClipAtZero { get; init; }

    /// <summary>How candidates were validated (folds or one split), in words.</summary>
    public string Validation { get; init; } = "";

    /// <summary>The blend's MAE on the out-of-fold rows.</summary>
    public double OutOfFoldMae { get; init; }

    /// <summary>The members with a weight above zero.</summary>
    public FitMemberRecord[] Members { get; init; } = [];

    /// <summary>Every candidate tried, in run order: status, out-of-fold MAE, time and weight.</summary>
    public FitScoreRecord[] Candidates { get; init; } = [];
}

/// <summary>One blended member of a fit: a candidate, its weight, and the models whose mean it predicts.</summary>
public sealed record FitMemberRecord
{
    /// <summary>The candidate's name (<see cref="FitCandidate.Name"/>).</summary>
    public string Candidate { get; init; } = "";

    /// <summary>The candidate's kind name (<see cref="FitCandidates.KindName"/>).</summary>
    public string Kind { get; init; } = "";

    /// <summary>Blend weight, in (0, 1].</summary>
    public double Weight { get; init; }

    /// <summary>True for network members (run folders), false for trees (ML.NET archives).</summary>
    public bool Network { get; init; }

    /// <summary>The trees' inputs: <c>ef</c>, <c>pa</c> or <c>extracted</c> (networks: their model.json says).</summary>
    public string Features { get; init; } = "";

    /// <summary>Feature width of a tree member.</summary>
    public int Width { get; init; }

    /// <summary>True when the member predicts log(1 + y), mapped back with exp(p) − 1.</summary>
    public bool LogTarget { get; init; }

    /// <summary>True when each model has a gate beside it (<see cref="FitFolder.GateModel"/>): 0 where it gives P(y &gt; 0) &lt; 0.5.</summary>
    public bool Gated { get; init; }

    /// <summary>The source model (full path) whose hidden layer feeds an extracted-feature member.</summary>
    public string? Source { get; init; }

    /// <summary>The source's hidden layer (1-based) for an extracted-feature member.</summary>
    public int? Layer { get; init; }

    /// <summary>The member's models, relative to the fit folder: one per fold, or one refitted on every row.</summary>
    public string[] Models { get; init; } = [];
}

/// <summary>One candidate's line of the leaderboard.</summary>
public sealed record FitScoreRecord
{
    /// <summary>The candidate's name.</summary>
    public string Candidate { get; init; } = "";

    /// <summary>What it is.</summary>
    public string Description { get; init; } = "";

    /// <summary><c>ran</c>, <c>cut</c> (the time limit) or <c>failed</c>.</summary>
    public string Status { get; init; } = "";

    /// <summary>MAE on the out-of-fold rows (clipped at 0 as the model clips); null unless it ran.</summary>
    public double? OutOfFoldMae { get; init; }

    /// <summary>Wall time in seconds.</summary>
    public double Seconds { get; init; }

    /// <summary>Blend weight.</summary>
    public double Weight { get; init; }

    /// <summary>Epochs of each fold's network (best epoch), for networks.</summary>
    public string? Epochs { get; init; }

    /// <summary>Why it was cut or failed, or what else is worth knowing.</summary>
    public string? Note { get; init; }
}

/// <summary>Source-generated JSON for fit.json (snake_case, indented).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(FitModelFile))]
internal sealed partial class FitJson : JsonSerializerContext;
