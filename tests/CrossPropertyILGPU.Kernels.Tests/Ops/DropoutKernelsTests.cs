using CrossPropertyILGPU.Kernels.Ops;
using CrossPropertyILGPU.Kernels.Tests.Support;

namespace CrossPropertyILGPU.Kernels.Tests.Ops;

/// <summary>
/// Inverted dropout. The mask is an integer hash of (seed, step, index), so every backend must
/// draw the same mask bit for bit; kept values agree with the reference within one float rounding
/// (x·(1/keep) in float against x/keep rounded once from double: ≤ 1 ulp).
/// </summary>
[TestFixture(TestBackends.Cpu)]
[TestFixture(TestBackends.IlgpuCpu)]
[TestFixture(TestBackends.IlgpuCpuInterleaved)]
[TestFixture(TestBackends.Cuda, Category = "Gpu")]
public sealed class DropoutKernelsTests(string backendName) : BackendFixture(backendName)
{
    private const ulong Seed = 1234567;

    [TestCase(0.8f, 1000)]
    [TestCase(0.3f, 4099)]
    public void Forward_SameMaskAsReference_ValuesWithinOneUlp(float keep, int n)
    {
        var x = TestData.AwayFromZero(n, 50);
        var y = Zeros(Backend, n);
        Backend.DropoutForward(Put(Backend, x), y, keep, Seed, 17);
        var expected = Zeros(Reference, n);
        Reference.DropoutForward(Put(Reference, x), expected, keep, Seed, 17);

        var actual = Get(y);
        var oracle = Get(expected);
        for (var i = 0; i < n; i++)
        {
            Assert.That(actual[i] == 0f, Is.EqualTo(oracle[i] == 0f), $"mask differs at {i}");
        }
        Close.All(actual, TestData.ToDouble(oracle), i => 2 * Close.Unit * Math.Abs(oracle[i]), "y");
    }

    [Test]
    public void Forward_SameSeedAndStep_ReproducesTheMask_OtherStepOrSeedDoesNot()
    {
        const int n = 5000;
        var x = Put(Backend, Enumerable.Repeat(1f, n).ToArray());
        float[] Mask(ulong seed, ulong step)
        {
            var y = Zeros(Backend, n);
            Backend.DropoutForward(x, y, 0.5f, seed, step);
            return Get(y);
        }

        var first = Mask(Seed, 3);
        Assert.That(Mask(Seed, 3), Is.EqualTo(first).AsCollection, "same seed and step");
        // Two independent masks at keep 0.5 agree on about half the elements; 5000 draws make
        // agreement above 55 % a > 7σ event.
        static double Agreement(float[] a, float[] b) => a.Zip(b).Count(p => (p.First == 0f) == (p.Second == 0f)) / (double)a.Length;
        Assert.That(Agreement(first, Mask(Seed, 4)), Is.LessThan(0.55), "next step must draw a new mask");
        Assert.That(Agreement(first, Mask(Seed + 1, 3)), Is.LessThan(0.55), "another seed must draw a new mask");
    }

    /// <summary>
    /// Over n = 200,000 elements the kept fraction is Binomial(n, keep)/n with standard deviation
    /// √(keep(1−keep)/n) ≤ 0.0011; the tolerance is 5σ (a false failure about once in 1.7 million runs,
    /// and the draw is deterministic anyway: it either passes for these seeds or never does).
    /// </summary>
    [TestCase(0.8f)]
    [TestCase(0.9f)]
    [TestCase(0.7f)]
    [TestCase(0.1f)]
    public void Forward_KeepRate_WithinFiveSigmaOfKeepProbability(float keep)
    {
        const int n = 200_000;
        var ones = Put(Backend, Enumerable.Repeat(1f, n).ToArray());
        var y = Zeros(Backend, n);
        Backend.DropoutForward(ones, y, keep, Seed, 99);
        var result = Get(y);

        var kept = result.Count(v => v != 0f) / (double)n;
        var sigma = Math.Sqrt(keep * (1.0 - keep) / n);
        Assert.That(kept, Is.EqualTo(keep).Within(5 * sigma), "kept fraction");
        // Inverted dropout: kept values are scaled by 1/keep so the mean stays ≈ 1.
        Assert.That(result.Where(v => v != 0f), Is.All.EqualTo(1f / keep).Within(1e-6f));
    }

    [Test]
    public void Forward_KeepOne_IsIdentity()
    {
        var x = TestData.Uniform(333, 51);
        var y = Zeros(Backend, x.Length);
        Backend.DropoutForward(Put(Backend, x), y, 1f, Seed, 5);
        Assert.That(Get(y), Is.EqualTo(x).AsCollection);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Backward_MatchesReference(bool accumulate)
    {
        const int n = 1031;
        var dy = TestData.Uniform(n, 52);
        var initial = TestData.Uniform(n, 53);
        var dx = Put(Backend, initial);
        Backend.DropoutBackward(Put(Backend, dy), dx, 0.7f, Seed, 8, accumulate);
        var expected = Put(Reference, initial);
        Reference.DropoutBackward(Put(Reference, dy), expected, 0.7f, Seed, 8, accumulate);
        // |dy/keep| < 1.43 plus |initial| < 1: two roundings of a value below 2.5.
        Close.All(Get(dx), Get(expected), 2 * Close.Unit * 2.5 * 2, "dx");
    }

    /// <summary>
    /// For a fixed (seed, step) dropout is linear in x: L(x) = Σ G ⊙ mask ⊙ x / keep, so central
    /// differences (h = 1e-3) are exact up to rounding, and they check that the backward pass
    /// recomputes the forward's mask rather than drawing a new one.
    /// </summary>
    [Test]
    public void Backward_MatchesFiniteDifferencesOfTheForward()
    {
        const int n = 301;
        const float keep = 0.8f;
        var x = TestData.Uniform(n, 54);
        var g = TestData.Uniform(n, 55);
        var dx = Zeros(Backend, n);
        Backend.DropoutBackward(Put(Backend, g), dx, keep, Seed, 21, accumulate: false);

        var key = DropoutMask.Key(Seed, 21);
        var threshold = DropoutMask.Threshold(keep);
        var gd = TestData.ToDouble(g);
        var fd = FiniteDifference.Gradient(
            p => p.Select((v, i) => DropoutMask.Keeps(key, i, threshold) ? gd[i] * v / keep : 0.0).Sum(),
            TestData.ToDouble(x), 1e-3);
        Close.All(Get(dx), fd, 1e-6, "dL/dx");
    }

    [Test]
    public void Threshold_MapsKeepProbabilityTo24BitUnits()
    {
        Assert.That(DropoutMask.Threshold(1f), Is.EqualTo(DropoutMask.Resolution));
        Assert.That(DropoutMask.Threshold(0.5f), Is.EqualTo(DropoutMask.Resolution / 2));
        Assert.That(() => DropoutMask.Threshold(0f), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => DropoutMask.Threshold(float.NaN), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
