using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network.Spec;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Tests.Shared;

namespace CrossPropertyILGPU.Network.Tests.Training;

/// <summary>
/// The step as a CUDA graph: captured once per batch size and replayed, against the same steps
/// launched one by one. Without a GPU the graph path runs emulated (per-step scalars through device
/// memory, the op signature checked on every replay) and the fallback path runs for real.
/// </summary>
public sealed partial class TrainingStepTests
{
    private static readonly LayerSpec[] GraphNet =
        [new DenseSpec(16, true), new DropoutSpec(0.8f), new DenseSpec(8, true), new DropoutSpec(0.9f), new DenseSpec(1, false)];

    /// <summary>
    /// Ten steps over batches that are slices at moving offsets, two batch sizes (so two captures
    /// and their replays), a changing rate and trunk rate (Adam's step size and the decays through
    /// device slots) and dropout keyed by the step: the emulated graph path equals eager launches
    /// bit for bit, and it did run as graphs.
    /// </summary>
    [Test]
    public void Step_EmulatedGraphs_EqualEagerStepsBitForBitOverTenSteps()
    {
        using var eager = BackendFactory.CreateIlgpuCpu();
        using var graphed = BackendFactory.CreateIlgpuCpu(eager.LaunchOptions with { Graphs = StepGraphMode.Emulated });
        Assert.That(graphed.CanCaptureSteps, Is.True, graphed.StepGraphsUnavailableReason);

        var (viaEager, _) = RunTenSteps(eager, useGraphs: true);
        var (viaGraphs, reason) = RunTenSteps(graphed, useGraphs: true);

        Assert.That(reason, Is.Null, "the last step ran as a graph");
        Assert.That(graphed.GraphLaunches, Is.EqualTo(0), "emulated: no driver graph was launched");
        for (var i = 0; i < viaEager.Length; i++)
        {
            Assert.That(viaGraphs[i], Is.EqualTo(viaEager[i]).AsCollection, $"state {i} (weights, m, v, loss sum)");
        }
    }

    /// <summary>
    /// The fallback: on ILGPU's CPU accelerator with graphs at their default (CUDA only) the step
    /// says why it ran eagerly, and equals a step with graphs turned off, bit for bit.
    /// </summary>
    [Test]
    public void Step_WithoutCudaGraphs_FallsBackToEagerLaunchesAndSaysWhy()
    {
        using var backend = BackendFactory.CreateIlgpuCpu();
        Assert.That(backend.CanCaptureSteps, Is.False);
        var (fallback, reason) = RunTenSteps(backend, useGraphs: true);
        var (off, offReason) = RunTenSteps(backend, useGraphs: false);

        Assert.That(reason, Does.Contain("CUDA accelerator"));
        Assert.That(offReason, Does.Contain("turned off"));
        for (var i = 0; i < off.Length; i++)
        {
            Assert.That(fallback[i], Is.EqualTo(off[i]).AsCollection, $"state {i}");
        }
    }

