using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Ops;
using CrossPropertyILGPU.Kernels.Tests.Support;
using ILGPU;
using ILGPU.Runtime;

namespace CrossPropertyILGPU.Kernels.Tests.Ops;

/// <summary>
/// Dense forward and the three backward products on the backend under test, against the scalar
/// reference (same float inputs) and against central finite differences of a double-precision
/// forward. Tolerance: the rigorous float32 dot-product bound (K+2)·2^-24·Σ|terms| per element, where
/// Σ|terms| is obtained by running the reference on |inputs| — a wrong index is off by O(0.1–1),
/// orders of magnitude above it.
/// </summary>
[TestFixture(TestBackends.Cpu)]
[TestFixture(TestBackends.IlgpuCpu)]
[TestFixture(TestBackends.IlgpuCpuInterleaved)]
[TestFixture(TestBackends.Cuda, Category = "Gpu")]
[TestFixture(TestBackends.CudaCuBlas, Category = "Gpu")]
public sealed class DenseKernelsTests(string backendName) : BackendFixture(backendName)
{
    // (batch M, in K, out N): the tiny odd shape, shapes ragged against every tile (8×8×16 on the
    // CPU accelerator, 2×4×3 interleaved) and thread count, degenerate 1s, a deep-K / narrow-N
    // shape, and ElemNet's 86 input features.
    private static readonly object[] Shapes =
    [
        new object[] { 3, 5, 7 },
        new object[] { 33, 17, 65 },
        new object[] { 17, 33, 65 },
        new object[] { 1, 1, 1 },
        new object[] { 2, 64, 3 },
        new object[] { 5, 86, 9 },
    ];

    [TestCaseSource(nameof(Shapes))]
    public void Forward_RandomInput_MatchesReference(int m, int k, int n)
    {
        foreach (var relu in new[] { false, true })
        {
            var x = TestData.Uniform(m * k, 1);
            var w = TestData.Uniform(k * n, 2);
            var b = TestData.Uniform(n, 3);

            var y = Zeros(Backend, m * n);
            Backend.DenseForward(Put(Backend, x), Put(Backend, w), Put(Backend, b), y, m, k, n, relu);

            var expected = Zeros(Reference, m * n);
            Reference.DenseForward(Put(Reference, x), Put(Reference, w), Put(Reference, b), expected, m, k, n, relu);
            var absSum = Zeros(Reference, m * n);
            Reference.DenseForward(Put(Reference, TestData.Abs(x)), Put(Reference, TestData.Abs(w)), Put(Reference, TestData.Abs(b)), absSum, m, k, n, false);

            var bound = Get(absSum);
            Close.All(Get(y), TestData.ToDouble(Get(expected)), i => Close.DotBound(k + 1, bound[i]), $"y (relu={relu})");
        }
    }

    /// <summary>
    /// The fused ReLU is a select (v &lt; 0 ? 0 : v), not a max: a NaN pre-activation stays NaN, so a
    /// diverging run shows in the loss instead of being silently zeroed.
    /// </summary>
    [Test]
    public void Forward_FusedRelu_PropagatesNaNInsteadOfZeroing()
    {
        const int m = 3, k = 5, n = 7;
        var x = TestData.Uniform(m * k, 7);
        x[k + 2] = float.NaN; // row 1
        var y = Zeros(Backend, m * n);
        Backend.DenseForward(Put(Backend, x), Put(Backend, TestData.Uniform(k * n, 8)), Put(Backend, TestData.Uniform(n, 9)), y, m, k, n, relu: true);
        var result = Get(y);
        Assert.That(result[n..(2 * n)], Is.All.NaN, "the row with the NaN input");
        Assert.That(result[..n].Concat(result[(2 * n)..]), Has.None.NaN, "the other rows");
    }

    [Test]
    public void Forward_FusedRelu_ZeroesExactlyTheNegativePreActivations()
    {
        const int m = 9, k = 4, n = 11;
        var x = TestData.Uniform(m * k, 4);
        var w = TestData.Uniform(k * n, 5);
        var b = TestData.Uniform(n, 6);
        var (xv, wv, bv) = (Put(Backend, x), Put(Backend, w), Put(Backend, b));
        var linear = Zeros(Backend, m * n);
        var fused = Zeros(Backend, m * n);
        Backend.DenseForward(xv, wv, bv, linear, m, k, n, relu: false);
        Backend.DenseForward(xv, wv, bv, fused, m, k, n, relu: true);

        var pre = Get(linear);
        var post = Get(fused);
        Assert.That(pre.Count(v => v < 0), Is.GreaterThan(0), "the test needs negative pre-activations");
        for (var i = 0; i < pre.Length; i++)
        {
            Assert.That(post[i], Is.EqualTo(pre[i] < 0 ? 0f : pre[i]), $"element {i}");
        }
    }

