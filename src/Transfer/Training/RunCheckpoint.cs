using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using CrossPropertyILGPU.Network.Checkpoints;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>
/// The format of <c>checkpoint.safetensors</c> (its owner is <see cref="RunFolder"/>): the trainer's
/// <see cref="TrainingState"/> after the last completed epoch — parameters, Adam's moments and the
/// best parameters so far as four flat F32 tensors, and the state's scalar members (counters,
/// early-stopping bookkeeping, metrics history) plus the target scaling as one JSON object in the
/// file's metadata. The JSON is <see cref="TrainingState"/> itself without its arrays, so no second
/// record mirrors it. Written to a temporary name, flushed and renamed over the old file, so a
/// crash at any moment leaves a complete checkpoint of some epoch.
/// </summary>
internal static class RunCheckpoint
{
    private const string StateKey = "training_state";
    private const string StartingParametersTensor = "starting_parameters";

    // TrainingState as JSON, its four arrays left out (they are the tensors) and not required on read.
    private static readonly JsonSerializerOptions StateJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        TypeInfoResolver = CheckpointJson.Default.WithAddedModifier(info =>
        {
            if (info.Type != typeof(TrainingState))
            {
                return;
            }
            foreach (var property in info.Properties.Where(p => p.PropertyType == typeof(float[])))
            {
                property.IsRequired = false;
                property.ShouldSerialize = (_, _) => false;
            }
        }),
    };

    /// <summary>Writes <paramref name="state"/> atomically to <paramref name="path"/>.</summary>
    public static void Save(string path, TrainingState state, TargetScaler scaler)
    {
        var json = JsonSerializer.SerializeToNode(state, StateJson)!.AsObject();
        json["target_offset"] = scaler.Offset;
        json["target_scale"] = scaler.Scale;
        var temporary = path + ".tmp";
        try
        {
            List<NamedTensor> tensors =
            [
                new NamedTensor("parameters", [state.Parameters.Length], state.Parameters),
                new NamedTensor("adam.first_moment", [state.FirstMoment.Length], state.FirstMoment),
                new NamedTensor("adam.second_moment", [state.SecondMoment.Length], state.SecondMoment),
                new NamedTensor("best_parameters", [state.BestParameters.Length], state.BestParameters),
            ];
            if (state.StartingParameters is { } starting)
            {
                // L2-SP's anchor: without it a resumed run would pull toward different weights.
                tensors.Add(new NamedTensor(StartingParametersTensor, [starting.Length], starting));
            }
            SafeTensors.Write(temporary, tensors, new Dictionary<string, string> { [StateKey] = json.ToJsonString(StateJson) });
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A partial temporary would keep a full disk full; the old checkpoint stays as it was.
            CsvOutput.DeleteQuietly(temporary);
            throw new IOException($"{path}: could not write the checkpoint ({e.Message}).", e);
        }
    }

    /// <summary>Reads the checkpoint at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">It is damaged or not a checkpoint.</exception>
    /// <exception cref="JsonException">Its metadata is not valid.</exception>
    public static (TrainingState State, TargetScaler Scaler) Load(string path)
    {
        var (tensors, metadata) = SafeTensors.Read(path);
        var byName = tensors.ToDictionary(t => t.Name, t => t.Data, StringComparer.Ordinal);
        if (!metadata.TryGetValue(StateKey, out var json) || !byName.TryGetValue("parameters", out var parameters))
        {
            throw new InvalidDataException($"{path}: not a training checkpoint (no {StateKey} metadata or parameters).");
        }
        var scalars = JsonSerializer.Deserialize(json, StateJson.GetTypeInfo(typeof(TrainingState))) as TrainingState
            ?? throw new InvalidDataException($"{path}: empty {StateKey} metadata.");
        var scaling = JsonNode.Parse(json)!.AsObject();
        var scaler = new TargetScaler(
            scaling["target_offset"]?.GetValue<double>() ?? throw new InvalidDataException($"{path}: no target_offset."),
            scaling["target_scale"]?.GetValue<double>() ?? throw new InvalidDataException($"{path}: no target_scale."));
        var state = scalars with
        {
            Parameters = parameters,
            FirstMoment = Tensor(byName, "adam.first_moment", path),
            SecondMoment = Tensor(byName, "adam.second_moment", path),
            BestParameters = Tensor(byName, "best_parameters", path),
            StartingParameters = byName.GetValueOrDefault(StartingParametersTensor),
        };
        return (state, scaler);
    }

    private static float[] Tensor(Dictionary<string, float[]> byName, string name, string path) =>
        byName.TryGetValue(name, out var data) ? data : throw new InvalidDataException($"{path}: no tensor '{name}'.");
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(TrainingState))]
internal sealed partial class CheckpointJson : JsonSerializerContext;
