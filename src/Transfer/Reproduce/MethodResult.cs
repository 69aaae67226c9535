using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Reproduce;

/// <summary>
/// One (data set, method) of the grid: <c>&lt;results&gt;/&lt;set&gt;/&lt;method&gt;.json</c>. Written
/// once the method has finished (or failed), by temporary file and rename; the report reads only
/// these files.
/// </summary>
/// <remarks>
/// <see cref="Predictions"/>, <see cref="History"/> and <see cref="Members"/> came after the first
/// result files: they are optional (absent, null, in older files and in failed results), so the
/// format keeps its name and every older file still reads.
/// </remarks>
public sealed record MethodResult
{
    /// <summary>The file format's name and version.</summary>
    public const string CurrentFormat = "cpilgpu-reproduce-result/1";

    /// <summary><see cref="Status"/> of a method that finished.</summary>
    public const string Succeeded = "ok";

    /// <summary><see cref="Status"/> of a method that could not run (its <see cref="Error"/> says why); the next grid run tries it again.</summary>
    public const string FailedStatus = "failed";

    /// <summary>File format.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>Data set: its folder name under the data root.</summary>
    public required string Dataset { get; init; }

    /// <summary>Method, command-line name (<c>tl-finetune</c>).</summary>
    public required string Method { get; init; }

    /// <summary>Method in the paper's notation (<c>TL:FineTune</c>).</summary>
    public string PaperMethod { get; init; } = "";

    /// <summary><c>base</c>, <c>sc</c> or <c>tl</c>.</summary>
    public string Group { get; init; } = "";

    /// <summary><see cref="Succeeded"/> or <see cref="FailedStatus"/>.</summary>
    public string Status { get; init; } = Succeeded;

    /// <summary>Why the method failed; null when it succeeded.</summary>
    public string? Error { get; init; }

    /// <summary>MAE on the test file, scored once after selection; null when failed.</summary>
    public double? TestMae { get; init; }

    /// <summary>MAE on the validation split, which selected the epoch, the model kind and the feature layer.</summary>
    public double? ValidationMae { get; init; }

    /// <summary>MAE on the training rows.</summary>
    public double? TrainMae { get; init; }

    /// <summary>Training rows (the training file less the validation split).</summary>
    public int TrainRows { get; init; }

    /// <summary>Validation rows.</summary>
    public int ValidationRows { get; init; }

    /// <summary>Test rows.</summary>
    public int TestRows { get; init; }

    /// <summary>Rows of the shared split that this method's features could not represent (and so left out).</summary>
    public int DroppedRows { get; init; }

    /// <summary>Epochs trained (networks only).</summary>
    public int? Epochs { get; init; }

    /// <summary>Epoch whose weights were kept (networks only).</summary>
    public int? BestEpoch { get; init; }

    /// <summary>Why training stopped: early-stopping, max-epochs, time-limit (networks only).</summary>
    public string? StopReason { get; init; }

    /// <summary>Wall time of the method: loading, features, fitting or training, and scoring.</summary>
    public double Seconds { get; init; }

    /// <summary>Seed of everything random.</summary>
    public int Seed { get; init; }

    /// <summary>The candidate kept, when the method chose among several (<c>gbm</c>, <c>layer 15, rf</c>).</summary>
    public string? Selected { get; init; }

    /// <summary>Every candidate with its validation MAE; the lowest was kept. No test MAE: the test split chooses nothing.</summary>
    public IReadOnlyList<ResultCandidate> Candidates { get; init; } = [];

    /// <summary>The budget every network of this method had.</summary>
    public ResultBudget? Budget { get; init; }

    /// <summary>What ran: inputs, model, source, files.</summary>
    public required ResultConfig Config { get; init; }

    /// <summary>The kept network's own config.json (resolved options of its training run), for networks.</summary>
    public RunConfig? Run { get; init; }

    /// <summary>Engine version.</summary>
    public string EngineVersion { get; init; } = typeof(MethodResult).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>The machine: processor, logical cores, operating system, .NET.</summary>
    public string Hardware { get; init; } = "";

    /// <summary>Where it computed: the network backend, or the CPU for the classical models.</summary>
    public string Device { get; init; } = "";

    /// <summary>UTC time the method finished, ISO 8601; an ensemble records its members' to tell which version of their files it combined.</summary>
    public string Finished { get; init; } = "";

