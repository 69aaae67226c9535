using CrossPropertyILGPU.Cli.Verbs;
using CrossPropertyILGPU.Transfer;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Cli.Tests;

public sealed class OptionFlagsTests
{
    [Test]
    public void EveryRunOption_HasAFlagThatFinetuneTakes()
    {
        // A library error about an option without a flag would reach the user under its C# name.
        var finetune = TrainVerb.Create(TrainDefaults.Finetune).Options.Select(o => o.Name).ToHashSet();
        foreach (var property in typeof(TrainRunOptions).GetProperties().Select(p => p.Name).Where(p => !OptionFlags.WithoutFlag.Contains(p)))
        {
            Assert.That(OptionFlags.Has(property), property);
            Assert.That(finetune, Does.Contain(OptionFlags.Of(property)), property);
            Assert.That(OptionFlags.OptionOf(OptionFlags.Of(property)), Is.EqualTo(property));
        }
    }

    [TestCase("--max-epochs", "0", "error: --max-epochs 0: must be at least 1.")]
    [TestCase("--patience", "0", "error: --patience 0: must be at least 1.")]
    [TestCase("--batch-size", "0", "error: --batch-size 0: must be at least 1.")]
    [TestCase("--lr", "-1", "error: --lr -1: must be a finite number, 0 or more.")]
    [TestCase("--time-limit", "0", "error: --time-limit 0: must be a positive number of seconds.")]
    public void Train_BadBudget_OneLineWithTheFlagValueAndRange(string flag, string value, string expected)
    {
        // Not the trainer's "MaxEpochs ('0') must be greater than or equal to '1'. (Parameter 'MaxEpochs')" over two lines.
        var train = CrossPropertyILGPU.Tests.Shared.RepositoryFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv");
        var (code, _, error) = CliRunner.Run("train", "--train", train, flag, value, "--out", Path.Combine(Path.GetTempPath(), "cpilgpu-never-" + Guid.NewGuid().ToString("N")));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.Trim(), Is.EqualTo(expected));
    }

    [Test]
    public void Describe_AnOptionError_SpeaksInFlags()
    {
        var error = new OptionException(nameof(TrainRunOptions.ValidationFraction), "1.5", "must lie strictly between 0 and 1.");
        Assert.That(OptionFlags.Describe(error), Is.EqualTo("--val-fraction 1.5: must lie strictly between 0 and 1."));
        Assert.That(error.Message, Does.Not.Contain("--"));
    }

    [Test]
    public void ConfigFile_UnknownLoss_IsAnErrorNamingTheFileKeyAndValue()
    {
        var folder = Path.Combine(Path.GetTempPath(), "cpilgpu-optionflags-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var config = Path.Combine(folder, "bad.json");
            File.WriteAllText(config, """{ "loss": "huber", "max_epochs": 1 }""");
            var (code, _, error) = CliRunner.Run("train", "--config", config, "--train", "x.csv", "--out", Path.Combine(folder, "run"));
            Assert.That(code, Is.EqualTo(2));
            Assert.That(error, Does.Contain(config).And.Contain("'loss'").And.Contain("huber").And.Contain("mae or mse"));
            Assert.That(Directory.Exists(Path.Combine(folder, "run")), Is.False);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
