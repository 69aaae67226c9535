using System.Text.Json;
using System.Text.Json.Serialization;
using CrossPropertyILGPU.Network.Checkpoints;
using CrossPropertyILGPU.Network.Training;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>
/// <c>checkpoint.safetensors</c> in a run folder: the trainer's full state after the last completed
/// epoch — parameters, Adam's moments, the best parameters so far as four flat F32 tensors, and the
/// counters (epoch, Adam step, seed: together the random state), early-stopping bookkeeping,
/// metrics history and target scaling as JSON in the file's metadata. One file, written
/// to a temporary name, flushed to disk and renamed over the old one, so a crash at any moment
/// leaves a complete checkpoint of some epoch.
/// </summary>
public static class RunCheckpoint
{
    /// <summary>File name inside the run folder.</summary>
    public const string FileName = "checkpoint.safetensors";

    private const string StateKey = "training_state";

    /// <summary>Writes <paramref name="state"/> atomically into <paramref name="folder"/>.</summary>
    public static void Save(string folder, TrainingState state, TargetScaler scaler)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(scaler);
        var counters = new CheckpointCounters
        {
            Seed = state.Seed,
            Epoch = state.Epoch,
            AdamStep = state.AdamStep,
            BestEpoch = state.BestEpoch,
            BestValidationMae = state.BestValidationMae,
            SinceBest = state.SinceBest,
            Seconds = state.Seconds,
            TargetOffset = scaler.Offset,
            TargetScale = scaler.Scale,
            History = [.. state.History],
        };
        var path = Path.Combine(folder, FileName);
        var temporary = path + ".tmp";
        SafeTensors.Write(temporary,
        [
            new NamedTensor("parameters", [state.Parameters.Length], state.Parameters),
            new NamedTensor("adam.first_moment", [state.FirstMoment.Length], state.FirstMoment),
            new NamedTensor("adam.second_moment", [state.SecondMoment.Length], state.SecondMoment),
            new NamedTensor("best_parameters", [state.BestParameters.Length], state.BestParameters),
        ], new Dictionary<string, string> { [StateKey] = JsonSerializer.Serialize(counters, CheckpointJson.Default.CheckpointCounters) });
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>True when <paramref name="folder"/> holds a checkpoint.</summary>
    public static bool Exists(string folder) => File.Exists(Path.Combine(folder, FileName));

    /// <summary>Reads the checkpoint of <paramref name="folder"/>.</summary>
    /// <exception cref="UsageException">There is none, or it is damaged.</exception>
    public static (TrainingState State, TargetScaler Scaler) Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            throw new UsageException($"{folder}: no {FileName} to resume from (was the run started by this version, and did it finish an epoch?).");
        }
        try
        {
            var (tensors, metadata) = SafeTensors.Read(path);
            var byName = tensors.ToDictionary(t => t.Name, t => t.Data, StringComparer.Ordinal);
            var counters = metadata.TryGetValue(StateKey, out var json)
                ? JsonSerializer.Deserialize(json, CheckpointJson.Default.CheckpointCounters)
                : null;
            if (counters is null || !byName.TryGetValue("parameters", out var parameters))
            {
                throw new InvalidDataException($"{path}: not a training checkpoint (no {StateKey} metadata or parameters).");
            }
            var state = new TrainingState
            {
                Seed = counters.Seed,
                Epoch = counters.Epoch,
                AdamStep = counters.AdamStep,
                BestEpoch = counters.BestEpoch,
                BestValidationMae = counters.BestValidationMae,
                SinceBest = counters.SinceBest,
                Seconds = counters.Seconds,
                History = counters.History,
                Parameters = parameters,
                FirstMoment = byName["adam.first_moment"],
                SecondMoment = byName["adam.second_moment"],
                BestParameters = byName["best_parameters"],
            };
            return (state, new TargetScaler(counters.TargetOffset, counters.TargetScale));
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or KeyNotFoundException)
        {
            throw new UsageException($"{path}: damaged checkpoint ({e.Message}).", e);
        }
    }
}

/// <summary>The scalar part of a checkpoint, stored as JSON metadata.</summary>
internal sealed record CheckpointCounters
{
    public int? Seed { get; init; }
    public int Epoch { get; init; }
    public long AdamStep { get; init; }
    public int BestEpoch { get; init; }
    public double BestValidationMae { get; init; }
    public int SinceBest { get; init; }
    public double Seconds { get; init; }
    public double TargetOffset { get; init; }
    public double TargetScale { get; init; }
    public EpochMetrics[] History { get; init; } = [];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(CheckpointCounters))]
internal sealed partial class CheckpointJson : JsonSerializerContext;
