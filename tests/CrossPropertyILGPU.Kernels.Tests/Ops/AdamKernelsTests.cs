using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Tests.Support;

namespace CrossPropertyILGPU.Kernels.Tests.Ops;

/// <summary>Adam and the decoupled decay: hand-computed steps, the frozen range, and random state against the reference.</summary>
[TestFixture(TestBackends.Cpu)]
[TestFixture(TestBackends.IlgpuCpu)]
[TestFixture(TestBackends.IlgpuCpuInterleaved)]
[TestFixture(TestBackends.Cuda, Category = "Gpu")]
public sealed class AdamKernelsTests(string backendName) : BackendFixture(backendName)
{
    /// <summary>
    /// p = 1, α = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-7 (TensorFlow's update, ε not bias-corrected).
    /// Step 1, g = 0.5:  m = 0.1·0.5 = 0.05;  v = 0.001·0.25 = 2.5e-4;
    ///   α₁ = 0.1·√(1−0.999)/(1−0.9) = 0.0316227766;  √v = 0.0158113883;
    ///   p = 1 − 0.0316227766·0.05/(0.0158113883 + 1e-7) = 1 − 0.0999993675 = 0.9000006325.
    /// Step 2, g = −0.25:  m = 0.9·0.05 + 0.1·(−0.25) = 0.02;  v = 0.999·2.5e-4 + 0.001·0.0625 = 3.1225e-4;
    ///   α₂ = 0.1·√(1−0.999²)/(1−0.9²) = 0.1·0.0447102897/0.19 = 0.0235317314;  √v = 0.0176705970;
    ///   p = 0.9000006325 − 0.0235317314·0.02/(0.0176705970 + 1e-7) = 0.9000006325 − 0.0266333036 = 0.8733673289.
    /// These are the decimal hyper-parameters; the kernels get float32 ones (0.999f = 0.99900001287,
    /// so 1−β2 is 1.3e-5 relative off, and 1−0.9f = 0.100000024). Redone with the float32 values the
    /// results move by 1.5e-9 (p₁), 2.5e-7 (p₂), 1.2e-8 (m₁), 3.2e-9 (v₁): the tolerances below
    /// cover that plus float32 rounding of the arithmetic (~1e-7 relative per operation).
    /// </summary>
    [Test]
    public void Update_TwoSteps_MatchHandComputedValues()
    {
        foreach (var backend in new[] { Backend, Reference })
        {
            var p = Put(backend, [1f]);
            var g = Put(backend, [0.5f]);
            var m = Zeros(backend, 1);
            var v = Zeros(backend, 1);
            backend.Adam(p, g, m, v, 0, 1, new AdamStep(1, learningRate: 0.1f));
            Assert.That(Get(p)[0], Is.EqualTo(0.9000006325).Within(2e-6), $"{backend.Device.Name}: p after step 1");
            Assert.That(Get(m)[0], Is.EqualTo(0.05).Within(5e-8), "m after step 1");
            Assert.That(Get(v)[0], Is.EqualTo(2.5e-4).Within(1e-8), "v after step 1");

            backend.Upload(g, [-0.25f]);
            backend.Adam(p, g, m, v, 0, 1, new AdamStep(2, learningRate: 0.1f));
            Assert.That(Get(p)[0], Is.EqualTo(0.8733673289).Within(2e-6), $"{backend.Device.Name}: p after step 2");
            Assert.That(Get(m)[0], Is.EqualTo(0.02).Within(5e-8), "m after step 2");
            Assert.That(Get(v)[0], Is.EqualTo(3.1225e-4).Within(1e-8), "v after step 2");
        }
    }

    [Test]
    public void Update_OffsetRange_LeavesFrozenParametersAndTheirMomentsUntouched()
    {
        const int n = 10, offset = 3, count = 4;
        var initial = TestData.Uniform(n, 70);
        var p = Put(Backend, initial);
        var g = Put(Backend, TestData.Uniform(n, 71));
        var m = Zeros(Backend, n);
        var v = Zeros(Backend, n);
        Backend.Adam(p, g, m, v, offset, count, new AdamStep(1, learningRate: 0.01f));

        var (after, mAfter) = (Get(p), Get(m));
        for (var i = 0; i < n; i++)
        {
            var trained = i >= offset && i < offset + count;
            Assert.That(after[i] != initial[i], Is.EqualTo(trained), $"parameter {i} (trained: {trained})");
            Assert.That(mAfter[i] != 0f, Is.EqualTo(trained), $"first moment {i}");
        }
    }

