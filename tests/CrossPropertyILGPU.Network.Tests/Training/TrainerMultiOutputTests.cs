using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Network.Spec;
using CrossPropertyILGPU.Network.Training;

namespace CrossPropertyILGPU.Network.Tests.Training;

/// <summary>K outputs with missing labels: the trainer, the per-target validation MAE and the per-target scalers.</summary>
public sealed class TrainerMultiOutputTests : NetworkTestBase
{
    private static readonly LayerSpec[] TwoOutputNet = [new DenseSpec(32, true), new DenseSpec(16, true), new DenseSpec(2, false)];

    /// <summary>
    /// Two targets on U(0,1)⁴, y0 = 2x0 − x1 + 0.5·x2·x3 and y1 = 10·(x1 + x3) + 3 (another scale),
    /// each row labelled for target 0 with probability 0.6 and for target 1 with 0.5 (some rows for
    /// neither), the second standardised per target.
    /// </summary>
    private static DataMatrix TwoTargets(int count, int seed, bool mask = true)
    {
        var single = Synthetic(count, 4, seed);
        var random = new Random(seed + 1000);
        var targets = new float[count * 2];
        for (var i = 0; i < count; i++)
        {
            var x = single.Features.AsSpan(i * 4, 4);
            targets[2 * i] = mask && random.NextDouble() >= 0.6 ? float.NaN : single.Targets[i];
            targets[2 * i + 1] = mask && random.NextDouble() >= 0.5 ? float.NaN : 10f * (x[1] + x[3]) + 3f;
        }
        return new DataMatrix(single.Features, targets, 4, outputs: 2);
    }

    [Test]
    public void Fit_TwoTargetsWithMissingLabels_LearnsBoth_AndReportsEachTargetsMae()
    {
        using var model = new Sequential(Backend, 4, TwoOutputNet, maxRows: 64);
        model.InitializeGlorotUniform(seed: 1);
        var train = TwoTargets(512, seed: 10);
        var scalers = TargetScaler.FitPerTarget(train.Targets, 2);
        DataMatrix Scaled(DataMatrix d) => new(d.Features, TargetScaler.TransformPerTarget(scalers, d.Targets), d.Width, d.Outputs);
        var trainer = new Trainer(model, new TrainerOptions { LearningRate = 1e-2f, MaxEpochs = 60, Patience = 60, BatchSize = 32 });
        var result = trainer.Fit(Scaled(train), Scaled(TwoTargets(128, seed: 11)));

        var last = result.History[^1];
        Assert.That(last.ValidationMaePerTarget, Has.Count.EqualTo(2));
        Assert.That(last.ValidationMae, Is.EqualTo(last.ValidationMaePerTarget!.Average()).Within(1e-12), "the selection metric is the mean over targets");
        Assert.That(result.History.All(m => m.IsFinite), Is.True);

        // Held-out, every row labelled, in each target's units: both targets learned.
        var test = TwoTargets(256, seed: 12, mask: false);
        var predictions = TargetScaler.PredictPerTarget(scalers, model, test.Features, test.Count);
        for (var k = 0; k < 2; k++)
        {
            var mae = Enumerable.Range(0, test.Count).Average(i => Math.Abs(predictions[2 * i + k] - test.Targets[2 * i + k]));
            var std = scalers[k].Scale;
            Assert.That(mae / std, Is.LessThan(0.1), $"target {k}: MAE {mae} against a standard deviation {std}");
        }
        var (mean, perTarget) = trainer.MeanAbsoluteErrors(Scaled(test));
        Assert.That(mean, Is.EqualTo(perTarget.Average()).Within(1e-12));
        Assert.That(trainer.MeanAbsoluteError(Scaled(test)), Is.EqualTo(mean));
    }

    /// <summary>A one-output model trained on a one-target matrix reports no per-target list (files unchanged).</summary>
    [Test]
    public void Fit_OneTarget_HasNoPerTargetList()
    {
        using var model = new Sequential(Backend, 4, [new DenseSpec(8, true), new DenseSpec(1, false)], maxRows: 16);
        model.InitializeGlorotUniform(seed: 2);
        var result = new Trainer(model, new TrainerOptions { MaxEpochs = 2, BatchSize = 16 }).Fit(Synthetic(32, 4, seed: 1), Synthetic(8, 4, seed: 2));
        Assert.That(result.History.Select(m => m.ValidationMaePerTarget), Is.All.Null);
    }

    [Test]
    public void Fit_DataThatDoNotFit_Throw()
    {
        using var model = new Sequential(Backend, 4, TwoOutputNet, maxRows: 16);
        var trainer = new Trainer(model, new TrainerOptions { MaxEpochs = 1, BatchSize = 16 });
        Assert.Throws<ArgumentException>(() => trainer.Fit(Synthetic(16, 4, seed: 1), TwoTargets(16, seed: 2)), "one target for two outputs");
        var unlabelled = TwoTargets(16, seed: 3);
        for (var i = 1; i < unlabelled.Targets.Length; i += 2)
        {
            unlabelled.Targets[i] = float.NaN;
        }
        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(TwoTargets(16, seed: 4), unlabelled));
        Assert.That(error!.Message, Does.Contain("Target 1"));
    }

    [Test]
    public void TargetScaler_PerTarget_SkipsUnlabelledEntries_AndEqualsTheSingleTargetScalerForOne()
    {
        float[] targets = [1f, 10f, 3f, float.NaN, float.NaN, 30f];
        var scalers = TargetScaler.FitPerTarget(targets, 2);
        Assert.That(scalers[0], Is.EqualTo(TargetScaler.Fit([1f, 3f])));
        Assert.That(scalers[1], Is.EqualTo(TargetScaler.Fit([10f, 30f])));
        var scaled = TargetScaler.TransformPerTarget(scalers, targets);
        Assert.That(float.IsNaN(scaled[3]) && float.IsNaN(scaled[4]), Is.True, "unlabelled stays unlabelled");
        TargetScaler.InversePerTargetInPlace(scalers, scaled);
        Assert.That(scaled[5], Is.EqualTo(30f).Within(1e-5));

        var one = Synthetic(50, 4, seed: 5).Targets;
        var single = TargetScaler.Fit(one);
        Assert.That(TargetScaler.FitPerTarget(one, 1), Is.EqualTo(new[] { single }).AsCollection);
        Assert.That(TargetScaler.TransformPerTarget([single], one), Is.EqualTo(single.Transform(one)).AsCollection);
        Assert.Throws<ArgumentException>(() => TargetScaler.FitPerTarget([1f, float.NaN], 2));
    }

    [Test]
    public void DataMatrix_SeveralOutputs_CountsRowsAndLabels()
    {
        var data = new DataMatrix(new float[6], [1f, float.NaN, 2f, 3f, float.NaN, float.NaN], width: 2, outputs: 2);
        Assert.That(data.Count, Is.EqualTo(3));
        Assert.That(data.LabelledCounts(), Is.EqualTo(new[] { 2, 1 }).AsCollection);
        Assert.Throws<ArgumentException>(() => _ = new DataMatrix(new float[6], new float[5], width: 2, outputs: 2));
        Assert.Throws<ArgumentException>(() => _ = new DataMatrix(new float[4], new float[6], width: 2, outputs: 2));
    }
}
