using System.Text.Json;
using System.Text.Json.Serialization;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer;

/// <summary>
/// The names of one enum-valued option, in one place: the CLI parses flags with it, config files
/// and run folders are read and written with it, and error messages list its names. Parsing is
/// strict — an unknown name is an <see cref="OptionException"/>, never a silent default.
/// </summary>
/// <typeparam name="T">The option's enum.</typeparam>
public sealed class OptionVocabulary<T>
    where T : struct, Enum
{
    private readonly NameTable<T> _table;

    internal OptionVocabulary(string option, params (T Value, string Name)[] entries)
    {
        Option = option;
        _table = new NameTable<T>(ignoreCase: false, entries);
    }

    /// <summary>The option's property name (e.g. <c>Loss</c>), for errors.</summary>
    public string Option { get; }

    /// <summary>Every accepted name, in the order help texts list them.</summary>
    public IReadOnlyList<string> Names => _table.Names;

    /// <summary>The name of <paramref name="value"/>.</summary>
    public string ToName(T value) => _table.ToName(value);

    /// <summary>The value named <paramref name="text"/> (exact, lower case); false for anything else.</summary>
    public bool TryParse(string? text, out T value) => _table.TryParse(text, out value);

    /// <summary>The value named <paramref name="text"/>.</summary>
    /// <exception cref="OptionException">The text names none of <see cref="Names"/>.</exception>
    public T Parse(string text) =>
        TryParse(text, out var value) ? value : throw new OptionException(Option, text, $"use {Listing}.");

    /// <summary>"<c>a, b or c</c>".</summary>
    public string Listing => _table.Listing;
}

/// <summary>The vocabularies of the enum-valued options of training runs, and their names as extension methods.</summary>
public static class Vocabulary
{
    /// <summary>Training loss: <c>mae</c> or <c>mse</c>.</summary>
    public static OptionVocabulary<LossKind> Loss { get; } =
        new(nameof(TrainRunOptions.Loss), (LossKind.Mae, "mae"), (LossKind.Mse, "mse"));

    /// <summary>Target scaling: <c>standard</c>, <c>none</c> or <c>source</c> (FineTune keeps the source model's).</summary>
    public static OptionVocabulary<TargetScaling> TargetScaling { get; } =
        new(nameof(TrainRunOptions.TargetScaling), (Training.TargetScaling.Standard, "standard"), (Training.TargetScaling.None, "none"), (Training.TargetScaling.Source, "source"));

    /// <summary>Rows whose formula cannot be used: <c>skip</c> or <c>error</c>.</summary>
    public static OptionVocabulary<UnsupportedRowAction> OnUnsupported { get; } =
        new(nameof(TrainRunOptions.OnUnsupported), (UnsupportedRowAction.Skip, "skip"), (UnsupportedRowAction.Error, "error"));

    /// <summary>Input scaling: <c>auto</c>, <c>standard</c> or <c>none</c>.</summary>
    public static OptionVocabulary<InputScaling> InputScaling { get; } =
        new(nameof(TrainRunOptions.InputScaling), (Data.InputScaling.Auto, "auto"), (Data.InputScaling.Standard, "standard"), (Data.InputScaling.None, "none"));

    /// <summary>Feature kind: <c>ef</c>, <c>pa</c> or <c>file</c> (a feature CSV).</summary>
    public static OptionVocabulary<FeatureKind> FeatureKind { get; } =
        new(nameof(TrainRunOptions.Features), (Data.FeatureKind.ElementalFractions, "ef"), (Data.FeatureKind.PhysicalAttributes, "pa"), (Data.FeatureKind.File, "file"));

    /// <summary>Learning-rate schedule: <c>constant</c>, <c>plateau</c> or <c>cosine</c>.</summary>
    public static OptionVocabulary<LearningRateScheduleKind> LearningRateSchedule { get; } =
        new(nameof(TrainRunOptions.LearningRateSchedule),
            (LearningRateScheduleKind.Constant, "constant"), (LearningRateScheduleKind.Plateau, "plateau"), (LearningRateScheduleKind.Cosine, "cosine"));

    /// <summary>Source screening: <c>successive-halving</c> or <c>fixed</c>.</summary>
    public static OptionVocabulary<ScreeningStrategy> Screening { get; } =
        new(ScreeningBudget.StrategyOption, (ScreeningStrategy.SuccessiveHalving, "successive-halving"), (ScreeningStrategy.Fixed, "fixed"));

