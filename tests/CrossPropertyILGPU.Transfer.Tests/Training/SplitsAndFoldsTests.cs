using System.Text.Json;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Training;

/// <summary>Reusing a saved split, and k-fold cross-validation.</summary>
public sealed class SplitsAndFoldsTests : ScratchTests
{
    private static readonly string Train = TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv");

    private TrainRunOptions Options(string name, int seed = 1234567) => new()
    {
        TrainPaths = [Train],
        Architecture = "16x1-1",
        MaxEpochs = 1,
        Device = DeviceKind.Cpu,
        Seed = seed,
        OutputDirectory = Path.Combine(Scratch.FullName, name),
    };

    [Test]
    public void SplitsPath_ReusesTheRowsOfAnEarlierRun_WhateverTheSeed()
    {
        var first = TrainingRun.Run(Options("first"), TextWriter.Null).OutputDirectory;
        var second = TrainingRun.Run(Options("second", seed: 99) with { SplitsPath = Path.Combine(first, "splits.json") }, TextWriter.Null).OutputDirectory;
        Assert.That(ValidationLines(second), Is.EqualTo(ValidationLines(first)).AsCollection);
        Assert.That(ValidationLines(TrainingRun.Run(Options("third", seed: 99), TextWriter.Null).OutputDirectory), Is.Not.EqualTo(ValidationLines(first)).AsCollection);
    }

    [Test]
    public void SplitsPath_FromOtherFiles_IsRejected()
    {
        var other = TrainingRun.Run(Options("other") with { TrainPaths = [TestFiles.Jarvis("expt_deltae", "expt_deltae_training_set.csv")] }, TextWriter.Null).OutputDirectory;
        var ex = Assert.Throws<OptionException>(() => TrainingRun.Run(Options("never") with { SplitsPath = Path.Combine(other, "splits.json") }, TextWriter.Null));
        Assert.That((ex!.Option, ex.Problem), Is.EqualTo((nameof(TrainRunOptions.TrainPaths), ex.Problem)));
        Assert.That(ex.Problem, Does.Contain("not among the training files"));
    }

    [Test]
    public void Folds_HoldOutEveryRowExactlyOnce()
    {
        var folds = CrossValidation.Run(Options("cv"), 3, TextWriter.Null);
        Assert.That(folds.Select(f => f.Fold), Is.EqualTo(new[] { 1, 2, 3 }).AsCollection);
        var held = folds.SelectMany(f => ValidationLines(f.RunFolder)).ToArray();
        Assert.That(held.Order(), Is.EqualTo(Enumerable.Range(2, 501)).AsCollection, "every data line (header = line 1) validates exactly once");
        Assert.That(folds.Select(f => ValidationLines(f.RunFolder).Length), Is.All.InRange(167, 167));
        var (mean, std) = CrossValidation.Summarize([.. folds.Select(f => f.ValidationMae)]);
        Assert.That(mean, Is.EqualTo(folds.Average(f => f.ValidationMae)).Within(1e-12));
        Assert.That(std, Is.GreaterThan(0));
        Assert.Catch<UsageException>(() => CrossValidation.Run(Options("cv1"), 1, TextWriter.Null));
    }

    private static int[] ValidationLines(string run)
    {
        using var splits = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "splits.json")));
        return [.. splits.RootElement.GetProperty("validation").GetProperty("lines").EnumerateArray().Select(e => e.GetInt32())];
    }
}
