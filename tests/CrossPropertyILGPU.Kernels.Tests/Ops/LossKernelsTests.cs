using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Tests.Support;

namespace CrossPropertyILGPU.Kernels.Tests.Ops;

/// <summary>
/// MAE and MSE: gradient and accumulated batch-sum value, against the reference and against
/// finite differences of the double-precision mean loss.
/// </summary>
[TestFixture(TestBackends.Cpu)]
[TestFixture(TestBackends.IlgpuCpu)]
[TestFixture(TestBackends.IlgpuCpuInterleaved)]
[TestFixture(TestBackends.Cuda, Category = "Gpu")]
public sealed class LossKernelsTests(string backendName) : BackendFixture(backendName)
{
    [TestCase(LossKind.Mae, 1)]
    [TestCase(LossKind.Mae, 33)]
    [TestCase(LossKind.Mse, 33)]
    [TestCase(LossKind.Mae, 1024)]
    [TestCase(LossKind.Mse, 1024)]
    public void ValueAndGradient_MatchReference(LossKind kind, int n)
    {
        var prediction = TestData.Uniform(n, 60);
        var target = TestData.Uniform(n, 61);
        var grad = Zeros(Backend, n);
        var sum = Put(Backend, [0.5f]);
        Backend.Loss(kind, Put(Backend, prediction), Put(Backend, target), grad, sum);

        var expectedGrad = Zeros(Reference, n);
        var expectedSum = Put(Reference, [0.5f]);
        Reference.Loss(kind, Put(Reference, prediction), Put(Reference, target), expectedGrad, expectedSum);

        // Gradients: sign/n is exact, 2e/n has ≤ 3 roundings of a value ≤ 4/n.
        Close.All(Get(grad), Get(expectedGrad), 3 * Close.Unit * 4.0 / n, "grad");
        // Sum of n terms each ≤ 4 (|e| < 2), serial float accumulation: the dot bound.
        Close.All(Get(sum), Get(expectedSum), Close.DotBound(n + 1, 4.0 * n + 0.5), "loss sum");
    }

    [Test]
    public void Loss_CalledTwice_AccumulatesBothBatchSums()
    {
        var prediction = Put(Backend, [1f, 2f, 3f]);
        var target = Put(Backend, [1.5f, 2f, 1f]);
        var grad = Zeros(Backend, 3);
        var sum = Zeros(Backend, 1);
        Backend.Loss(LossKind.Mae, prediction, target, grad, sum);
        Backend.Loss(LossKind.Mae, prediction, target, grad, sum);
        // |−0.5| + 0 + |2| = 2.5 per call.
        Assert.That(Get(sum)[0], Is.EqualTo(5f));
        // sign(e)/n with a zero error giving a zero gradient, as TensorFlow's sign.
        Assert.That(Get(grad), Is.EqualTo(new[] { -1f / 3, 0f, 1f / 3 }).AsCollection);
    }

    /// <summary>
    /// A diverged network predicts NaN or ∞: the loss must come out non-finite (the trainer's
    /// stop signal) on every backend and the reference, never throw; MAE's sign of NaN is 0.
    /// </summary>
    [Test]
    public void Loss_NonFinitePrediction_GivesANonFiniteSumWithoutThrowing()
    {
        float[] prediction = [float.NaN, float.PositiveInfinity, 1f];
        float[] target = [0f, 0f, 0f];
        foreach (var backend in new[] { Backend, Reference })
        {
            var grad = Zeros(backend, 3);
            var sum = Zeros(backend, 1);
            backend.Loss(LossKind.Mae, Put(backend, prediction), Put(backend, target), grad, sum);
            Assert.That(float.IsFinite(Get(sum)[0]), Is.False, backend.Device.ToString());
            Assert.That(Get(grad), Is.EqualTo(new[] { 0f, 1f / 3, 1f / 3 }).AsCollection, backend.Device.ToString());
        }
    }

    /// <summary>
    /// L(p) = (1/n) Σ l(p_i − t_i); errors stay ≥ 0.05 from 0 (the MAE kink), h = 1e-4: MAE is
    /// linear there and MSE quadratic, so central differences are exact up to ≈ 1e-12 rounding.
    /// </summary>
    [TestCase(LossKind.Mae)]
    [TestCase(LossKind.Mse)]
    public void Gradient_MatchesFiniteDifferencesOfTheMeanLoss(LossKind kind)
    {
        const int n = 129;
        var target = TestData.Uniform(n, 62);
        var error = TestData.AwayFromZero(n, 63);
        var prediction = TestData.Add(target, error);
        var grad = Zeros(Backend, n);
        Backend.Loss(kind, Put(Backend, prediction), Put(Backend, target), grad, Zeros(Backend, 1));

        var td = TestData.ToDouble(target);
        double Mean(double[] p) => p.Select((v, i) => kind == LossKind.Mae ? Math.Abs(v - td[i]) : (v - td[i]) * (v - td[i])).Sum() / n;
        var fd = FiniteDifference.Gradient(Mean, TestData.ToDouble(prediction), 1e-4);
        Close.All(Get(grad), fd, 1e-7, "dL/dp");
    }
}