    /// <summary>
    /// The kept model's predictions on the validation rows and the test rows, so results can be
    /// combined (<see cref="MethodEnsemble"/>) without running the method again; null in results
    /// written before predictions were recorded, and in failed ones.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ResultPredictions? Predictions { get; init; }

    /// <summary>The kept network's validation MAE per epoch (networks only), to audit its convergence; null otherwise and in older results.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ResultHistory? History { get; init; }

    /// <summary>The results an ensemble averaged (ensembles only), each with the time it finished.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ResultMember>? Members { get; init; }

    /// <summary>True when the result is usable: it succeeded and has both MAEs.</summary>
    [JsonIgnore]
    public bool IsUsable => Status == Succeeded && TestMae is not null && ValidationMae is not null;

    /// <summary>Reads a result file; a malformed one is a <see cref="DataFileException"/> naming it.</summary>
    public static MethodResult Load(string path)
    {
        try
        {
            var result = JsonSerializer.Deserialize(File.ReadAllText(path), ReproduceJson.Default.MethodResult)
                ?? throw new DataFileException(path, "empty result file");
            return result.Format == CurrentFormat ? result : throw new DataFileException(path, $"format '{result.Format}', expected '{CurrentFormat}'");
        }
        catch (JsonException e)
        {
            throw new DataFileException(path, $"not a result file ({e.Message})", innerException: e);
        }
    }

    /// <summary>Writes the result under a temporary name and renames it into place: a reader never sees half a file.</summary>
    public void Save(string path)
    {
        CsvOutput.WriteAtomically(path, writer =>
        {
            writer.Write(JsonSerializer.Serialize(this, ReproduceJson.Default.MethodResult));
            writer.WriteLine();
            return 0;
        });
    }
}

/// <summary>
/// A method's predictions, one float per row (rounded to float precision, as the models compute
/// them), each array on one line of the file. <see cref="Validation"/> follows the shared split's
/// validation rows (splits.json's <c>validation_lines</c>, ascending); <see cref="Test"/> the test
/// file's usable rows (those elemental fractions can use, in file order). A method whose features
/// could not represent some of those rows has no prediction for them: their lines are listed
/// (absent when none), so the arrays can still be aligned row by row.
/// </summary>
public sealed record ResultPredictions
{
    /// <summary>Predictions on the validation rows.</summary>
    [JsonConverter(typeof(FloatArrayOnOneLine))]
    public float[] Validation { get; init; } = [];

    /// <summary>Predictions on the test rows.</summary>
    [JsonConverter(typeof(FloatArrayOnOneLine))]
    public float[] Test { get; init; } = [];

    /// <summary>Lines (header = 1) of the training file's validation rows with no prediction; null when none.</summary>
    [JsonConverter(typeof(IntArrayOnOneLine))]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int[]? ValidationDroppedLines { get; init; }

    /// <summary>Lines (header = 1) of the test file's usable rows with no prediction; null when none.</summary>
    [JsonConverter(typeof(IntArrayOnOneLine))]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int[]? TestDroppedLines { get; init; }

    /// <summary>True when the method predicted every validation and test row.</summary>
    [JsonIgnore]
    public bool IsComplete => ValidationDroppedLines is not { Length: > 0 } && TestDroppedLines is not { Length: > 0 };
}

/// <summary>A network's convergence, one entry per epoch trained (epoch 1 first), each array on one line of the file.</summary>
public sealed record ResultHistory
{
    /// <summary>Validation MAE after each epoch, in the target's units (float precision).</summary>
    [JsonConverter(typeof(FloatArrayOnOneLine))]
    public float[] ValidationMae { get; init; } = [];

    /// <summary>The learning rate of each epoch when a schedule varied it; null (absent) when every epoch had the same rate.</summary>
    [JsonConverter(typeof(FloatArrayOnOneLine))]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public float[]? LearningRate { get; init; }

    /// <summary>The history of a run's metrics rows (metrics.csv).</summary>
    public static ResultHistory Of(IReadOnlyList<MetricsRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        float[] rates = [.. rows.Select(r => (float)r.LearningRate)];
        return new ResultHistory
        {
            ValidationMae = [.. rows.Select(r => (float)r.ValidationMae)],
            LearningRate = rates.Distinct().Count() > 1 ? rates : null,
        };
    }
}

/// <summary>One result an ensemble averaged.</summary>
/// <param name="Method">Its method, command-line name (<c>tl-finetune</c>).</param>
/// <param name="Finished">When it finished (its <see cref="MethodResult.Finished"/>): a member run again later makes the ensemble stale.</param>
public sealed record ResultMember(string Method, string Finished);

