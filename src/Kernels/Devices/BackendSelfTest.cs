using System.Diagnostics;
using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Kernels.Devices;

/// <summary>The outcome of <see cref="BackendSelfTest.Run"/> for one op.</summary>
/// <param name="Op">The op checked.</param>
/// <param name="MaxError">Largest |backend − reference| over the op's output.</param>
/// <param name="Tolerance">The bound it had to stay within.</param>
public sealed record SelfTestCheck(string Op, double MaxError, double Tolerance)
{
    /// <summary>True when the error is within tolerance (and not NaN).</summary>
    public bool Passed => MaxError <= Tolerance;
}

/// <summary>All checks of one self-test run.</summary>
/// <param name="Device">The device checked.</param>
/// <param name="Checks">One entry per op.</param>
/// <param name="Elapsed">Wall time, including kernel compilation on first use.</param>
public sealed record SelfTestReport(DeviceInfo Device, IReadOnlyList<SelfTestCheck> Checks, TimeSpan Elapsed)
{
    /// <summary>True when every check passed.</summary>
    public bool Passed => Checks.All(c => c.Passed);
}

/// <summary>
/// A quick end-to-end check of a backend on the machine it will train on: one dense layer forward
/// (fused bias + ReLU) and backward (plain and in the training step's fused forms), ReLU backward, dropout, the MAE loss and an Adam step on a
/// small odd shape, each compared against the scalar reference. This is what <c>devices --check</c>
/// runs — the first thing to do on a new GPU machine (docs/ILGPU.md §8: create a context, list the
/// device, run a kernel). The unit tests cover the same ops far more thoroughly; this catches a
/// broken driver, a bad PTX JIT or wrong launch configuration on the real device.
/// </summary>
public static class BackendSelfTest
{
    // Any fixed seed: the self-test compares two backends on the same mask.
    private const int SelfTestSeed = 20211203;

    private const int Batch = 33, In = 17, Out = 65;

    // Inputs are U(-1,1); every output is a dot product of at most 34 terms of magnitude ≤ 1,
    // whose float32 error is bounded by 36·2^-24·34 ≈ 7.3e-5 (see the kernel tests).
    private const double DotTolerance = 1e-4;

    /// <summary>Runs the checks on <paramref name="backend"/>.</summary>
    public static SelfTestReport Run(IComputeBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var clock = Stopwatch.StartNew();
        using var reference = new ReferenceBackend();
        var random = new Random(20211117);
        float[] Uniform(int n) => Enumerable.Range(0, n).Select(_ => 2f * random.NextSingle() - 1f).ToArray();
        var x = Uniform(Batch * In);
        var w = Uniform(In * Out);
        var b = Uniform(Out);
        var dy = Uniform(Batch * Out);
        var target = Uniform(Batch);

        var checks = new List<SelfTestCheck>();
        using var under = new Workspace(backend, x, w, b, dy, target);
        using var oracle = new Workspace(reference, x, w, b, dy, target);
        foreach (var workspace in new[] { under, oracle })
        {
            workspace.RunAll();
        }
        checks.Add(Compare("dense forward + ReLU", under.Y, oracle.Y, DotTolerance));
        checks.Add(Compare("dense backward input", under.Dx, oracle.Dx, DotTolerance));
        checks.Add(Compare("dense backward weight", under.Dw, oracle.Dw, DotTolerance));
        checks.Add(Compare("dense backward bias", under.Db, oracle.Db, DotTolerance));
        checks.Add(Compare("dense backward input + ReLU mask (fused)", under.DxMasked, oracle.DxMasked, DotTolerance));
        checks.Add(Compare("dense backward weight + bias (fused)", [.. under.DwFused, .. under.DbFused], [.. oracle.DwFused, .. oracle.DbFused], DotTolerance));
        checks.Add(Compare("ReLU backward", under.Dmask, oracle.Dmask, 1e-6));
        checks.Add(Compare("dropout forward", under.Dropped, oracle.Dropped, 1e-5));
        checks.Add(Compare("MAE loss gradient", under.LossGrad, oracle.LossGrad, 1e-6));
        checks.Add(Compare("MAE loss value", under.LossSum, oracle.LossSum, 1e-4));
        checks.Add(Compare("Adam step", under.Parameters, oracle.Parameters, 1e-6));
        return new SelfTestReport(backend.Device, checks, clock.Elapsed);
    }

