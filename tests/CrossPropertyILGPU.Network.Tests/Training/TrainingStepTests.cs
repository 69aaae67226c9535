using CrossPropertyILGPU.Autograd;
using CrossPropertyILGPU.Autograd.Ops;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network.Layers;
using CrossPropertyILGPU.Network.Spec;
using CrossPropertyILGPU.Network.Training;

namespace CrossPropertyILGPU.Network.Tests.Training;

public sealed partial class TrainingStepTests : NetworkTestBase
{
    private static readonly LayerSpec[] DropoutNet =
        [new DenseSpec(16, true), new DropoutSpec(0.8f), new DenseSpec(8, true), new DenseSpec(1, false)];

    /// <summary>
    /// Three steps at three learning rates equal, bit for bit, the sequence written out by hand from
    /// the ops below the step (forward on a tape keyed by step t, loss, backward, Adam with t and
    /// that step's α, tape reset): weights, both moments and the loss sum.
    /// </summary>
    [Test]
    public void Step_OnTheReferenceBackend_EqualsTheHandWrittenSequence()
    {
        const int rows = 12;
        float[] rates = [1e-2f, 3e-3f, 0f];
        var data = Synthetic(rows, 4, seed: 3);

        using var viaStep = new Batch(Backend, DropoutNet, data);
        var initial = viaStep.State()[0];
        var step = new TrainingStep(viaStep.Model, LossKind.Mse);
        foreach (var rate in rates)
        {
            step.Step(viaStep.Features, viaStep.Targets, rows, viaStep.LossSum, rate);
        }

        using var byHand = new Batch(Backend, DropoutNet, data);
        var tape = new Tape(Backend);
        var loss = new LossOp(LossKind.Mse);
        var parameters = byHand.Model.Parameters;
        for (var t = 1; t <= rates.Length; t++)
        {
            var prediction = byHand.Model.Forward(byHand.Features, rows, new ForwardContext(tape, IsTraining: true, Step: (ulong)t));
            loss.Forward(Backend, prediction, byHand.Targets, byHand.LossSum, tape);
            tape.Backward();
            Backend.Adam(parameters.Values.View, parameters.Gradients.View, parameters.FirstMoment.View, parameters.SecondMoment.View,
                0, parameters.Count, new AdamStep(t, rates[t - 1]));
            tape.Reset();
        }

        Assert.That(step.Steps, Is.EqualTo(rates.Length));
        Assert.That(viaStep.State(), Is.EqualTo(byHand.State()).AsCollection);
        Assert.That(viaStep.State()[0], Is.Not.EqualTo(initial).AsCollection, "the steps trained");
    }

    [Test]
    public void Step_FrozenLeadingLayers_LeavesTheirWeightsAndMomentsUntouched()
    {
        const int rows = 8;
        using var batch = new Batch(Backend, DropoutNet, Synthetic(rows, 4, seed: 5));
        var before = batch.State();
        var step = new TrainingStep(batch.Model, LossKind.Mae, frozenDenseLayers: 2);
        for (var i = 0; i < 3; i++)
        {
            step.Step(batch.Features, batch.Targets, rows, batch.LossSum, 1e-2f);
        }
        var after = batch.State();

        var offset = step.TrainableOffset;
        Assert.That((offset, step.TrainableCount), Is.EqualTo(batch.Model.TrainableRange(2)));
        Assert.That(offset, Is.EqualTo(batch.Model.Parameters.Entry("dense.2.weight").Offset));
        for (var buffer = 0; buffer < 3; buffer++)
        {
            Assert.That(after[buffer][..offset], Is.EqualTo(before[buffer][..offset]).AsCollection, $"frozen range of buffer {buffer}");
            Assert.That(after[buffer][offset..], Is.Not.EqualTo(before[buffer][offset..]).AsCollection, $"trainable range of buffer {buffer}");
        }
    }

    /// <summary>
    /// A step continued from a counter set to k (as a resumed run sets it) is the uninterrupted run's
    /// step k + 1: the same dropout mask and the same Adam bias correction.
    /// </summary>
    [Test]
    public void Steps_SetWhenResuming_ContinuesTheUninterruptedRun()
    {
        const int rows = 8;
        var data = Synthetic(rows, 4, seed: 6);
        using var straight = new Batch(Backend, DropoutNet, data);
        var straightStep = new TrainingStep(straight.Model, LossKind.Mae);
        for (var i = 0; i < 3; i++)
        {
            straightStep.Step(straight.Features, straight.Targets, rows, straight.LossSum, 1e-2f);
        }

        using var first = new Batch(Backend, DropoutNet, data);
        var firstStep = new TrainingStep(first.Model, LossKind.Mae);
        firstStep.Step(first.Features, first.Targets, rows, first.LossSum, 1e-2f);
        firstStep.Step(first.Features, first.Targets, rows, first.LossSum, 1e-2f);
        var saved = first.State();

        using var resumed = new Batch(Backend, DropoutNet, data);
        resumed.Load(saved);
        var resumedStep = new TrainingStep(resumed.Model, LossKind.Mae) { Steps = firstStep.Steps };
        resumedStep.Step(resumed.Features, resumed.Targets, rows, resumed.LossSum, 1e-2f);

        Assert.That(resumed.State()[..3], Is.EqualTo(straight.State()[..3]).AsCollection);
    }

