using CrossPropertyILGPU.Kernels.Tests.Support;

namespace CrossPropertyILGPU.Kernels.Tests.Ops;

/// <summary>
/// The ReLU backward mask (the forward is fused into the dense forward and tested there): exact (no
/// rounding is involved), so tolerance 0 except for accumulate (one float add).
/// </summary>
[TestFixture(TestBackends.Cpu)]
[TestFixture(TestBackends.IlgpuCpu)]
[TestFixture(TestBackends.IlgpuCpuInterleaved)]
[TestFixture(TestBackends.Cuda, Category = "Gpu")]
public sealed class ReluKernelsTests(string backendName) : BackendFixture(backendName)
{
    [TestCase(105, false)]
    [TestCase(105, true)]
    [TestCase(2145, true)]
    public void Backward_RandomInput_MatchesReference(int n, bool accumulate)
    {
        var y = TestData.Uniform(n, 42).Select(v => Math.Max(v, 0f)).ToArray();
        var dy = TestData.Uniform(n, 43);
        var initial = TestData.Uniform(n, 44);
        var dx = Put(Backend, initial);
        Backend.ReluBackward(Put(Backend, y), Put(Backend, dy), dx, accumulate);
        var expected = Put(Reference, initial);
        Reference.ReluBackward(Put(Reference, y), Put(Reference, dy), expected, accumulate);
        // One float addition when accumulating: at most half an ulp of |result| ≤ 2.
        Close.All(Get(dx), Get(expected), accumulate ? 2 * Close.Unit * 2 : 0, "dx");
    }

    /// <summary>L(x) = Σ G ⊙ relu(x), so ∂L/∂x = G ⊙ [x &gt; 0]; inputs stay ≥ 0.05 from the kink, h = 1e-4.</summary>
    [Test]
    public void Backward_MatchesFiniteDifferences()
    {
        const int n = 257;
        var x = TestData.AwayFromZero(n, 45);
        var g = TestData.Uniform(n, 46);
        var y = Put(Backend, [.. x.Select(v => Math.Max(v, 0f))]);
        var dx = Zeros(Backend, n);
        Backend.ReluBackward(y, Put(Backend, g), dx, accumulate: false);

        var gd = TestData.ToDouble(g);
        var fd = FiniteDifference.Gradient(p => p.Select((v, i) => gd[i] * Math.Max(v, 0)).Sum(), TestData.ToDouble(x), 1e-4);
        // The kernel result is exactly g or 0; FD rounding is ≈ 1e-16·|L|/h ≈ 1e-10.
        Close.All(Get(dx), fd, 1e-8, "dL/dx");
    }
}
