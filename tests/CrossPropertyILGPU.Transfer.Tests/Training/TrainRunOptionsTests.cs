using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Training;

public sealed class TrainRunOptionsTests
{
    [Test]
    public void FromRunFolder_ConfigWrittenBeforeInputScalingExisted_ResumesWithoutScaling()
    {
        // The members a run folder of the first release wrote: no input_scaling, no gemm.
        using var scratch = new ScratchFolder();
        var folder = Path.Combine(scratch.FullName, "old-run");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), """
            {
              "verb": "train",
              "train": ["data/source/oqmd_formation_enthalpy/part1.csv"],
              "validation": null,
              "validation_fraction": 0.05,
              "test": null,
              "formula_column": "",
              "target_column": "target",
              "features": "ef",
              "architecture": "1024x4D-512x3D-256x3D-128x3D-64x2-32x1-1",
              "keep_probabilities": [1, 1, 1, 1],
              "batch_size": 32,
              "learning_rate": 0.0001,
              "max_epochs": 1000,
              "patience": 20,
              "time_limit_seconds": 3900,
              "loss": "mae",
              "target_scaling": "standard",
              "seed": 1234567
            }
            """);

        var options = TrainRunOptions.FromRunFolder(folder);

        Assert.That(options.InputScaling, Is.EqualTo(InputScaling.None));
        Assert.That(options.Features, Is.EqualTo("ef"));
        Assert.That(options.ValidationFraction, Is.EqualTo(0.05));
        Assert.That(options.Resume, Is.True);
    }

    [Test]
    public void FromRunFolder_ConfigWrittenBeforeSchedulesExisted_ResumesAtAConstantRate()
    {
        using var scratch = new ScratchFolder();
        var folder = new RunFolder(scratch.FullName);
        folder.WriteConfig(new RunConfig { Train = ["x.csv"], LearningRate = 1e-4f });
        File.WriteAllText(folder.ConfigPath, string.Join('\n', File.ReadAllLines(folder.ConfigPath).Where(l => !l.Contains("lr_", StringComparison.Ordinal) && !l.Contains("warmup", StringComparison.Ordinal))));

        Assert.That(TrainRunOptions.FromRunFolder(scratch.FullName).ToSchedule(), Is.EqualTo(LearningRateSchedule.Constant));
    }

    [TestCase(LearningRateScheduleKind.Plateau)]
    [TestCase(LearningRateScheduleKind.Cosine)]
    public void Schedule_RoundTripsThroughConfigJson(LearningRateScheduleKind kind)
    {
        using var scratch = new ScratchFolder();
        var folder = new RunFolder(scratch.FullName);
        // As RunRecords writes it: only the parameters the kind uses.
        folder.WriteConfig(new RunConfig
        {
            Train = ["x.csv"],
            LearningRate = 1e-4f,
            LrSchedule = kind,
            LrFactor = kind == LearningRateScheduleKind.Plateau ? 0.5 : null,
            LrPatience = kind == LearningRateScheduleKind.Plateau ? 3 : null,
            LrFloor = kind == LearningRateScheduleKind.Plateau ? 2e-6f : null,
            WarmupEpochs = kind == LearningRateScheduleKind.Cosine ? 4 : null,
            FinalLr = kind == LearningRateScheduleKind.Cosine ? 1e-5f : null,
        });
        Assert.That(File.ReadAllText(folder.ConfigPath), Does.Contain($"\"lr_schedule\": \"{kind.ToName()}\""));

        var read = TrainRunOptions.FromRunFolder(scratch.FullName).ToSchedule();
        var expected = kind == LearningRateScheduleKind.Plateau
            ? LearningRateSchedule.Constant with { Kind = kind, Factor = 0.5, Patience = 3, Floor = 2e-6f }
            : LearningRateSchedule.Constant with { Kind = kind, WarmupEpochs = 4, FinalRate = 1e-5f };
        Assert.That(read, Is.EqualTo(expected));
    }

    [TestCase("LearningRateFactor", 1.0, 10, 1e-6f, 0, 0f)]
    [TestCase("LearningRateFactor", 0.0, 10, 1e-6f, 0, 0f)]
    [TestCase("LearningRatePatience", 0.3, -1, 1e-6f, 0, 0f)]
    [TestCase("LearningRateFloor", 0.3, 10, -1e-6f, 0, 0f)]
    [TestCase("WarmupEpochs", 0.3, 10, 1e-6f, -2, 0f)]
    [TestCase("FinalLearningRate", 0.3, 10, 1e-6f, 0, 1e-3f)]
    public void CheckSchedule_BadValue_IsAnOptionErrorNamingIt(string option, double factor, int patience, float floor, int warmup, float final)
    {
        var schedule = new LearningRateSchedule { Kind = LearningRateScheduleKind.Cosine, Factor = factor, Patience = patience, Floor = floor, WarmupEpochs = warmup, FinalRate = final };
        var error = Assert.Throws<OptionException>(() => TrainRunOptions.CheckSchedule(schedule, 1e-4f));
        Assert.That(error!.Option, Is.EqualTo(option));
        Assert.That(error.Message, Does.Not.Contain("--"));
    }
}