    [Test]
    public void Phases_OutOfOrder_Throw_AndABadLearningRateRunsNothing()
    {
        const int rows = 4;
        using var batch = new Batch(Backend, DropoutNet, Synthetic(rows, 4, seed: 7));
        var step = new TrainingStep(batch.Model, LossKind.Mae);
        var before = batch.State();

        Assert.Throws<ArgumentOutOfRangeException>(() => step.Step(batch.Features, batch.Targets, rows, batch.LossSum, float.NaN));
        Assert.That(step.Steps, Is.Zero);
        Assert.That(batch.State(), Is.EqualTo(before).AsCollection, "nothing ran");

        Assert.Throws<InvalidOperationException>(step.Backward);
        Assert.Throws<InvalidOperationException>(() => step.Update(1e-3f));
        step.Forward(batch.Features, batch.Targets, rows, batch.LossSum);
        Assert.Throws<InvalidOperationException>(() => step.Steps = 0, "the counter is fixed within a step");
        Assert.Throws<InvalidOperationException>(() => step.Forward(batch.Features, batch.Targets, rows, batch.LossSum));
        step.Backward();
        step.Update(1e-3f);
        Assert.That(step.Steps, Is.EqualTo(1));
    }

    /// <summary>A batch the model rejects leaves nothing on the tape: the next step is the same as on a fresh step object.</summary>
    [Test]
    public void Forward_RejectedBatch_LeavesTheNextStepUnaffected()
    {
        const int rows = 8;
        var data = Synthetic(rows, 4, seed: 8);
        using var clean = new Batch(Backend, DropoutNet, data);
        new TrainingStep(clean.Model, LossKind.Mae).Step(clean.Features, clean.Targets, rows, clean.LossSum, 1e-2f);

        using var rejected = new Batch(Backend, DropoutNet, data);
        var step = new TrainingStep(rejected.Model, LossKind.Mae);
        // The loss rejects targets of the wrong length after the model's forward was recorded.
        Assert.Throws<ArgumentException>(() => step.Forward(rejected.Features, rejected.Targets.Slice(0, rows - 1), rows, rejected.LossSum));
        Assert.That(step.Steps, Is.Zero);
        step.Step(rejected.Features, rejected.Targets, rows, rejected.LossSum, 1e-2f);

        Assert.That(rejected.State(), Is.EqualTo(clean.State()).AsCollection);
    }

