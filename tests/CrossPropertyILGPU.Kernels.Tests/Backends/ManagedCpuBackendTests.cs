using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Kernels.Tests.Support;

namespace CrossPropertyILGPU.Kernels.Tests.Backends;

/// <summary>
/// What the op fixtures (which include <c>cpu</c>) cannot show on their small shapes: ops large
/// enough to be split across threads still match the reference, and the result does not depend on
/// the split — bit-identical from run to run and for 1, 3 or every-core thread counts (3 gives
/// chunk bounds no power of two would). The dense shape is odd in every dimension so the four-row
/// blocks, the four-column dot blocks and the vector tails all have remainders.
/// </summary>
public sealed class ManagedCpuBackendTests() : BackendFixture(TestBackends.Cpu)
{
    private const int M = 67, K = 129, N = 257;

    // Elementwise length: several parallel chunks of a 1-flop op, plus a tail no vector width divides.
    private const int Elements = 3 * 64 * 1024 + 5;

    private static readonly int[] ThreadCounts = [1, 3, Environment.ProcessorCount];

    [Test]
    public void ParallelShape_IsLargeEnoughToSplit()
    {
        Assert.That(2L * M * K * N, Is.GreaterThan(8 * ManagedCpuBackend.MinChunkFlops), "dense ops");
        Assert.That((long)Elements, Is.GreaterThan(2 * ManagedCpuBackend.MinChunkFlops), "elementwise ops");
    }

    [Test]
    public void ParallelShape_EveryDenseOp_MatchesReferenceWithinTheDotBound()
    {
        var x = TestData.Uniform(M * K, 1);
        var w = TestData.Uniform(K * N, 2);
        var b = TestData.Uniform(N, 3);
        var dy = TestData.Uniform(M * N, 4);
        var dxInit = TestData.Uniform(M * K, 5);
        var dwInit = TestData.Uniform(K * N, 6);
        var dbInit = TestData.Uniform(N, 7);

        foreach (var flag in new[] { false, true })
        {
            var actual = RunDense(Backend, x, w, b, dy, dxInit, dwInit, dbInit, flag);
            var expected = RunDense(Reference, x, w, b, dy, dxInit, dwInit, dbInit, flag);
            var bound = RunDense(Reference, TestData.Abs(x), TestData.Abs(w), TestData.Abs(b), TestData.Abs(dy),
                TestData.Abs(dxInit), TestData.Abs(dwInit), TestData.Abs(dbInit), relu: false, accumulate: flag);

            Close.All(actual.Y, TestData.ToDouble(expected.Y), i => Close.DotBound(K + 1, bound.Y[i]), $"y (relu={flag})");
            Close.All(actual.Dx, TestData.ToDouble(expected.Dx), i => Close.DotBound(N + 1, bound.Dx[i]), $"dx (accumulate={flag})");
            Close.All(actual.Dw, TestData.ToDouble(expected.Dw), i => Close.DotBound(M + 1, bound.Dw[i]), $"dw (accumulate={flag})");
            Close.All(actual.Db, TestData.ToDouble(expected.Db), i => Close.DotBound(M + 1, bound.Db[i]), $"db (accumulate={flag})");
            Close.All(actual.DxMasked, TestData.ToDouble(expected.DxMasked), i => Close.DotBound(N + 1, bound.Dx[i]), $"masked dx (accumulate={flag})");
            Assert.That(actual.DxMasked.Where((_, i) => x[i] <= 0f), Is.All.EqualTo(0f), "masked where x ≤ 0");
        }
    }

    [Test]
    public void ParallelShape_DenseOps_AreBitIdenticalAcrossRunsAndThreadCounts()
    {
        var x = TestData.Uniform(M * K, 11);
        var w = TestData.Uniform(K * N, 12);
        var b = TestData.Uniform(N, 13);
        var dy = TestData.Uniform(M * N, 14);
        var dxInit = TestData.Uniform(M * K, 15);
        var dwInit = TestData.Uniform(K * N, 16);
        var dbInit = TestData.Uniform(N, 17);

        foreach (var flag in new[] { false, true })
        {
            var first = RunDense(Backend, x, w, b, dy, dxInit, dwInit, dbInit, flag);
            var second = RunDense(Backend, x, w, b, dy, dxInit, dwInit, dbInit, flag);
            AssertBitIdentical(second, first, $"second run (flag={flag})");
            foreach (var threads in ThreadCounts)
            {
                using var other = new ManagedCpuBackend(threads);
                AssertBitIdentical(RunDense(other, x, w, b, dy, dxInit, dwInit, dbInit, flag), first, $"{threads} thread(s) (flag={flag})");
            }
        }
    }

