using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests;

public sealed class VocabularyTests
{
    [Test]
    public void EveryVocabulary_RoundTripsEveryValue()
    {
        static void RoundTrips<T>(OptionVocabulary<T> vocabulary)
            where T : struct, Enum
        {
            foreach (var value in Enum.GetValues<T>())
            {
                Assert.That(vocabulary.Parse(vocabulary.ToName(value)), Is.EqualTo(value), $"{vocabulary.Option} {value}");
            }
            Assert.That(vocabulary.Names, Is.Unique);
        }
        RoundTrips(Vocabulary.Loss);
        RoundTrips(Vocabulary.TargetScaling);
        RoundTrips(Vocabulary.OnUnsupported);
        RoundTrips(Vocabulary.InputScaling);
        RoundTrips(Vocabulary.FeatureKind);
        RoundTrips(Vocabulary.LearningRateSchedule);
        Assert.That((LossKind.Mse.ToName(), TargetScaling.Source.ToName(), FeatureKind.ElementalFractions.ToName()), Is.EqualTo(("mse", "source", "ef")));
    }

    [Test]
    public void Parse_UnknownName_IsAnOptionErrorNamingTheOptionValueAndTheNames()
    {
        var error = Assert.Throws<OptionException>(() => Vocabulary.TargetScaling.Parse("Standard"));
        Assert.That((error!.Option, error.Value, error.Problem), Is.EqualTo((nameof(TrainRunOptions.TargetScaling), "Standard", "use standard, none or source.")));
        Assert.That(error.Message, Is.EqualTo("TargetScaling Standard: use standard, none or source."), "the library speaks of its own option names, not flags");
    }

    [TestCase("loss", "\"mea\"")]
    [TestCase("target_scaling", "\"scaled\"")]
    [TestCase("on_unsupported", "\"ignore\"")]
    [TestCase("input_scaling", "\"minmax\"")]
    [TestCase("lr_schedule", "\"step\"")]
    public void ReadConfig_UnknownEnumValue_IsAnErrorNamingFileKeyAndValue(string key, string value)
    {
        using var scratch = new ScratchFolder();
        var folder = new RunFolder(scratch.FullName);
        folder.WriteConfig(new RunConfig { Train = ["x.csv"] });
        File.WriteAllText(folder.ConfigPath, File.ReadAllText(folder.ConfigPath).Replace("\n", $"\n  \"{key}\": {value},\n", StringComparison.Ordinal).Replace("{,", "{", StringComparison.Ordinal));

        var error = Assert.Catch<UsageException>(() => folder.ReadConfig());
        Assert.That(error!.Message, Does.Contain(folder.ConfigPath).And.Contain(key).And.Contain(value.Trim('"')));
    }

    [Test]
    public void RunConfig_EveryMember_IsAnOptionOrARecord()
    {
        // A member added to config.json without saying which option it sets would be read back as nothing.
        var keys = typeof(RunConfig).GetProperties().Where(p => p.CanWrite)
            .Select(p => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name));
        foreach (var key in keys)
        {
            Assert.That(RunConfig.OptionOfKey.ContainsKey(key) || RunConfig.RecordOnlyKeys.Contains(key), key);
        }
        foreach (var option in RunConfig.OptionOfKey.Values)
        {
            Assert.That(typeof(TrainRunOptions).GetProperty(option), Is.Not.Null, option);
        }
    }
}
