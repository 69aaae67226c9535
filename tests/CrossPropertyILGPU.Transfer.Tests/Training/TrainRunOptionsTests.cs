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
}