    /// <summary>
    /// Samples do not interact, so a sample's output and input gradient must not depend on the batch
    /// around it: rows 3..66 alone (all in four-row blocks) give the bits those rows get in the full
    /// batch (where rows 64..66 take the one-row remainder loop).
    /// </summary>
    [Test]
    public void SubBatch_GivesTheSameBitsAsTheSameRowsOfTheFullBatch()
    {
        const int skip = 3, rows = M - skip;
        var x = TestData.Uniform(M * K, 41);
        var dy = TestData.Uniform(M * N, 42);
        var (w, b) = (Put(Backend, TestData.Uniform(K * N, 43)), Put(Backend, TestData.Uniform(N, 44)));
        var (xv, dyv) = (Put(Backend, x), Put(Backend, dy));
        var (y, dx) = (Zeros(Backend, M * N), Zeros(Backend, M * K));
        Backend.DenseForward(xv, w, b, y, M, K, N, relu: false);
        Backend.DenseBackwardInput(dyv, w, dx, M, K, N, accumulate: false);
        var (ySub, dxSub) = (Zeros(Backend, rows * N), Zeros(Backend, rows * K));
        Backend.DenseForward(xv.Slice(skip * K, rows * K), w, b, ySub, rows, K, N, relu: false);
        Backend.DenseBackwardInput(dyv.Slice(skip * N, rows * N), w, dxSub, rows, K, N, accumulate: false);

        Assert.That(Bits(Get(ySub)), Is.EqualTo(Bits(Get(y)[(skip * N)..])).AsCollection, "y");
        Assert.That(Bits(Get(dxSub)), Is.EqualTo(Bits(Get(dx)[(skip * K)..])).AsCollection, "dx");
    }

    [Test]
    public void ParallelLength_ElementwiseOps_MatchReferenceAndAreBitIdenticalAcrossThreadCounts()
    {
        var results = ThreadCounts.Select(threads =>
        {
            using var backend = new ManagedCpuBackend(threads);
            return RunElementwise(backend);
        }).Append(RunElementwise(Backend)).ToList();
        for (var i = 1; i < results.Count; i++)
        {
            for (var j = 0; j < results[0].Length; j++)
            {
                Assert.That(Bits(results[i][j]), Is.EqualTo(Bits(results[0][j])).AsCollection, $"output {j}, run {i}");
            }
        }

        var expected = RunElementwise(Reference);
        var actual = results[0];
        Assert.That(actual[0], Is.EqualTo(expected[0]).AsCollection, "ReLU backward is exact");
        Assert.That(actual[1].Select(v => v == 0f), Is.EqualTo(expected[1].Select(v => v == 0f)).AsCollection, "dropout mask");
        Close.All(actual[1], TestData.ToDouble(expected[1]), i => 2 * Close.Unit * Math.Abs(expected[1][i]), "dropout values");
        Close.All(actual[2], expected[2], 1e-6, "Adam parameters");
    }

    [Test]
    public void ParallelShape_EveryOp_AllocatesNothingAfterWarmUp([Values(1, 2, 3)] int threads)
    {
        // Counted over all threads (the pool's workers included): the training loop's promise.
        using var backend = new ManagedCpuBackend(threads);
        var (x, w, b) = (Put(backend, TestData.Uniform(M * K, 51)), Put(backend, TestData.Uniform(K * N, 52)), Put(backend, TestData.Uniform(N, 53)));
        var (y, dy, dx, dw, db) = (Zeros(backend, M * N), Put(backend, TestData.Uniform(M * N, 54)), Zeros(backend, M * K), Zeros(backend, K * N), Zeros(backend, N));
        var (p, g, m, v) = (Put(backend, TestData.Uniform(Elements, 55)), Put(backend, TestData.Uniform(Elements, 56)), Zeros(backend, Elements), Zeros(backend, Elements));
        var (target, lossSum) = (Put(backend, TestData.Uniform(M * N, 57)), Zeros(backend, 1));
        void Step(long t)
        {
            backend.DenseForward(x, w, b, y, M, K, N, relu: true);
            backend.DropoutForward(y, y, 0.8f, 3, (ulong)t);
            backend.Loss(LossKind.Mae, y, target, dy, lossSum);
            backend.DropoutBackward(dy, dy, 0.8f, 3, (ulong)t, accumulate: false);
            backend.ReluBackward(y, dy, dy, accumulate: false);
            backend.DenseBackwardInput(dy, w, dx, M, K, N, accumulate: false);
            backend.DenseBackwardWeight(x, dy, dw, M, K, N, accumulate: false);
            backend.DenseBackwardBias(dy, db, M, N, accumulate: false);
            backend.Adam(p, g, m, v, 0, Elements, new AdamStep(t));
            backend.Fill(dx, 0f);
            backend.Copy(dw.Slice(0, N), db);
        }
        // Warm-up past the JIT's tier-up (30 calls), whose one-off runtime allocations are not the step's.
        for (var t = 1; t <= 40; t++)
        {
            Step(t);
        }
        // The least of three windows of ten steps: a step that allocates shows in every window,
        // while a stray allocation by another thread of the test host (counted too) shows in one.
        var t0 = 41;
        var least = Enumerable.Range(0, 3).Min(_ => AllocatedBytes(() =>
        {
            for (var i = 0; i < 10; i++)
            {
                Step(t0++);
            }
        }));
        Assert.That(least, Is.Zero);
    }

