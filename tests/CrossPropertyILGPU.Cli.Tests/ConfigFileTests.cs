using System.Text.Json;
using System.Text.Json.Nodes;

namespace CrossPropertyILGPU.Cli.Tests;

/// <summary><c>--config FILE</c> of the training verbs, and their <c>--help</c>.</summary>
public sealed class ConfigFileTests
{
    private static readonly string Train = CliRunner.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv");
    private string _scratch = null!;

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("cpilgpu-config-").FullName;

    [TearDown]
    public void DeleteScratch() => Directory.Delete(_scratch, recursive: true);

    private string WriteConfig(string name, string json)
    {
        var path = Path.Combine(_scratch, name);
        File.WriteAllText(path, json);
        return path;
    }

    private static JsonElement ResolvedConfig(string run) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json"))).RootElement;

    private static void AssertSameConfigButTheStart(string first, string second)
    {
        var (a, b) = (ResolvedConfig(first), ResolvedConfig(second));
        var differing = a.EnumerateObject().Where(p => p.Value.GetRawText() != b.GetProperty(p.Name).GetRawText()).Select(p => p.Name);
        Assert.That(differing, Is.EqualTo(new[] { "started" }).AsCollection);
    }

    // A one-epoch, 16-unit model to fine-tune from.
    private string TrainSmallSource()
    {
        var source = Path.Combine(_scratch, "source");
        var (code, _, error) = CliRunner.Run("train", "--train", Train, "--arch", "16x1D-1", "--max-epochs", "1", "--device", "cpu", "--out", source);
        Assert.That(code, Is.Zero, error);
        return source;
    }

    [Test]
    public void Config_GivesTheOptionsAndTheCommandLineOverridesThem()
    {
        var config = WriteConfig("run.json", $$"""
            {
              // both spellings of a key, and comments, are accepted
              "train": [{{JsonSerializer.Serialize(Train)}}],
              "arch": "16x1D-1",
              "max-epochs": 5,
              "seed": 77,
              "batch_size": 64,
              "keep_probabilities": [0.9],
              "device": "cpu",
              "quiet": false
            }
            """);
        var run = Path.Combine(_scratch, "run");

        var (code, _, error) = CliRunner.Run("train", "--config", config, "--max-epochs", "2", "--seed", "5", "--out", run);

        Assert.That(code, Is.Zero, error);
        var resolved = ResolvedConfig(run);
        Assert.That(resolved.GetProperty("max_epochs").GetInt32(), Is.EqualTo(2), "the command line wins");
        Assert.That(resolved.GetProperty("seed").GetInt32(), Is.EqualTo(5), "the command line wins");
        Assert.That(resolved.GetProperty("architecture").GetString(), Is.EqualTo("16x1D-1"), "from the config");
        Assert.That(resolved.GetProperty("batch_size").GetInt32(), Is.EqualTo(64), "from the config");
        Assert.That(resolved.GetProperty("keep_probabilities")[0].GetSingle(), Is.EqualTo(0.9f), "from the config");
        Assert.That(resolved.GetProperty("train")[0].GetString(), Is.EqualTo(Train), "from the config");
    }

    [Test]
    public void Config_ARunFoldersConfigJsonRepeatsTheRun()
    {
        var first = Path.Combine(_scratch, "first");
        var (code, _, error) = CliRunner.Run("train", "--train", Train, "--arch", "16x1D-1", "--max-epochs", "2", "--lr", "0.001", "--val-fraction", "0.2", "--seed", "9", "--device", "cpu", "--out", first);
        Assert.That(code, Is.Zero, error);
        var second = Path.Combine(_scratch, "second");

        (code, _, error) = CliRunner.Run("train", "--config", Path.Combine(first, "config.json"), "--out", second);

        Assert.That(code, Is.Zero, error);
        AssertSameConfigButTheStart(first, second);
        Assert.That(File.ReadAllText(Path.Combine(second, "splits.json")), Is.EqualTo(File.ReadAllText(Path.Combine(first, "splits.json"))));
    }