    [TestCaseSource(nameof(Shapes))]
    public void BackwardInput_RandomInput_MatchesReference(int m, int k, int n)
    {
        foreach (var accumulate in new[] { false, true })
        {
            var dy = TestData.Uniform(m * n, 7);
            var w = TestData.Uniform(k * n, 8);
            var initial = TestData.Uniform(m * k, 9);

            var dx = Put(Backend, initial);
            Backend.DenseBackwardInput(Put(Backend, dy), Put(Backend, w), dx, m, k, n, accumulate);

            var expected = Put(Reference, initial);
            Reference.DenseBackwardInput(Put(Reference, dy), Put(Reference, w), expected, m, k, n, accumulate);
            var absSum = Put(Reference, TestData.Abs(initial));
            Reference.DenseBackwardInput(Put(Reference, TestData.Abs(dy)), Put(Reference, TestData.Abs(w)), absSum, m, k, n, accumulate);

            var bound = Get(absSum);
            Close.All(Get(dx), TestData.ToDouble(Get(expected)), i => Close.DotBound(n + 1, bound[i]), $"dx (accumulate={accumulate})");
        }
    }

    [TestCaseSource(nameof(Shapes))]
    public void BackwardWeight_RandomInput_MatchesReference(int m, int k, int n)
    {
        foreach (var accumulate in new[] { false, true })
        {
            var x = TestData.Uniform(m * k, 10);
            var dy = TestData.Uniform(m * n, 11);
            var initial = TestData.Uniform(k * n, 12);

            var dw = Put(Backend, initial);
            Backend.DenseBackwardWeight(Put(Backend, x), Put(Backend, dy), dw, m, k, n, accumulate);

            var expected = Put(Reference, initial);
            Reference.DenseBackwardWeight(Put(Reference, x), Put(Reference, dy), expected, m, k, n, accumulate);
            var absSum = Put(Reference, TestData.Abs(initial));
            Reference.DenseBackwardWeight(Put(Reference, TestData.Abs(x)), Put(Reference, TestData.Abs(dy)), absSum, m, k, n, accumulate);

            var bound = Get(absSum);
            Close.All(Get(dw), TestData.ToDouble(Get(expected)), i => Close.DotBound(m + 1, bound[i]), $"dw (accumulate={accumulate})");
        }
    }

    [TestCaseSource(nameof(Shapes))]
    public void BackwardBias_RandomInput_MatchesReference(int m, int k, int n)
    {
        _ = k;
        foreach (var accumulate in new[] { false, true })
        {
            var dy = TestData.Uniform(m * n, 13);
            var initial = TestData.Uniform(n, 14);

            var db = Put(Backend, initial);
            Backend.DenseBackwardBias(Put(Backend, dy), db, m, n, accumulate);

            var expected = Put(Reference, initial);
            Reference.DenseBackwardBias(Put(Reference, dy), expected, m, n, accumulate);
            var absSum = Put(Reference, TestData.Abs(initial));
            Reference.DenseBackwardBias(Put(Reference, TestData.Abs(dy)), absSum, m, n, accumulate);

            var bound = Get(absSum);
            Close.All(Get(db), TestData.ToDouble(Get(expected)), i => Close.DotBound(m + 1, bound[i]), $"db (accumulate={accumulate})");
        }
    }

    [TestCaseSource(nameof(Shapes))]
    public void BackwardInputMasked_RandomInput_MatchesReferenceAndZeroesExactlyTheMasked(int m, int k, int n)
    {
        foreach (var accumulate in new[] { false, true })
        {
            var dy = TestData.Uniform(m * n, 40);
            var w = TestData.Uniform(k * n, 41);
            var mask = TestData.Uniform(m * k, 42);
            var initial = TestData.Uniform(m * k, 43);

            var dx = Put(Backend, initial);
            Backend.DenseBackwardInputMasked(Put(Backend, dy), Put(Backend, w), Put(Backend, mask), dx, m, k, n, accumulate);

            var expected = Put(Reference, initial);
            Reference.DenseBackwardInputMasked(Put(Reference, dy), Put(Reference, w), Put(Reference, mask), expected, m, k, n, accumulate);
            var absSum = Put(Reference, TestData.Abs(initial));
            Reference.DenseBackwardInput(Put(Reference, TestData.Abs(dy)), Put(Reference, TestData.Abs(w)), absSum, m, k, n, accumulate);

            var bound = Get(absSum);
            var actual = Get(dx);
            Close.All(actual, TestData.ToDouble(Get(expected)), i => Close.DotBound(n + 1, bound[i]), $"dx (accumulate={accumulate})");
            for (var i = 0; i < actual.Length; i++)
            {
                if (!(mask[i] > 0f))
                {
                    Assert.That(actual[i], Is.Zero, $"dx[{i}] where mask {mask[i]} ≤ 0 (accumulate={accumulate})");
                }
            }
        }
    }