    [Test]
    public void FewerGemmChunksThanThreads_AnyWorkerMayRunAChunk_MatchesOneThread()
    {
        // Two column strips on three threads: two chunks, which any of the three pool threads may
        // claim, so every thread needs packing scratch, not only the first two.
        const int m = 64, k = 64, n = 64;
        var (x, w, b) = (TestData.Uniform(m * k, 61), TestData.Uniform(k * n, 62), TestData.Uniform(n, 63));
        using var single = new ManagedCpuBackend(1);
        var expected = Forward(single);
        using var three = new ManagedCpuBackend(3);
        for (var round = 0; round < 200; round++)
        {
            Assert.That(Bits(Forward(three)), Is.EqualTo(Bits(expected)).AsCollection, $"round {round}");
        }

        float[] Forward(IComputeBackend backend)
        {
            var y = Zeros(backend, m * n);
            backend.DenseForward(Put(backend, x), Put(backend, w), Put(backend, b), y, m, k, n, relu: true);
            return Get(y);
        }
    }

    [Test]
    public void Device_DescribesTheManagedCpuBackend()
    {
        using var backend = new ManagedCpuBackend(3);
        Assert.That(backend.Device.Kind, Is.EqualTo(DeviceKind.Cpu));
        Assert.That(backend.Device.Multiprocessors, Is.EqualTo(Environment.ProcessorCount));
        Assert.That(backend.Device.Details, Does.StartWith("managed SIMD (").And.EndWith("3 threads"));
        Assert.That(backend.MaxDegreeOfParallelism, Is.EqualTo(3));
        Assert.That(new ManagedCpuBackend().MaxDegreeOfParallelism, Is.EqualTo(Environment.ProcessorCount));
        Assert.That(() => new ManagedCpuBackend(0), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    private sealed record DenseResult(float[] Y, float[] Dx, float[] Dw, float[] Db, float[] DxMasked);

    /// <summary>Forward (ReLU when <paramref name="relu"/>), then the three backward products, all from fixed inputs.</summary>
    private DenseResult RunDense(
        IComputeBackend backend, float[] x, float[] w, float[] b, float[] dy, float[] dxInit, float[] dwInit, float[] dbInit,
        bool relu, bool? accumulate = null)
    {
        var acc = accumulate ?? relu;
        var y = Zeros(backend, M * N);
        backend.DenseForward(Put(backend, x), Put(backend, w), Put(backend, b), y, M, K, N, relu);
        var dx = Put(backend, dxInit);
        var dw = Put(backend, dwInit);
        var db = Put(backend, dbInit);
        var dyView = Put(backend, dy);
        backend.DenseBackwardInput(dyView, Put(backend, w), dx, M, K, N, acc);
        backend.DenseBackwardWeight(Put(backend, x), dyView, dw, M, K, N, acc);
        backend.DenseBackwardBias(dyView, db, M, N, acc);
        // The fused input gradient + backward ReLU, masked by x (about half positive).
        var dxMasked = Put(backend, dxInit);
        backend.DenseBackwardInputMasked(dyView, Put(backend, w), Put(backend, x), dxMasked, M, K, N, acc);
        return new DenseResult(Get(y), Get(dx), Get(dw), Get(db), Get(dxMasked));
    }

    /// <summary>ReLU backward (accumulating), dropout and three Adam steps, on one long vector.</summary>
    private float[][] RunElementwise(IComputeBackend backend)
    {
        var x = TestData.Uniform(Elements, 21);
        var mask = Put(backend, TestData.Uniform(Elements, 22));
        backend.ReluBackward(Put(backend, x), Put(backend, TestData.Uniform(Elements, 23)), mask, accumulate: true);
        var dropped = Zeros(backend, Elements);
        backend.DropoutForward(Put(backend, TestData.AwayFromZero(Elements, 24)), dropped, 0.7f, 99, 5);
        var (p, m, v) = (Put(backend, TestData.Uniform(Elements, 25)), Zeros(backend, Elements), Zeros(backend, Elements));
        for (var t = 1; t <= 3; t++)
        {
            backend.Adam(p, Put(backend, TestData.Uniform(Elements, 30 + t)), m, v, 0, Elements, new AdamStep(t, learningRate: 1e-3f));
        }
        return [Get(mask), Get(dropped), Get(p)];
    }

    /// <summary>Bytes allocated by every thread of the process while <paramref name="action"/> runs.</summary>
    internal static long AllocatedBytes(Action action)
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        action();
        return GC.GetTotalAllocatedBytes(precise: true) - before;
    }

    private static void AssertBitIdentical(DenseResult actual, DenseResult expected, string what)
    {
        Assert.That(Bits(actual.Y), Is.EqualTo(Bits(expected.Y)).AsCollection, $"y, {what}");
        Assert.That(Bits(actual.Dx), Is.EqualTo(Bits(expected.Dx)).AsCollection, $"dx, {what}");
        Assert.That(Bits(actual.Dw), Is.EqualTo(Bits(expected.Dw)).AsCollection, $"dw, {what}");
        Assert.That(Bits(actual.Db), Is.EqualTo(Bits(expected.Db)).AsCollection, $"db, {what}");
        Assert.That(Bits(actual.DxMasked), Is.EqualTo(Bits(expected.DxMasked)).AsCollection, $"masked dx, {what}");
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