    /// <summary>
    /// For an enum-valued option (named by property), whether <paramref name="text"/> is one of its
    /// names, and the names it takes; true for any other option (nothing to check here).
    /// </summary>
    public static bool Accepts(string option, string text, out string listing)
    {
        (bool Ok, string Listing) Check<T>(OptionVocabulary<T> vocabulary)
            where T : struct, Enum => (vocabulary.TryParse(text, out _), vocabulary.Listing);
        (var ok, listing) = option switch
        {
            nameof(TrainRunOptions.Loss) => Check(Loss),
            nameof(TrainRunOptions.TargetScaling) => Check(TargetScaling),
            nameof(TrainRunOptions.OnUnsupported) => Check(OnUnsupported),
            nameof(TrainRunOptions.InputScaling) => Check(InputScaling),
            nameof(TrainRunOptions.LearningRateSchedule) => Check(LearningRateSchedule),
            ScreeningBudget.StrategyOption => Check(Screening),
            _ => (true, ""),
        };
        return ok;
    }

    /// <summary><c>mae</c> or <c>mse</c>.</summary>
    public static string ToName(this LossKind value) => Loss.ToName(value);

    /// <summary><c>standard</c>, <c>none</c> or <c>source</c>.</summary>
    public static string ToName(this TargetScaling value) => TargetScaling.ToName(value);

    /// <summary><c>skip</c> or <c>error</c>.</summary>
    public static string ToName(this UnsupportedRowAction value) => OnUnsupported.ToName(value);

    /// <summary><c>auto</c>, <c>standard</c> or <c>none</c>.</summary>
    public static string ToName(this InputScaling value) => InputScaling.ToName(value);

    /// <summary><c>ef</c>, <c>pa</c> or <c>file</c>.</summary>
    public static string ToName(this FeatureKind value) => FeatureKind.ToName(value);

    /// <summary><c>constant</c>, <c>plateau</c> or <c>cosine</c>.</summary>
    public static string ToName(this LearningRateScheduleKind value) => LearningRateSchedule.ToName(value);

    /// <summary><c>successive-halving</c> or <c>fixed</c>.</summary>
    public static string ToName(this ScreeningStrategy value) => Screening.ToName(value);

    /// <summary>What <see cref="Data.InputScaling.Auto"/> means for a feature kind: standard for <c>pa</c>, none otherwise.</summary>
    public static InputScaling Resolve(this InputScaling scaling, FeatureKind kind) =>
        scaling != Data.InputScaling.Auto ? scaling : kind == Data.FeatureKind.PhysicalAttributes ? Data.InputScaling.Standard : Data.InputScaling.None;
}

/// <summary>
/// Reads and writes an enum-valued member of a run file by its vocabulary name; an unknown name is
/// a <see cref="JsonException"/> naming the value and the names allowed (the file's reader adds
/// the file and key).
/// </summary>
/// <typeparam name="T">The enum.</typeparam>
public abstract class VocabularyJsonConverter<T>(OptionVocabulary<T> vocabulary) : JsonConverter<T>
    where T : struct, Enum
{
    /// <inheritdoc />
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return vocabulary.TryParse(text, out var value)
            ? value
            : throw new JsonException($"'{text ?? reader.TokenType.ToString()}' is not a known value; use {vocabulary.Listing}.");
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(vocabulary.ToName(value));
    }
}

/// <summary><see cref="LossKind"/> in run files.</summary>
public sealed class LossJsonConverter() : VocabularyJsonConverter<LossKind>(Vocabulary.Loss);

/// <summary><see cref="Training.TargetScaling"/> in run files.</summary>
public sealed class TargetScalingJsonConverter() : VocabularyJsonConverter<TargetScaling>(Vocabulary.TargetScaling);

/// <summary><see cref="UnsupportedRowAction"/> in run files.</summary>
public sealed class UnsupportedRowActionJsonConverter() : VocabularyJsonConverter<UnsupportedRowAction>(Vocabulary.OnUnsupported);

/// <summary><see cref="Data.InputScaling"/> in run files.</summary>
public sealed class InputScalingJsonConverter() : VocabularyJsonConverter<InputScaling>(Vocabulary.InputScaling);

/// <summary><see cref="Data.FeatureKind"/> in run files.</summary>
public sealed class FeatureKindJsonConverter() : VocabularyJsonConverter<FeatureKind>(Vocabulary.FeatureKind);

/// <summary><see cref="LearningRateScheduleKind"/> in run files.</summary>
public sealed class LearningRateScheduleJsonConverter() : VocabularyJsonConverter<LearningRateScheduleKind>(Vocabulary.LearningRateSchedule);

/// <summary><see cref="ScreeningStrategy"/> in run files.</summary>
public sealed class ScreeningStrategyJsonConverter() : VocabularyJsonConverter<ScreeningStrategy>(Vocabulary.Screening);