    /// <summary>
    /// On a CUDA device a replayed step allocates nothing on the calling thread (ILGPU's CPU
    /// accelerator allocates per launch, so there the question cannot be asked).
    /// </summary>
    [Test]
    [Category("Gpu")]
    public void Step_CudaGraphReplays_AllocateNothing()
    {
        using var cuda = TestBackendFactory.Create(TestBackendFactory.Cuda);
        if (cuda is not IlgpuBackend { CanCaptureSteps: true } backend)
        {
            Assert.Ignore("No CUDA device with graphs on this machine; this test runs where one exists.");
            return;
        }
        using var batch = new Batch(backend, DropoutNet, Synthetic(16, 4, seed: 9));
        using var step = new TrainingStep(batch.Model, LossKind.Mse);
        for (var t = 0; t < 5; t++)
        {
            step.Step(batch.Features, batch.Targets, 16, batch.LossSum, 1e-3f);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var t = 0; t < 10; t++)
        {
            step.Step(batch.Features, batch.Targets, 16, batch.LossSum, 1e-3f);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(step.GraphsOffReason, Is.Null, "the steps ran as graphs");
        Assert.That(allocated, Is.Zero);
    }

    /// <summary>The graph path on the reference backend is not offered: the step is today's, unchanged.</summary>
    [Test]
    public void Step_OnTheReferenceBackend_ReportsNoGraphs()
    {
        var (_, reason) = RunTenSteps(Backend, useGraphs: true);
        Assert.That(reason, Is.EqualTo("the backend has no graphs"));
    }

    /// <summary>
    /// On a CUDA device: ten steps captured and replayed as CUDA graphs equal ten eager steps bit
    /// for bit, and the replays were graph launches.
    /// </summary>
    [Test]
    [Category("Gpu")]
    public void Step_CudaGraphs_EqualEagerStepsBitForBitOverTenSteps()
    {
        using var cuda = TestBackendFactory.Create(TestBackendFactory.Cuda);
        if (cuda is not IlgpuBackend backend)
        {
            Assert.Ignore("No CUDA device on this machine; this test runs where one exists.");
            return;
        }
        Assert.That(backend.CanCaptureSteps, Is.True, backend.StepGraphsUnavailableReason);
        var (viaEager, _) = RunTenSteps(backend, useGraphs: false);
        var launchesBefore = backend.GraphLaunches;
        var (viaGraphs, reason) = RunTenSteps(backend, useGraphs: true);

        Assert.That(reason, Is.Null, "every step ran as a graph");
        Assert.That(backend.GraphLaunches - launchesBefore, Is.EqualTo(10));
        for (var i = 0; i < viaEager.Length; i++)
        {
            Assert.That(viaGraphs[i], Is.EqualTo(viaEager[i]).AsCollection, $"state {i} (weights, m, v, loss sum)");
        }
    }

    /// <summary>
    /// On a CUDA device, a step whose buffers change between replays (two loss sums in turn) is
    /// refused at replay and captured again, until graphs turn off for it with the reason; every
    /// step's result still equals eager launches bit for bit.
    /// </summary>
    [Test]
    [Category("Gpu")]
    public void Step_CudaGraphs_WhoseBuffersKeepChanging_RecaptureThenTurnOff_AndStayBitIdentical()
    {
        using var cuda = TestBackendFactory.Create(TestBackendFactory.Cuda);
        if (cuda is not IlgpuBackend { CanCaptureSteps: true } backend)
        {
            Assert.Ignore("No CUDA device with graphs on this machine; this test runs where one exists.");
            return;
        }
        float[][] Run(bool useGraphs, out string? reason)
        {
            using var batch = new Batch(backend, DropoutNet, Synthetic(16, 4, seed: 9));
            using var other = backend.Allocate(1);
            using var step = new TrainingStep(batch.Model, LossKind.Mse) { UseGraphs = useGraphs };
            for (var t = 0; t < 20; t++)
            {
                step.Step(batch.Features, batch.Targets, 16, t % 2 == 0 ? batch.LossSum : other.View, 1e-3f);
            }
            reason = step.GraphsOffReason;
            return batch.State();
        }
        var eager = Run(useGraphs: false, out _);
        var graphed = Run(useGraphs: true, out var why);
        Assert.That(why, Does.Contain("changed between replays"));
        for (var i = 0; i < eager.Length; i++)
        {
            Assert.That(graphed[i], Is.EqualTo(eager[i]).AsCollection, $"state {i}");
        }
    }

    /// <summary>Ten steps of <see cref="GraphNet"/> with L2-SP and weight decay on moving slices: the state after them and the last step's graph reason.</summary>
    private static (float[][] State, string? GraphsOff) RunTenSteps(IComputeBackend backend, bool useGraphs)
    {
        const int rows = 20;
        var data = Synthetic(rows, 4, seed: 11);
        using var batch = new Batch(backend, GraphNet, data);
        var model = batch.Model;
        using var starting = backend.Allocate(model.Parameters.Count);
        using var zeros = backend.Allocate(model.Parameters.Count);
        backend.Copy(model.Parameters.Values.View, starting.View);
        var regularization = new Regularization { WeightDecay = 0.01f, SourceDecay = 0.02f };
        using var step = new TrainingStep(model, LossKind.Mae, 0, regularization, starting.View, zeros.View) { UseGraphs = useGraphs };
        for (var s = 0; s < 10; s++)
        {
            // Batches of 8 and 4 rows at moving offsets: each batch size is captured once, then replayed.
            var size = s % 3 == 2 ? 4 : 8;
            var start = s * 3 % (rows - size + 1);
            var rate = 1e-2f / (1 + s);
            step.Step(batch.Features.Slice(start * 4, size * 4), batch.Targets.Slice(start, size), size, batch.LossSum, rate, rate * 0.5f);
        }
        return (batch.State(), step.GraphsOffReason);
    }
}
