using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CrossPropertyILGPU.Transfer;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Cli;

/// <summary>
/// <c>--config FILE</c> of the training verbs: a JSON object of option values, read as if its
/// options had been typed on the command line, except those the command line gives itself, which
/// win. Keys are option names without the dashes, with <c>-</c> or <c>_</c> (<c>max-epochs</c>,
/// <c>max_epochs</c>), or the names of a run folder's <c>config.json</c> (<c>learning_rate</c>,
/// <c>architecture</c>, …; <see cref="RunConfig.OptionOfKey"/> maps them, so the schema lives in one
/// place), so a run's resolved config can be reused as it is; its records of what happened
/// (<see cref="RunConfig.RecordOnlyKeys"/>) are ignored. An enum-valued option with an unknown value
/// is an error naming the file, the key and the value.
/// A <c>null</c> is an error naming the file and the key (leave a key out for its default), with
/// one exception: a run folder's config.json (it has the record-only keys) from versions that
/// wrote the members a run did not use as null (<see cref="RunFolder.ConfigKeysRecordedAsNullWhenUnused"/>);
/// there such a null means "not set". Empty strings leave the option at its default; an unknown key
/// is an error naming the key and the file. Paths in it are relative to the working directory, as
/// on the command line and in config.json.
/// </summary>
internal static class ConfigFile
{
    /// <summary>The option that names the file.</summary>
    public const string OptionName = "--config";

    private static bool IsUnset(JsonElement value) =>
        value.ValueKind is JsonValueKind.False || (value.ValueKind == JsonValueKind.Number && value.GetDouble() == 0);

    /// <summary>
    /// The arguments with the config file's options inserted after the verb, leaving out every
    /// option the command line gives; <paramref name="args"/> itself when no <c>--config</c> is given.
    /// </summary>
    /// <exception cref="UsageException">The file is missing or not a JSON object, or has an unknown key.</exception>
    public static string[] Merge(string[] args, ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var configOption = command.Options.FirstOrDefault(o => o.Name == OptionName);
        if (configOption is null || parse.GetResult(configOption) is not { Implicit: false } given || given.Tokens.Count == 0)
        {
            return args;
        }
        var path = given.Tokens[0].Value;
        var options = command.Options
            .Where(o => o.Name.StartsWith("--", StringComparison.Ordinal) && o.Name != OptionName && o.Name != "--help")
            .ToDictionary(o => Key(o.Name[2..]), StringComparer.Ordinal);
        var inserted = new List<string>();
        var entries = Read(path);
        var isRunConfig = entries.Any(e => RunConfig.RecordOnlyKeys.Contains(Key(e.Key)));
        foreach (var (key, value) in entries)
        {
            // A config.json key names its option through RunConfig's schema; any other key is a flag name.
            var name = Key(key);
            if (RunConfig.RecordOnlyKeys.Contains(name))
            {
                continue;
            }
            if (value.ValueKind == JsonValueKind.Null)
            {
                if (isRunConfig && RunFolder.ConfigKeysRecordedAsNullWhenUnused.Contains(name))
                {
                    continue; // an older run folder's record of a member the run did not use
                }
                throw new UsageException($"{path}: key '{key}' is null; give it a value, or leave the key out to use the option's default.");
            }
            var fromRunConfig = RunConfig.OptionOfKey.TryGetValue(name, out var property);
            if (fromRunConfig && OptionFlags.Has(property!))
            {
                name = Key(OptionFlags.Of(property!)[2..]);
            }
            if (!options.TryGetValue(name, out var option) && fromRunConfig && IsUnset(value))
            {
                continue; // a config.json of train or pretrain records finetune's options as false and 0
            }
            if (option is null)
            {
                throw new UsageException(
                    $"{path}: unknown key '{key}' for {command.Name}. Valid keys: {string.Join(", ", options.Keys.Order(StringComparer.Ordinal))} (or a run folder's config.json names).");
            }
            if (parse.GetResult(option) is { Implicit: false })
            {
                continue; // the command line wins
            }
            var tokens = Tokens(path, key, value, option);
            // Checked here so that the error names the file and key, not only the flag.
            if (OptionFlags.OptionOf(option.Name) is { } optionName && tokens.FirstOrDefault(t => !Vocabulary.Accepts(optionName, t, out _)) is { } bad)
            {
                Vocabulary.Accepts(optionName, bad, out var listing);
                throw new UsageException($"{path}: key '{key}' holds '{bad}', which is not a value of {option.Name}; use {listing}.");
            }
            if (tokens.Count > 0)
            {
                inserted.Add(option.Name);
                inserted.AddRange(tokens);
            }
        }
        var verb = Array.IndexOf(args, command.Name);
        return [.. args[..(verb + 1)], .. inserted, .. args[(verb + 1)..]];
    }

    private static string Key(string name) => name.Replace('-', '_').ToLowerInvariant();

    private static List<(string Key, JsonElement Value)> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"--config {path}: file not found.");
        }
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new UsageException($"--config {path}: expected a JSON object of option values, found {document.RootElement.ValueKind}.");
            }
            return [.. document.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.Clone()))];
        }
        catch (JsonException e)
        {
            throw new UsageException($"--config {path}: not valid JSON ({e.Message}).", e);
        }
    }

    // The command-line tokens of one value: flags take true/false, lists of numbers (dropout keep
    // probabilities) one comma-separated token, lists of files one token each.
    private static List<string> Tokens(string path, string key, JsonElement value, Option option)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return [];
            case JsonValueKind.String:
                return value.GetString() is { Length: > 0 } text ? [text] : [];
            case JsonValueKind.Number:
                return [value.GetRawText()];
            case JsonValueKind.True:
            case JsonValueKind.False:
                return [value.ValueKind == JsonValueKind.True ? "true" : "false"];
            case JsonValueKind.Array:
                var items = value.EnumerateArray().ToArray();
                if (items.Any(i => i.ValueKind is not (JsonValueKind.String or JsonValueKind.Number)))
                {
                    break;
                }
                var texts = items.Select(i => i.ValueKind == JsonValueKind.String ? i.GetString()! : i.GetRawText()).ToList();
                return option.AllowMultipleArgumentsPerToken ? texts : texts.Count == 0 ? [] : [string.Join(",", texts)];
            default:
                break;
        }
        throw new UsageException(string.Create(CultureInfo.InvariantCulture,
            $"{path}: key '{key}' holds {value.GetRawText()}; give a string, number, true/false or a list for {option.Name}."));
    }
}