/// <summary>
/// A number array written on one line even in an indented file: a result holds thousands of
/// predictions, and one number per line would be most of the file. Non-finite floats, which JSON
/// cannot hold, are written as null and read back as NaN.
/// </summary>
/// <typeparam name="T">float or int.</typeparam>
internal abstract class NumbersOnOneLine<T> : JsonConverter<T[]>
    where T : struct, INumber<T>
{
    public override T[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"expected an array of numbers, found {reader.TokenType}");
        }
        var values = new List<T>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            values.Add(reader.TokenType switch
            {
                JsonTokenType.Number => ReadNumber(ref reader),
                JsonTokenType.Null => Missing(),
                _ => throw new JsonException($"expected a number, found {reader.TokenType}"),
            });
        }
        return [.. values];
    }

    public override void Write(Utf8JsonWriter writer, T[] value, JsonSerializerOptions options)
    {
        var text = new StringBuilder("[");
        for (var i = 0; i < value.Length; i++)
        {
            text.Append(i == 0 ? "" : ",").Append(T.IsFinite(value[i]) ? value[i].ToString(null, CultureInfo.InvariantCulture) : "null");
        }
        writer.WriteRawValue(text.Append(']').ToString(), skipInputValidation: true);
    }

    protected abstract T ReadNumber(ref Utf8JsonReader reader);

    protected abstract T Missing();
}

/// <summary>float arrays on one line; the shortest text that reads back as the same float.</summary>
internal sealed class FloatArrayOnOneLine : NumbersOnOneLine<float>
{
    protected override float ReadNumber(ref Utf8JsonReader reader) => reader.GetSingle();

    protected override float Missing() => float.NaN;
}

/// <summary>int arrays on one line.</summary>
internal sealed class IntArrayOnOneLine : NumbersOnOneLine<int>
{
    protected override int ReadNumber(ref Utf8JsonReader reader) => reader.GetInt32();

    protected override int Missing() => throw new JsonException("expected a line number, found null");
}

/// <summary>One model a method tried.</summary>
/// <param name="Name">What it was: <c>rf</c>, <c>gbm</c>, <c>layer 15</c>, <c>layer 15, gbm</c>.</param>
/// <param name="ValidationMae">Its MAE on the validation split.</param>
/// <param name="Epochs">Epochs trained (networks only).</param>
/// <param name="Seconds">Its fitting or training time.</param>
public sealed record ResultCandidate(string Name, double ValidationMae, int? Epochs, double Seconds);

/// <summary>A network's budget as recorded.</summary>
/// <param name="MaxEpochs">Epoch limit.</param>
/// <param name="Patience">Early-stopping patience.</param>
/// <param name="TimeLimitSeconds">Wall-time limit per network, or null.</param>
/// <param name="Tier"><c>standard</c>, or <c>large</c> for sets past the large-set row threshold.</param>
/// <param name="LearningRateSchedule">The learning-rate schedule; absent (null) for the constant rate, which every result before schedules used.</param>
/// <param name="FineTuning">The fine-tuning recipe (TL:FineTune and TL:ModFineTune only); absent (null) for the paper's plain fine-tuning.</param>
public sealed record ResultBudget(
    int MaxEpochs, int Patience, double? TimeLimitSeconds, string Tier,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ResultSchedule? LearningRateSchedule = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ResultRecipe? FineTuning = null);

/// <summary>A fine-tuning recipe as a result records it: the values that differ from the paper's plain fine-tuning (the others null, left out).</summary>
/// <param name="WeightDecay">Decoupled weight decay (<c>--weight-decay</c>).</param>
/// <param name="L2Sp">Decay toward the source's weights (<c>--l2-sp</c>).</param>
/// <param name="TrunkLrScale">The trunk's rate as a multiple of the output layer's (<c>--trunk-lr-scale</c>).</param>
/// <param name="HeadEpochs">LP-FT's head-only epochs (<c>--head-epochs</c>).</param>
/// <param name="KeepProbabilities">Dropout keep probabilities during fine-tuning, comma-separated (<c>--keep-probabilities</c>).</param>
/// <param name="BatchSize">Samples per step when not ElemNet's 32 (<c>--batch-size</c>).</param>
/// <param name="LearningRate">The base rate when not ElemNet's 1e-4 (<c>--lr</c>).</param>
public sealed record ResultRecipe(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? WeightDecay = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? L2Sp = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? TrunkLrScale = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? HeadEpochs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? KeepProbabilities = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? BatchSize = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? LearningRate = null)
{
    /// <summary>"<c>l2-sp 10, dropout 0.8,0.9,0.7,0.8</c>".</summary>
    public override string ToString() => string.Join(", ", new (string Name, object? Value)[]
    {
        ("weight decay", WeightDecay), ("l2-sp", L2Sp), ("trunk rate ×", TrunkLrScale), ("head-only epochs", HeadEpochs), ("dropout keep", KeepProbabilities), ("batch", BatchSize), ("rate", LearningRate),
    }.Where(p => p.Value is not null).Select(p => $"{p.Name} {Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture)}"));
}