    /// <summary>
    /// Five steps on random state: float32 vs double arithmetic differ by a few ulps per step in m,
    /// v and the update; with |update| ≤ α = 1e-3 and |p| &lt; 1 the drift stays below 1e-6.
    /// </summary>
    [Test]
    public void Update_FiveRandomSteps_MatchReference()
    {
        const int n = 1000;
        var p0 = TestData.Uniform(n, 72);
        var (p, m, v) = (Put(Backend, p0), Zeros(Backend, n), Zeros(Backend, n));
        var (rp, rm, rv) = (Put(Reference, p0), Zeros(Reference, n), Zeros(Reference, n));
        for (var t = 1; t <= 5; t++)
        {
            var grad = TestData.Uniform(n, 100 + t);
            var step = new AdamStep(t, learningRate: 1e-3f);
            Backend.Adam(p, Put(Backend, grad), m, v, 0, n, step);
            Reference.Adam(rp, Put(Reference, grad), rm, rv, 0, n, step);
        }
        Close.All(Get(p), Get(rp), 1e-6, "parameters");
        Close.All(Get(m), Get(rm), 1e-6, "first moment");
        Close.All(Get(v), Get(rv), 1e-6, "second moment");
    }

    [Test]
    public void StepSize_FoldsBiasCorrectionIntoTheLearningRate()
    {
        var step = new AdamStep(1, learningRate: 0.1f);
        // 0.1·√(1−0.999)/(1−0.9) with float32 β (see above): 0.0316225660 instead of 0.0316227766.
        Assert.That(step.StepSize, Is.EqualTo(0.1 * Math.Sqrt(0.001) / 0.1).Within(5e-7));
        Assert.That(new AdamStep(1_000_000).StepSize, Is.EqualTo(1e-4).Within(1e-9), "correction vanishes");
        Assert.That(() => new AdamStep(0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new AdamStep(1, beta1: 1f), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new AdamStep(1, epsilon: 0f), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    /// <summary>p ← p − r·(p − a): with p = 2, a = 1, r = 0.25: 2 − 0.25·1 = 1.75; with a = 0 (AdamW) and p = −4: −4 − 0.25·(−4) = −3.</summary>
    [Test]
    public void DecayToward_HandComputedValues()
    {
        foreach (var backend in new[] { Backend, Reference })
        {
            var p = Put(backend, [2f, -4f, 0.5f]);
            backend.DecayToward(p, Put(backend, [1f, 0f, 0.5f]), 0.25f);
            Assert.That(Get(p), Is.EqualTo(new[] { 1.75f, -3f, 0.5f }), $"{backend.Device.Name}: pulled a quarter of the way; at the anchor nothing moves");
            backend.DecayToward(p, Put(backend, [0f, 0f, 0f]), 1f);
            Assert.That(Get(p), Is.EqualTo(new[] { 0f, 0f, 0f }), $"{backend.Device.Name}: rate 1 lands on the anchor");
        }
    }

    /// <summary>
    /// A long vector (vector body and scalar tail on the managed backend) against the double-precision
    /// reference: one float multiply-subtract per element, a few ulps at most.
    /// </summary>
    [Test]
    public void DecayToward_RandomState_MatchesReference()
    {
        const int n = 1003;
        var (p0, anchor) = (TestData.Uniform(n, 80), TestData.Uniform(n, 81));
        var (p, rp) = (Put(Backend, p0), Put(Reference, p0));
        for (var t = 0; t < 3; t++)
        {
            Backend.DecayToward(p, Put(Backend, anchor), 1e-3f);
            Reference.DecayToward(rp, Put(Reference, anchor), 1e-3f);
        }
        Close.All(Get(p), Get(rp), 1e-6, "parameters");
    }

    [Test]
    public void DecayToward_RateOutsideZeroToOneOrMismatchedAnchor_Throws()
    {
        var p = Put(Backend, [1f, 2f]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Backend.DecayToward(p, Zeros(Backend, 2), 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => Backend.DecayToward(p, Zeros(Backend, 2), -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => Backend.DecayToward(p, Zeros(Backend, 2), float.NaN));
        Assert.Throws<ArgumentException>(() => Backend.DecayToward(p, Zeros(Backend, 3), 0.1f));
        Assert.Throws<ArgumentException>(() => Backend.DecayToward(p, p, 0.1f));
        Backend.DecayToward(p, Zeros(Backend, 2), 0f);
        Assert.That(Get(p), Is.EqualTo(new[] { 1f, 2f }), "rate 0 changes nothing");
    }
}