    [TestCaseSource(nameof(Shapes))]
    public void BackwardParameters_RandomInput_MatchesReferenceForWeightAndBias(int m, int k, int n)
    {
        foreach (var (accumulateWeight, accumulateBias) in new[] { (false, false), (true, true), (true, false), (false, true) })
        {
            var x = TestData.Uniform(m * k, 44);
            var dy = TestData.Uniform(m * n, 45);
            var initialW = TestData.Uniform(k * n, 46);
            var initialB = TestData.Uniform(n, 47);

            var (dw, db) = (Put(Backend, initialW), Put(Backend, initialB));
            Backend.DenseBackwardParameters(Put(Backend, x), Put(Backend, dy), dw, db, m, k, n, accumulateWeight, accumulateBias);

            var (expectedW, expectedB) = (Put(Reference, initialW), Put(Reference, initialB));
            Reference.DenseBackwardParameters(Put(Reference, x), Put(Reference, dy), expectedW, expectedB, m, k, n, accumulateWeight, accumulateBias);
            var (absW, absB) = (Put(Reference, TestData.Abs(initialW)), Put(Reference, TestData.Abs(initialB)));
            Reference.DenseBackwardParameters(Put(Reference, TestData.Abs(x)), Put(Reference, TestData.Abs(dy)), absW, absB, m, k, n, accumulateWeight, accumulateBias);

            var (boundW, boundB) = (Get(absW), Get(absB));
            var what = $"(accumulate weight={accumulateWeight}, bias={accumulateBias})";
            Close.All(Get(dw), TestData.ToDouble(Get(expectedW)), i => Close.DotBound(m + 1, boundW[i]), "dw " + what);
            Close.All(Get(db), TestData.ToDouble(Get(expectedB)), i => Close.DotBound(m + 1, boundB[i]), "db " + what);
        }
    }

    /// <summary>
    /// The forward epilogue as its own grid-stride launch (the cuBLAS path's second launch), launched
    /// directly on the ILGPU accelerator under test the way the backend launches it.
    /// </summary>
    [TestCase(7, 5, false)]
    [TestCase(33, 65, true)]
    public void BiasActivation_Kernel_MatchesReference(int m, int n, bool relu)
    {
        if (Backend is not IlgpuBackend ilgpu)
        {
            Assert.Ignore("A grid-stride kernel of the ILGPU backends.");
            return;
        }
        var y = TestData.Uniform(m * n, 51);
        var b = TestData.Uniform(n, 52);
        var kernel = ilgpu.Accelerator.LoadImplicitlyGroupedStreamKernel<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, int, int>(
            DenseKernels.BiasActivation, ilgpu.LaunchOptions.GroupSize);
        using var yBuffer = ilgpu.Accelerator.Allocate1D(y);
        using var bBuffer = ilgpu.Accelerator.Allocate1D(b);
        var split = ilgpu.LaunchOptions.Blocked
            ? WorkSplit.Blocked(m * n, ilgpu.LaunchOptions.MaxThreads)
            : WorkSplit.Interleaved(m * n, ilgpu.LaunchOptions.MaxThreads);
        kernel(split.Threads, split, bBuffer.View, yBuffer.View, n, relu ? 1 : 0);
        var actual = yBuffer.GetAsArray1D();

        var expected = (float[])y.Clone();
        DenseKernels.BiasActivationReference(b, expected, n, relu);
        Assert.That(actual, Is.EqualTo(expected).AsCollection, "one float add and a max: exact");
    }

    [Test]
    public void BackwardParameters_OnSlicesOfOneFlatBuffer_TouchesOnlyDwAndDb()
    {
        // The gradients of one layer sit side by side in the flat gradient buffer (dw then db):
        // the bias row of the fused GEMM must land in db and nowhere past it.
        const int m = 6, k = 5, n = 7;
        var flat = TestData.Uniform(3 + k * n + n + 4, 48);
        var buffer = Put(Backend, flat);
        var dw = buffer.Slice(3, k * n);
        var db = buffer.Slice(3 + k * n, n);
        var x = TestData.Uniform(m * k, 49);
        var dy = TestData.Uniform(m * n, 50);
        Backend.DenseBackwardParameters(Put(Backend, x), Put(Backend, dy), dw, db, m, k, n, accumulateWeight: false, accumulateBias: false);

        var after = Get(buffer);
        Assert.That(after[..3], Is.EqualTo(flat[..3]).AsCollection, "floats before dw");
        Assert.That(after[(3 + k * n + n)..], Is.EqualTo(flat[(3 + k * n + n)..]).AsCollection, "floats after db");
        var (expectedW, expectedB) = (Zeros(Reference, k * n), Zeros(Reference, n));
        Reference.DenseBackwardParameters(Put(Reference, x), Put(Reference, dy), expectedW, expectedB, m, k, n, false, false);
        Close.All(after[3..(3 + k * n)], Get(expectedW), Close.DotBound(m, m), "dw");
        Close.All(after[(3 + k * n)..(3 + k * n + n)], Get(expectedB), Close.DotBound(m, m), "db");
    }