/// <summary>A learning-rate schedule as a result records it: its name and the parameters it uses (the others null, left out).</summary>
/// <param name="Kind"><c>plateau</c> or <c>cosine</c>.</param>
/// <param name="Factor">Plateau: the factor.</param>
/// <param name="Patience">Plateau: the patience in epochs.</param>
/// <param name="Floor">Plateau: the floor.</param>
/// <param name="WarmupEpochs">Cosine: the warm-up epochs.</param>
/// <param name="FinalLearningRate">Cosine: the rate at the epoch limit.</param>
public sealed record ResultSchedule(
    string Kind,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Factor = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Patience = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? Floor = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? WarmupEpochs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? FinalLearningRate = null)
{
    /// <summary>The record of <paramref name="schedule"/>; null for the constant rate.</summary>
    public static ResultSchedule? Of(Network.Training.LearningRateSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return schedule.Kind switch
        {
            Network.Training.LearningRateScheduleKind.Constant => null,
            Network.Training.LearningRateScheduleKind.Plateau => new(schedule.Kind.ToName(), Factor: schedule.Factor, Patience: schedule.Patience, Floor: schedule.Floor),
            _ => new(schedule.Kind.ToName(), WarmupEpochs: schedule.WarmupEpochs, FinalLearningRate: schedule.FinalRate),
        };
    }

    /// <summary>"<c>plateau (factor 0.3, patience 10, floor 1E-06)</c>".</summary>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Kind} (") + string.Join(", ", new (string Name, IFormattable? Value)[]
        {
            ("factor", Factor), ("patience", Patience), ("floor", Floor), ("warm-up epochs", WarmupEpochs), ("final rate", FinalLearningRate),
        }.Where(p => p.Value is not null).Select(p => $"{p.Name} {p.Value!.ToString(null, System.Globalization.CultureInfo.InvariantCulture)}")) + ")";
}

/// <summary>What a method ran on and with.</summary>
public sealed record ResultConfig
{
    /// <summary>Training file, as given.</summary>
    public string TrainFile { get; init; } = "";

    /// <summary>Test file, as given.</summary>
    public string TestFile { get; init; } = "";

    /// <summary>The shared split (splits.json in the results folder).</summary>
    public string Splits { get; init; } = "";

    /// <summary><c>ef</c>, <c>pa</c>, or <c>source layer K</c> (FeatExtr).</summary>
    public string Features { get; init; } = "";

    /// <summary>What was fitted: the mean, the classical models with their settings, or the network's architecture.</summary>
    public string Model { get; init; } = "";

    /// <summary>Source model path as given (transfer methods).</summary>
    public string? Source { get; init; }

    /// <summary>SHA-256 of the source model's weights file, so results from different source models are told apart.</summary>
    public string? SourceSha256 { get; init; }

    /// <summary>Source layers tried as features (FeatExtr).</summary>
    public IReadOnlyList<int>? FeatureLayers { get; init; }

    /// <summary>Device asked for.</summary>
    public string DeviceRequested { get; init; } = "";

    /// <summary>The source models a zoo method chose among (<c>--sources</c>), as given; <see cref="Source"/> is the one chosen. Absent for the other methods.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Sources { get; init; }

    /// <summary>SHA-256 of each of <see cref="Sources"/>' weights, in their order.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? SourcesSha256 { get; init; }

    /// <summary>How a zoo method screened its sources (<c>successive-halving, 10 epochs</c>); the candidates' scores are the result's <see cref="MethodResult.Candidates"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Screening { get; init; }
}

/// <summary>Source-generated JSON for result files (snake_case, indented, like the run folder's files).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(MethodResult))]
[JsonSerializable(typeof(TrainedCandidate))]
internal sealed partial class ReproduceJson : JsonSerializerContext;