    [Test]
    public void Constructor_BadArguments_Throw()
    {
        using var model = new Sequential(Backend, 4, DropoutNet, maxRows: 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new TrainingStep(model, LossKind.Mae, frozenDenseLayers: 3), "all layers frozen");
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new TrainingStep(model, LossKind.Mae, beta1: 1f));
        using var twoOutputs = new Sequential(Backend, 4, [new DenseSpec(2, false)], maxRows: 4);
        // Several outputs are trained with the masked loss (TrainerMultiOutputTests).
        Assert.That(new TrainingStep(twoOutputs, LossKind.Mae).Model.OutputWidth, Is.EqualTo(2));
    }

    /// <summary>
    /// The production step, wide enough that every dense op and Adam are split across the managed
    /// backend's worker threads, with dropout and a frozen layer: nothing allocated per step, counted
    /// over all threads of the process.
    /// </summary>
    [Test]
    public void Step_OnTheMultithreadedCpuBackend_AllocatesNothingAfterWarmUp()
    {
        using var backend = new ManagedCpuBackend(2);
        LayerSpec[] layers = [new DenseSpec(256, true), new DropoutSpec(0.8f), new DenseSpec(256, true), new DropoutSpec(0.9f), new DenseSpec(1, false)];
        using var batch = new Batch(backend, layers, Synthetic(64, 86, seed: 4));
        var step = new TrainingStep(batch.Model, LossKind.Mae, frozenDenseLayers: 1);
        void Step() => step.Step(batch.Features, batch.Targets, 64, batch.LossSum, 1e-4f);
        for (var t = 1; t <= 40; t++)
        {
            Step(); // past the JIT's tier-up, whose one-off runtime allocations are not the step's
        }
        // The least of three windows of five steps: a step that allocates shows in every window,
        // while a stray allocation by another thread of the test host (counted too) shows in one.
        var least = long.MaxValue;
        for (var window = 0; window < 3; window++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < 5; i++)
            {
                Step();
            }
            least = Math.Min(least, GC.GetTotalAllocatedBytes(precise: true) - before);
        }
        Assert.That(least, Is.Zero);
    }

    /// <summary>The same on the scalar reference backend, which runs on the calling thread: counted on it alone.</summary>
    [Test]
    public void Step_OnTheReferenceBackend_AllocatesNothingAfterWarmUp()
    {
        using var batch = new Batch(Backend, DropoutNet, Synthetic(16, 4, seed: 9));
        var step = new TrainingStep(batch.Model, LossKind.Mse);
        void Step() => step.Step(batch.Features, batch.Targets, 16, batch.LossSum, 1e-3f);
        for (var t = 1; t <= 40; t++)
        {
            Step();
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            Step();
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    /// <summary>
    /// One ElemNet step without dropout on the ILGPU kernels (CPU accelerator), launches counted. The
    /// target is at most 4 per dense layer + 2; the fused kernels give 3 per layer (forward with bias
    /// + ReLU; input gradient with the previous layer's ReLU mask; weight + bias gradient), none for
    /// the first layer's input gradient, plus the loss and one Adam launch over the flat parameter
    /// buffer — with no host synchronisation. The parameter gradients match the scalar reference's
    /// for the same step.
    /// </summary>
    [Test]
    public void Step_ElemNetWithoutDropoutOnIlgpu_ThreeLaunchesPerDenseLayerPlusTwoAndNoSync()
    {
        const int rows = 2;
        var layers = ElemNetLayers.Build(ElemNetSpec.Parse(ElemNetSpec.Default), [1f, 1f, 1f, 1f]);
        var data = Synthetic(rows, 86, seed: 4);
        float[] Gradients(IComputeBackend backend, out long launches, out long synchronizations)
        {
            using var batch = new Batch(backend, layers, data, initSeed: 8);
            var step = new TrainingStep(batch.Model, LossKind.Mae);
            var counter = backend as IlgpuBackend;
            var (launchesBefore, syncsBefore) = (counter?.LaunchCount ?? 0, counter?.HostSynchronizations ?? 0);
            step.Step(batch.Features, batch.Targets, rows, batch.LossSum, 1e-4f);
            (launches, synchronizations) = ((counter?.LaunchCount ?? 0) - launchesBefore, (counter?.HostSynchronizations ?? 0) - syncsBefore);
            var gradients = new float[batch.Model.Parameters.Count];
            backend.Download(batch.Model.Parameters.Gradients.View, gradients);
            return gradients;
        }

        using var ilgpu = BackendFactory.CreateIlgpuCpu();
        var fused = Gradients(ilgpu, out var launches, out var synchronizations);
        var expected = Gradients(Backend, out _, out _);

        const int dense = 17;
        Assert.That(launches, Is.EqualTo(3 * dense - 1 + 2));
        Assert.That(launches, Is.LessThanOrEqualTo(4 * dense + 2), "the issue's budget");
        Assert.That(synchronizations, Is.Zero);
        // Float32 sums of up to 1024 products against the double reference, relative to the largest gradient.
        var scale = expected.Max(Math.Abs);
        Assert.That(scale, Is.GreaterThan(0f));
        var worst = Enumerable.Range(0, fused.Length).MaxBy(i => Math.Abs(fused[i] - expected[i]));
        Assert.That(fused[worst], Is.EqualTo(expected[worst]).Within(1e-4 * scale), $"gradient {worst} (largest difference)");
    }

    /// <summary>A Glorot-initialised model and one batch of <paramref name="data"/> on a backend.</summary>
    private sealed class Batch : IDisposable
    {
        private readonly DeviceBuffer _features;
        private readonly DeviceBuffer _targets;
        private readonly DeviceBuffer _lossSum;

        public Batch(IComputeBackend backend, IReadOnlyList<LayerSpec> layers, DataMatrix data, int initSeed = 2)
        {
            Model = new Sequential(backend, data.Width, layers, maxRows: data.Count, dropoutSeed: 17);
            Model.InitializeGlorotUniform(initSeed);
            _features = backend.Allocate(data.Features.Length);
            _targets = backend.Allocate(data.Count);
            _lossSum = backend.Allocate(1);
            backend.Upload(_features.View, data.Features);
            backend.Upload(_targets.View, data.Targets);
        }

        public Sequential Model { get; }

        public BufferView Features => _features.View;

        public BufferView Targets => _targets.View;

        public BufferView LossSum => _lossSum.View;

        /// <summary>Weights, first moment, second moment, then the loss sum, downloaded.</summary>
        public float[][] State()
        {
            var parameters = Model.Parameters;
            return [Download(parameters.Values.View), Download(parameters.FirstMoment.View), Download(parameters.SecondMoment.View), Download(LossSum)];
        }

        /// <summary>Uploads a <see cref="State"/>'s weights and moments (a resumed run's starting point).</summary>
        public void Load(float[][] state)
        {
            var parameters = Model.Parameters;
            Model.Backend.Upload(parameters.Values.View, state[0]);
            Model.Backend.Upload(parameters.FirstMoment.View, state[1]);
            Model.Backend.Upload(parameters.SecondMoment.View, state[2]);
        }

        public void Dispose()
        {
            _features.Dispose();
            _targets.Dispose();
            _lossSum.Dispose();
            Model.Dispose();
        }

        private float[] Download(BufferView view)
        {
            var host = new float[view.Length];
            Model.Backend.Download(view, host);
            return host;
        }
    }
}