    /// <summary>
    /// With an upstream gradient G, the scalar L(x, w, b) = Σ G ⊙ (x·w + b) has ∂L/∂x = G·wᵀ,
    /// ∂L/∂w = xᵀ·G and ∂L/∂b = Σ_batch G — exactly what the three backward kernels compute with
    /// dy = G. Central differences of L in double (h = 1e-3; L is linear, so truncation error is
    /// zero and rounding error ≈ 1e-16·|L|/h ≈ 1e-12) check all three against the definition.
    /// </summary>
    [TestCase(3, 5, 7)]
    [TestCase(33, 17, 65)]
    public void Backward_AllThreeProducts_MatchFiniteDifferences(int m, int k, int n)
    {
        var x = TestData.Uniform(m * k, 20);
        var w = TestData.Uniform(k * n, 21);
        var b = TestData.Uniform(n, 22);
        var g = TestData.Uniform(m * n, 23);
        const double h = 1e-3;

        var dx = Zeros(Backend, m * k);
        var dw = Zeros(Backend, k * n);
        var db = Zeros(Backend, n);
        var (xv, wv, gv) = (Put(Backend, x), Put(Backend, w), Put(Backend, g));
        Backend.DenseBackwardInput(gv, wv, dx, m, k, n, accumulate: false);
        Backend.DenseBackwardWeight(xv, gv, dw, m, k, n, accumulate: false);
        Backend.DenseBackwardBias(gv, db, m, n, accumulate: false);

        var (xd, wd, bd, gd) = (TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(b), TestData.ToDouble(g));
        var fdX = FiniteDifference.Gradient(p => Objective(p, wd, bd, gd, m, k, n), xd, h);
        var fdW = FiniteDifference.Gradient(p => Objective(xd, p, bd, gd, m, k, n), wd, h);
        var fdB = FiniteDifference.Gradient(p => Objective(xd, wd, p, gd, m, k, n), bd, h);

        // Float kernel vs exact: the dot bound with every |term| ≤ 1; plus 1e-9 for the FD rounding.
        Close.All(Get(dx), fdX, Close.DotBound(n, n) + 1e-9, "dL/dx");
        Close.All(Get(dw), fdW, Close.DotBound(m, m) + 1e-9, "dL/dw");
        Close.All(Get(db), fdB, Close.DotBound(m, m) + 1e-9, "dL/db");
    }

    [Test]
    public void Forward_OnSlicesOfOneFlatBuffer_TouchesOnlyItsOutputSlice()
    {
        // Parameters and activations live in flat buffers: the layer must read and write only its views.
        const int m = 4, k = 3, n = 5;
        var flat = TestData.Uniform(m * k + k * n + n + m * n + 10, 30);
        var buffer = Put(Backend, flat);
        var x = buffer.Slice(0, m * k);
        var w = buffer.Slice(m * k, k * n);
        var b = buffer.Slice(m * k + k * n, n);
        var y = buffer.Slice(m * k + k * n + n + 5, m * n);
        Backend.DenseForward(x, w, b, y, m, k, n, relu: false);

        var after = Get(buffer);
        var yStart = y.Offset;
        for (var i = 0; i < flat.Length; i++)
        {
            if (i < yStart || i >= yStart + m * n)
            {
                Assert.That(after[i], Is.EqualTo(flat[i]), $"float {i} outside y changed");
            }
        }
        var expected = Zeros(Reference, m * n);
        Reference.DenseForward(Put(Reference, flat[..(m * k)]), Put(Reference, flat[(m * k)..(m * k + k * n)]),
            Put(Reference, flat[(m * k + k * n)..(m * k + k * n + n)]), expected, m, k, n, relu: false);
        Close.All(after[yStart..(yStart + m * n)], Get(expected), Close.DotBound(k + 1, k + 1), "y");
    }

    private static double Objective(double[] x, double[] w, double[] b, double[] g, int m, int k, int n)
    {
        var sum = 0.0;
        for (var row = 0; row < m; row++)
        {
            for (var col = 0; col < n; col++)
            {
                var y = b[col];
                for (var p = 0; p < k; p++)
                {
                    y += x[row * k + p] * w[p * n + col];
                }
                sum += g[row * n + col] * y;
            }
        }
        return sum;
    }
}