    [TestCase("plateau", "--lr-patience", "3", "--lr-factor", "0.5", "--lr-floor", "0.00001")]
    [TestCase("cosine", "--warmup-epochs", "1", "--final-lr", "0.00001")]
    public void Config_ARunFoldersConfigJsonRepeatsItsLearningRateSchedule(string schedule, params string[] parameters)
    {
        var first = Path.Combine(_scratch, "first");
        var (code, _, error) = CliRunner.Run(["train", "--train", Train, "--arch", "16x1D-1", "--max-epochs", "2", "--device", "cpu", "--lr-schedule", schedule, .. parameters, "--out", first]);
        Assert.That(code, Is.Zero, error);
        Assert.That(ResolvedConfig(first).GetProperty("lr_schedule").GetString(), Is.EqualTo(schedule));
        var second = Path.Combine(_scratch, "second");

        (code, _, error) = CliRunner.Run("train", "--config", Path.Combine(first, "config.json"), "--out", second);

        Assert.That(code, Is.Zero, error);
        AssertSameConfigButTheStart(first, second);
        static string[] Rates(string run) => [.. File.ReadAllLines(Path.Combine(run, "metrics.csv")).Select(line => line.Split(',')[3])];
        Assert.That(Rates(second), Is.EqualTo(Rates(first)).AsCollection);
    }

