using CrossPropertyILGPU.Autograd;
using CrossPropertyILGPU.Autograd.Ops;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Network.Layers;
using CrossPropertyILGPU.Network.Training;

namespace CrossPropertyILGPU.Network.Tests.Training;

/// <summary>The step under <see cref="Regularization"/>: split rates, LP-FT's frozen trunk, AdamW and L2-SP against the ops written out by hand.</summary>
public sealed partial class TrainingStepTests
{
    /// <summary>
    /// Two steps with a trunk rate a tenth of the head's, weight decay and L2-SP equal, bit for bit,
    /// the hand-written sequence: Adam over the trunk at α/10 and over the head at α, then
    /// p ← p − α_range·λ_wd·p per range, then trunk ← trunk − (α/10)·λ_sp·(trunk − trunk₀).
    /// </summary>
    [Test]
    public void Step_WithRegularization_EqualsTheHandWrittenSequence()
    {
        const int rows = 12;
        const float rate = 1e-2f;
        var regularization = new Regularization { WeightDecay = 2f, SourceDecay = 5f, TrunkRateScale = 0.1f };
        var data = Synthetic(rows, 4, seed: 3);

        using var viaStep = new Batch(Backend, DropoutNet, data);
        var parameters = viaStep.Model.Parameters;
        using var starting = Backend.Allocate(parameters.Count);
        using var zeros = Backend.Allocate(parameters.Count);
        Backend.Copy(parameters.Values.View, starting.View);
        Backend.Fill(zeros.View, 0f);
        var step = new TrainingStep(viaStep.Model, LossKind.Mse, 0, regularization, starting.View, zeros.View);
        for (var t = 1; t <= 2; t++)
        {
            step.Step(viaStep.Features, viaStep.Targets, rows, viaStep.LossSum, rate, regularization.TrunkRate(t, rate));
        }

        using var byHand = new Batch(Backend, DropoutNet, data);
        var tape = new Tape(Backend);
        var loss = new LossOp(LossKind.Mse);
        var hand = byHand.Model.Parameters;
        var head = step.HeadOffset;
        Assert.That(head, Is.EqualTo(hand.Entry("dense.2.weight").Offset), "the head is the last dense layer");
        var trunkStart = new float[head];
        Backend.Download(hand.Values.View.Slice(0, head), trunkStart);
        using var anchor = Backend.Allocate(head);
        Backend.Upload(anchor.View, trunkStart);
        using var zero = Backend.Allocate(hand.Count);
        Backend.Fill(zero.View, 0f);
        for (var t = 1; t <= 2; t++)
        {
            var prediction = byHand.Model.Forward(byHand.Features, rows, new ForwardContext(tape, IsTraining: true, Step: (ulong)t));
            loss.Forward(Backend, prediction, byHand.Targets, byHand.LossSum, tape);
            tape.Backward();
            var (values, gradients, m, v) = (hand.Values.View, hand.Gradients.View, hand.FirstMoment.View, hand.SecondMoment.View);
            Backend.Adam(values, gradients, m, v, 0, head, new AdamStep(t, rate * 0.1f));
            Backend.Adam(values, gradients, m, v, head, hand.Count - head, new AdamStep(t, rate));
            Backend.DecayToward(values.Slice(0, head), zero.View.Slice(0, head), rate * 0.1f * 2f);
            Backend.DecayToward(values.Slice(head, hand.Count - head), zero.View.Slice(0, hand.Count - head), rate * 2f);
            Backend.DecayToward(values.Slice(0, head), anchor.View, rate * 0.1f * 5f);
            tape.Reset();
        }

        Assert.That(viaStep.State(), Is.EqualTo(byHand.State()).AsCollection);
    }

    /// <summary>
    /// LP-FT: during the head-only epochs the trunk's rate is 0, so the trunk's weights stay as they
    /// were (their moments still move) while the head trains; afterwards the trunk trains too.
    /// </summary>
    [Test]
    public void Step_HeadOnlyEpochs_KeepTheTrunkThenTrainIt()
    {
        const int rows = 8;
        var regularization = new Regularization { HeadOnlyEpochs = 2 };
        Assert.That((regularization.TrunkRate(1, 1e-2f), regularization.TrunkRate(2, 1e-2f), regularization.TrunkRate(3, 1e-2f)), Is.EqualTo((0f, 0f, 1e-2f)));
        using var batch = new Batch(Backend, DropoutNet, Synthetic(rows, 4, seed: 5));
        var step = new TrainingStep(batch.Model, LossKind.Mae, 0, regularization, default, default);
        var before = batch.State()[0];
        for (var epoch = 1; epoch <= 2; epoch++)
        {
            step.Step(batch.Features, batch.Targets, rows, batch.LossSum, 1e-2f, regularization.TrunkRate(epoch, 1e-2f));
        }
        var probed = batch.State();
        var head = step.HeadOffset;
        Assert.That(probed[0][..head], Is.EqualTo(before[..head]).AsCollection, "trunk kept during the head-only epochs");
        Assert.That(probed[0][head..], Is.Not.EqualTo(before[head..]).AsCollection, "the head trained");
        Assert.That(probed[1][..head].Any(m => m != 0f), Is.True, "the trunk's moments warmed up");

        step.Step(batch.Features, batch.Targets, rows, batch.LossSum, 1e-2f, regularization.TrunkRate(3, 1e-2f));
        Assert.That(batch.State()[0][..head], Is.Not.EqualTo(before[..head]).AsCollection, "then the trunk trains");
    }

    [Test]
    public void Constructor_DecayWithoutItsAnchor_Throws()
    {
        using var model = new Sequential(Backend, 4, DropoutNet, maxRows: 4);
        Assert.Throws<ArgumentException>(() => _ = new TrainingStep(model, LossKind.Mae, 0, new Regularization { SourceDecay = 1f }, default, default));
        Assert.Throws<ArgumentException>(() => _ = new TrainingStep(model, LossKind.Mae, 0, new Regularization { WeightDecay = 1f }, default, default));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new TrainingStep(model, LossKind.Mae, 0, new Regularization { TrunkRateScale = -1f }, default, default));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new TrainingStep(model, LossKind.Mae, 0, new Regularization { HeadOnlyEpochs = -1 }, default, default));
    }
}