    private static SelfTestCheck Compare(string op, float[] actual, float[] expected, double tolerance)
    {
        var worst = 0.0;
        for (var i = 0; i < actual.Length; i++)
        {
            var error = Math.Abs((double)actual[i] - expected[i]);
            worst = double.IsNaN(error) ? double.PositiveInfinity : Math.Max(worst, error);
        }
        return new SelfTestCheck(op, worst, tolerance);
    }

    /// <summary>The same small training step on one backend; results are downloaded into arrays.</summary>
    private sealed class Workspace : IDisposable
    {
        private readonly IComputeBackend _backend;
        private readonly List<DeviceBuffer> _buffers = [];
        private readonly BufferView _x, _w, _b, _dy, _target;

        public Workspace(IComputeBackend backend, float[] x, float[] w, float[] b, float[] dy, float[] target)
        {
            _backend = backend;
            (_x, _w, _b, _dy, _target) = (Put(x), Put(w), Put(b), Put(dy), Put(target));
        }

        public float[] Y { get; private set; } = [];
        public float[] Dx { get; private set; } = [];
        public float[] Dw { get; private set; } = [];
        public float[] Db { get; private set; } = [];
        public float[] Dmask { get; private set; } = [];
        public float[] DxMasked { get; private set; } = [];
        public float[] DwFused { get; private set; } = [];
        public float[] DbFused { get; private set; } = [];
        public float[] Dropped { get; private set; } = [];
        public float[] LossGrad { get; private set; } = [];
        public float[] LossSum { get; private set; } = [];
        public float[] Parameters { get; private set; } = [];

        public void RunAll()
        {
            var y = Put(new float[Batch * Out]);
            _backend.DenseForward(_x, _w, _b, y, Batch, In, Out, relu: true);
            var dmask = Put(new float[Batch * Out]);
            _backend.ReluBackward(y, _dy, dmask, accumulate: false);
            var dx = Put(new float[Batch * In]);
            var dw = Put(new float[In * Out]);
            var db = Put(new float[Out]);
            _backend.DenseBackwardInput(dmask, _w, dx, Batch, In, Out, accumulate: false);
            _backend.DenseBackwardWeight(_x, dmask, dw, Batch, In, Out, accumulate: false);
            _backend.DenseBackwardBias(dmask, db, Batch, Out, accumulate: false);
            // The training step's fused forms: x as the previous layer's ReLU output, dw and db together.
            var dxMasked = Put(new float[Batch * In]);
            _backend.DenseBackwardInputMasked(dmask, _w, _x, dxMasked, Batch, In, Out, accumulate: false);
            var dwFused = Put(new float[In * Out]);
            var dbFused = Put(new float[Out]);
            _backend.DenseBackwardParameters(_x, dmask, dwFused, dbFused, Batch, In, Out, accumulateWeight: false, accumulateBias: false);
            var dropped = Put(new float[Batch * Out]);
            _backend.DropoutForward(y, dropped, 0.8f, seed: SelfTestSeed, trainingStep: 1);
            var lossGrad = Put(new float[Batch]);
            var lossSum = Put(new float[1]);
            _backend.Loss(LossKind.Mae, y.Slice(0, Batch), _target, lossGrad, lossSum);
            var m = Put(new float[In * Out]);
            var v = Put(new float[In * Out]);
            _backend.Adam(_w, dw, m, v, 0, In * Out, new AdamStep(1, learningRate: 1e-3f));

            (Y, Dx, Dw, Db, Dmask, Dropped) = (Get(y), Get(dx), Get(dw), Get(db), Get(dmask), Get(dropped));
            (DxMasked, DwFused, DbFused) = (Get(dxMasked), Get(dwFused), Get(dbFused));
            (LossGrad, LossSum, Parameters) = (Get(lossGrad), Get(lossSum), Get(_w));
        }

        public void Dispose()
        {
            foreach (var buffer in _buffers)
            {
                buffer.Dispose();
            }
        }

        private BufferView Put(float[] data)
        {
            var buffer = _backend.Allocate(data.Length);
            _buffers.Add(buffer);
            _backend.Upload(buffer.View, data);
            return buffer.View;
        }

        private float[] Get(BufferView view)
        {
            var host = new float[view.Length];
            _backend.Download(view, host);
            return host;
        }
    }
}