    [Test]
    public void Config_UnknownSchedule_IsAnErrorNamingTheFileKeyAndValue()
    {
        var config = WriteConfig("bad.json", $$"""{ "train": [{{JsonSerializer.Serialize(Train)}}], "lr_schedule": "step" }""");
        var (code, _, error) = CliRunner.Run("train", "--config", config, "--out", Path.Combine(_scratch, "never"));
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain(config).And.Contain("'lr_schedule'").And.Contain("step").And.Contain("constant, plateau or cosine"));
    }

    [Test]
    public void Config_AFineTuneRunsConfigJsonRepeatsTheRun()
    {
        // FineTune records its target scaling as "source" (kept with the source's output layer);
        // that value has to be accepted back, or its config.json could not repeat the run.
        var source = TrainSmallSource();
        var first = Path.Combine(_scratch, "first");
        var (code, _, error) = CliRunner.Run("finetune", "--source", source, "--train", Train, "--max-epochs", "2", "--device", "cpu", "--out", first);
        Assert.That(code, Is.Zero, error);
        Assert.That(ResolvedConfig(first).GetProperty("target_scaling").GetString(), Is.EqualTo("source"));
        var second = Path.Combine(_scratch, "second");

        (code, _, error) = CliRunner.Run("finetune", "--config", Path.Combine(first, "config.json"), "--out", second);

        Assert.That(code, Is.Zero, error);
        AssertSameConfigButTheStart(first, second);
    }

    [TestCase("train")]
    [TestCase("finetune", "--reinit-last")]
    public void TargetScalingSource_WithoutAKeptOutputLayer_ExitsWithCode2(string verb, params string[] extra)
    {
        var source = TrainSmallSource();
        string[] sourceArgs = verb == "finetune" ? ["--source", source] : [];

        var (code, _, error) = CliRunner.Run([verb, "--train", Train, "--target-scaling", "source", "--out", Path.Combine(_scratch, "never"), .. sourceArgs, .. extra]);

        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain("--target-scaling source"));
    }

    [Test]
    public void Config_UnknownKey_ExitsWithCode2NamingTheKeyAndTheFile()
    {
        var config = WriteConfig("typo.json", $$"""{ "train": [{{JsonSerializer.Serialize(Train)}}], "max_epoch": 3 }""");
        var run = Path.Combine(_scratch, "never");

        var (code, _, error) = CliRunner.Run("train", "--config", config, "--out", run);

        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain(config).And.Contain("'max_epoch'").And.Contain("max_epochs"));
        Assert.That(Directory.Exists(run), Is.False);
    }

    [TestCase("max_epochs")]
    [TestCase("test")]
    [TestCase("lr_factor")]
    public void Config_NullValue_IsAnErrorNamingTheFileAndTheKey(string key)
    {
        var config = WriteConfig("nulls.json", $$"""{ "train": [{{JsonSerializer.Serialize(Train)}}], "max_epochs": 2, "{{key}}": null }""");
        var run = Path.Combine(_scratch, "never");

        var (code, _, error) = CliRunner.Run("train", "--config", config, "--device", "cpu", "--out", run);

        Assert.That(code, Is.EqualTo(CliApp.InvalidInput), error);
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), error);
        Assert.That(error, Does.Contain($"error: {config}: key '{key}' is null").And.Contain("leave the key out"));
        Assert.That(Directory.Exists(run), Is.False);
    }

    [Test]
    public void Config_ARunFoldersConfigJsonWithANullOnAKeyItNeverLeavesUnset_IsAnError()
    {
        // A config.json edited by hand: max_epochs is never recorded as null, so this null is the user's.
        var first = Path.Combine(_scratch, "first");
        var (code, _, error) = CliRunner.Run("train", "--train", Train, "--arch", "16x1D-1", "--max-epochs", "1", "--device", "cpu", "--out", first);
        Assert.That(code, Is.Zero, error);
        var edited = JsonNode.Parse(File.ReadAllText(Path.Combine(first, "config.json")))!.AsObject();
        edited["max_epochs"] = null;
        var config = WriteConfig("edited.json", edited.ToJsonString());

        (code, _, error) = CliRunner.Run("train", "--config", config, "--out", Path.Combine(_scratch, "never"));

        Assert.That(code, Is.EqualTo(CliApp.InvalidInput), error);
        Assert.That(error, Does.Contain($"{config}: key 'max_epochs' is null"));
    }

    /// <summary>
    /// Earlier versions wrote the members a run did not use as null (the other schedules'
    /// parameters, no test file, no source); such a config.json still repeats the run through
    /// --config, and its run folder still resumes.
    /// </summary>
    [Test]
    public void Config_AnOlderRunFoldersConfigJsonWithNullsForUnusedMembers_StillRepeatsAndResumes()
    {
        var first = Path.Combine(_scratch, "first");
        var (code, _, error) = CliRunner.Run("train", "--train", Train, "--arch", "16x1D-1", "--max-epochs", "2", "--lr", "0.001", "--seed", "9", "--device", "cpu", "--out", first);
        Assert.That(code, Is.Zero, error);
        var configPath = Path.Combine(first, "config.json");
        Assert.That(File.ReadAllText(configPath), Does.Not.Contain("null"), "this version leaves unused members out");
        var old = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        foreach (var key in new[] { "validation", "test", "lr_factor", "lr_patience", "lr_floor", "warmup_epochs", "final_lr", "time_limit_seconds", "splits", "source" })
        {
            old[key] = null;
        }
        File.WriteAllText(configPath, old.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        var second = Path.Combine(_scratch, "second");
        (code, _, error) = CliRunner.Run("train", "--config", configPath, "--out", second);
        Assert.That(code, Is.Zero, error);
        var repeated = ResolvedConfig(second);
        foreach (var property in ResolvedConfig(first).EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Null && p.Name != "started"))
        {
            Assert.That(repeated.GetProperty(property.Name).GetRawText(), Is.EqualTo(property.Value.GetRawText()), property.Name);
        }
        Assert.That(File.ReadAllBytes(Path.Combine(second, "model.safetensors")), Is.EqualTo(File.ReadAllBytes(Path.Combine(first, "model.safetensors"))).AsCollection, "the same run again");

        (code, _, error) = CliRunner.Run("train", "--resume", first, "--max-epochs", "3");
        Assert.That(code, Is.Zero, error);
        Assert.That(error, Does.Contain("resuming").And.Contain("after epoch 2"));
        Assert.That(File.ReadAllLines(Path.Combine(first, "metrics.csv")), Has.Length.EqualTo(4));
    }

    [Test]
    public void Config_BadFileOrValue_ExitsWithCode2NamingTheFile()
    {
        string[] configs =
        [
            Path.Combine(_scratch, "missing.json"),
            WriteConfig("list.json", "[1, 2]"),
            WriteConfig("broken.json", "{ \"seed\": "),
            WriteConfig("text.json", """{ "max_epochs": "many" }"""),
            WriteConfig("object.json", """{ "arch": { "units": 3 } }"""),
            WriteConfig("source.json", """{ "source": "models/elemnet-oqmd" }"""),
        ];
        foreach (var config in configs)
        {
            var (code, _, error) = CliRunner.Run("train", "--config", config, "--train", Train, "--out", Path.Combine(_scratch, "never"));
            Assert.That(code, Is.EqualTo(CliApp.InvalidInput), config);
            Assert.That(error, Does.Contain(config), config);
        }
    }

    [TestCase("train")]
    [TestCase("pretrain")]
    [TestCase("finetune")]
    public void Help_ListsEveryOptionWithItsDefault(string verb)
    {
        var (code, output, error) = CliRunner.Run(verb, "--help");

        Assert.That(code, Is.Zero, error);
        // An option's line starts with its name; a long description may wrap onto indented lines.
        var entries = new List<string>();
        foreach (var line in output[output.IndexOf("Options:", StringComparison.Ordinal)..].Split('\n').Skip(1))
        {
            if (line.TrimStart().StartsWith("--", StringComparison.Ordinal))
            {
                entries.Add(line);
            }
            else if (entries.Count > 0 && line.Length > 0 && !line.TrimStart().StartsWith('-'))
            {
                entries[^1] += line;
            }
        }
        Assert.That(entries, Has.Count.GreaterThan(25));
        Assert.That(entries.Where(e => !e.Contains("default", StringComparison.OrdinalIgnoreCase) && !e.Contains("Required", StringComparison.Ordinal)),
            Is.Empty, "every option states its default, or that it is required");
        Assert.That(entries, Has.Some.StartsWith("  --config"));
    }
}
