using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Kernels.Ops;
using CrossPropertyILGPU.Kernels.Tests.Support;

namespace CrossPropertyILGPU.Kernels.Tests.Backends;

/// <summary>
/// The graph path of the ILGPU backend without a GPU: in <see cref="StepGraphMode.Emulated"/> mode a
/// captured or replayed "step" launches the device-scalar kernels (Adam's step size, the decay rate
/// and the dropout key read from device slots) on ILGPU's CPU accelerator. They must give the
/// eager kernels' bits, and so stay as close to the scalar references as those.
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public sealed class StepGraphRecorderTests(bool interleaved)
{
    private const int N = 1001;
    private IlgpuBackend _eager = null!;
    private IlgpuBackend _graphed = null!;

    [OneTimeSetUp]
    public void CreateBackends()
    {
        // Interleaved: the GPU's indexing (odd thread count, groups of 2) on the CPU accelerator.
        var options = interleaved ? new IlgpuLaunchOptions(MaxThreads: 7, GroupSize: 2, Blocked: false) { GemmTiles = [GemmTileSize.Tiny] } : null;
        _eager = BackendFactory.CreateIlgpuCpu(options);
        _graphed = BackendFactory.CreateIlgpuCpu(_eager.LaunchOptions with { Graphs = StepGraphMode.Emulated });
    }

    [OneTimeTearDown]
    public void DisposeBackends()
    {
        _eager.Dispose();
        _graphed.Dispose();
    }

    [Test]
    public void EmulatedCaptureAndReplays_AdamDecayDropout_EqualEagerKernelsBitForBit_AndTheReferences()
    {
        var p0 = TestData.Uniform(N, 1);
        var anchor = TestData.Uniform(N, 2);
        using var eager = new State(_eager, p0, anchor);
        using var graphed = new State(_graphed, p0, anchor);
        var (rp, rm, rv) = (p0.ToArray(), new float[N], new float[N]);
        IDisposable? graph = null;
        for (var t = 1; t <= 4; t++)
        {
            var update = new AdamStep(t, learningRate: 1e-2f / t);
            var rate = 1e-3f * t;
            eager.Step(update, rate, (ulong)t);
            if (graph is null)
            {
                graph = _graphed.CaptureStep(() => graphed.Step(update, rate, (ulong)t), out var failure);
                Assert.That(graph, Is.Not.Null, failure);
            }
            else
            {
                Assert.That(_graphed.ReplayStep(graph, () => graphed.Step(update, rate, (ulong)t)), Is.True, $"replay {t}");
            }
            AdamKernels.UpdateReference(rp, eager.Download(eager.Gradients), rm, rv, update.StepSize, update.Beta1, update.Beta2, update.Epsilon);
            AdamKernels.DecayTowardReference(rp, anchor, rate);

            Assert.That(graphed.Download(graphed.Parameters), Is.EqualTo(eager.Download(eager.Parameters)).AsCollection, $"parameters after step {t}");
            Assert.That(graphed.Download(graphed.FirstMoment), Is.EqualTo(eager.Download(eager.FirstMoment)).AsCollection, $"m after step {t}");
            Assert.That(graphed.Download(graphed.SecondMoment), Is.EqualTo(eager.Download(eager.SecondMoment)).AsCollection, $"v after step {t}");
            Assert.That(graphed.Download(graphed.Dropped), Is.EqualTo(eager.Download(eager.Dropped)).AsCollection, $"dropout forward at step {t}");
            Assert.That(graphed.Download(graphed.Gradients), Is.EqualTo(eager.Download(eager.Gradients)).AsCollection, $"dropout backward at step {t}");
            // The float32 kernels against the double reference: a few ulps per step (AdamKernelsTests' bound).
            Assert.That(graphed.Download(graphed.Parameters), Is.EqualTo(rp).Within(1e-6f).AsCollection, $"parameters vs reference after step {t}");
        }
        graph!.Dispose();
        Assert.That(_graphed.LaunchCount, Is.EqualTo(_eager.LaunchCount), "the same launches, one by one");
    }

    [Test]
    public void EmulatedReplay_OfOtherBuffers_IsRefused()
    {
        using var a = new State(_graphed, TestData.Uniform(N, 3), TestData.Uniform(N, 4));
        using var b = new State(_graphed, TestData.Uniform(N, 3), TestData.Uniform(N, 4));
        using var graph = _graphed.CaptureStep(() => a.Step(new AdamStep(1), 0.01f, 1), out _);
        Assert.That(() => _graphed.ReplayStep(graph!, () => b.Step(new AdamStep(2), 0.01f, 2)),
            Throws.InvalidOperationException.With.Message.Contains("other ops"));
    }

    [Test]
    public void CaptureStep_OnTheCpuAcceleratorWithoutEmulation_IsUnavailable_AndLaunchesNothing()
    {
        Assert.That(_eager.CanCaptureSteps, Is.False);
        Assert.That(_eager.StepGraphsUnavailableReason, Does.Contain("CUDA accelerator"));
        var launches = _eager.LaunchCount;
        var ran = false;
        var graph = _eager.CaptureStep(() => ran = true, out var failure);
        Assert.That(graph, Is.Null);
        Assert.That(failure, Is.EqualTo(_eager.StepGraphsUnavailableReason));
        Assert.That(ran, Is.False);
        Assert.That(_eager.LaunchCount, Is.EqualTo(launches));
    }

    /// <summary>One "step" of the ops whose scalars change per step: dropout forward/backward (key), Adam (step size), decay (rate).</summary>
    private sealed class State : IDisposable
    {
        private readonly IlgpuBackend _backend;
        private readonly DeviceBuffer _buffer;

        public State(IlgpuBackend backend, float[] parameters, float[] anchor)
        {
            _backend = backend;
            _buffer = backend.Allocate(7 * N);
            backend.Upload(Parameters, parameters);
            backend.Upload(Anchor, anchor);
            backend.Upload(Input, TestData.AwayFromZero(N, 5));
        }

        public BufferView Parameters => _buffer.View.Slice(0, N);
        public BufferView Gradients => _buffer.View.Slice(N, N);
        public BufferView FirstMoment => _buffer.View.Slice(2 * N, N);
        public BufferView SecondMoment => _buffer.View.Slice(3 * N, N);
        public BufferView Anchor => _buffer.View.Slice(4 * N, N);
        public BufferView Input => _buffer.View.Slice(5 * N, N);
        public BufferView Dropped => _buffer.View.Slice(6 * N, N);

        public void Step(AdamStep update, float rate, ulong step)
        {
            // The dropped input doubles as this step's gradient: it changes with the mask every step.
            _backend.DropoutForward(Input, Dropped, 0.7f, 99, step);
            _backend.DropoutBackward(Dropped, Gradients, 0.7f, 99, step, accumulate: false);
            _backend.Adam(Parameters, Gradients, FirstMoment, SecondMoment, 0, N, update);
            _backend.DecayToward(Parameters, Anchor, rate);
        }

        public float[] Download(BufferView view)
        {
            var values = new float[view.Length];
            _backend.Download(view, values);
            return values;
        }

        public void Dispose() => _buffer.Dispose();
    }
}
