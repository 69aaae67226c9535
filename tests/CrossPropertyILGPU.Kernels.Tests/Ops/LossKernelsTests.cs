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

    // ---- several targets, missing labels (NaN) ---------------------------------------------------

    /// <summary>Targets [n, K] with NaN at a fixed pattern: target 2 of K = 3 wholly unlabelled when <paramref name="emptyColumn"/>.</summary>
    private static float[] MaskedTargets(int n, int outputs, int seed, bool emptyColumn)
    {
        var target = TestData.Uniform(n * outputs, seed);
        for (var i = 0; i < target.Length; i++)
        {
            var (row, k) = (i / outputs, i % outputs);
            if ((row * 7 + k * 3) % 5 == 0 || (emptyColumn && k == 2))
            {
                target[i] = float.NaN;
            }
        }
        return target;
    }

    [TestCase(LossKind.Mae, 1, 33)]
    [TestCase(LossKind.Mse, 1, 33)]
    [TestCase(LossKind.Mae, 3, 1)]
    [TestCase(LossKind.Mae, 3, 33)]
    [TestCase(LossKind.Mse, 3, 33)]
    [TestCase(LossKind.Mae, 4, 257)]
    [TestCase(LossKind.Mse, 4, 257)]
    public void Masked_ValueAndGradient_MatchReference(LossKind kind, int outputs, int n)
    {
        var prediction = TestData.Uniform(n * outputs, 64);
        var target = MaskedTargets(n, outputs, 65, emptyColumn: outputs == 3);
        var grad = Zeros(Backend, n * outputs);
        var initial = Enumerable.Repeat(0.5f, outputs).ToArray();
        var sum = Put(Backend, initial);
        Backend.Loss(kind, Put(Backend, prediction), Put(Backend, target), grad, sum, outputs);

        var expectedGrad = Zeros(Reference, n * outputs);
        var expectedSum = Put(Reference, initial);
        Reference.Loss(kind, Put(Reference, prediction), Put(Reference, target), expectedGrad, expectedSum, outputs);

        Close.All(Get(grad), Get(expectedGrad), 3 * Close.Unit * 4.0, "grad");
        Close.All(Get(sum), Get(expectedSum), Close.DotBound(n + 1, 4.0 * n + 0.5), "loss sums");
    }

    /// <summary>The managed CPU backend and the ILGPU kernel take the same float operations: bit for bit equal.</summary>
    [TestCase(LossKind.Mae)]
    [TestCase(LossKind.Mse)]
    public void Masked_AgreesBitForBitWithTheManagedCpuBackend(LossKind kind)
    {
        const int outputs = 3;
        const int n = 45;
        var cpu = TestBackends.Get(TestBackends.Cpu)!;
        var prediction = TestData.Uniform(n * outputs, 66);
        var target = MaskedTargets(n, outputs, 67, emptyColumn: false);
        var (grad, sum) = (Zeros(Backend, n * outputs), Zeros(Backend, outputs));
        Backend.Loss(kind, Put(Backend, prediction), Put(Backend, target), grad, sum, outputs);
        var (cpuGrad, cpuSum) = (Zeros(cpu, n * outputs), Zeros(cpu, outputs));
        cpu.Loss(kind, Put(cpu, prediction), Put(cpu, target), cpuGrad, cpuSum, outputs);
        Assert.That(Get(grad), Is.EqualTo(Get(cpuGrad)).AsCollection);
        Assert.That(Get(sum), Is.EqualTo(Get(cpuSum)).AsCollection);
    }

    [Test]
    public void Masked_AnUnlabelledEntryContributesExactlyZero()
    {
        // Two rows, two targets; row 1 has no label for target 0.
        float[] prediction = [1f, 2f, 5f, 4f];
        float[] target = [0f, 1f, float.NaN, 3f];
        foreach (var backend in new[] { Backend, Reference })
        {
            var (grad, sum) = (Zeros(backend, 4), Zeros(backend, 2));
            backend.Loss(LossKind.Mae, Put(backend, prediction), Put(backend, target), grad, sum, outputs: 2);
            // L = ½(|1 − 0| / 1 + (|2 − 1| + |4 − 3|) / 2): target 0 has one labelled row, target 1 two.
            Assert.That(Get(grad), Is.EqualTo(new[] { 1f / 2, 1f / 4, 0f, 1f / 4 }).AsCollection, backend.Device.ToString());
            Assert.That(Get(sum), Is.EqualTo(new[] { 1f, 2f }).AsCollection, backend.Device.ToString());

            // Changing the prediction at the unlabelled entry changes nothing.
            prediction[2] = -1e6f;
            var (grad2, sum2) = (Zeros(backend, 4), Zeros(backend, 2));
            backend.Loss(LossKind.Mse, Put(backend, prediction), Put(backend, target), grad2, sum2, outputs: 2);
            prediction[2] = 7f;
            var (grad3, sum3) = (Zeros(backend, 4), Zeros(backend, 2));
            backend.Loss(LossKind.Mse, Put(backend, prediction), Put(backend, target), grad3, sum3, outputs: 2);
            Assert.That(Get(grad2), Is.EqualTo(Get(grad3)).AsCollection);
            Assert.That(Get(sum2), Is.EqualTo(Get(sum3)).AsCollection);
            Assert.That(Get(grad2)[2], Is.EqualTo(0f));
            prediction[2] = 5f;
        }
    }

    [TestCase(LossKind.Mae)]
    [TestCase(LossKind.Mse)]
    public void Masked_ATargetUnlabelledInTheWholeBatch_GivesZeroGradientAndNoNaN(LossKind kind)
    {
        const int outputs = 3;
        const int n = 17;
        var prediction = TestData.Uniform(n * outputs, 68);
        var target = TestData.Uniform(n * outputs, 69);
        for (var row = 0; row < n; row++)
        {
            target[row * outputs + 1] = float.NaN;
        }
        foreach (var backend in new[] { Backend, Reference })
        {
            var (grad, sum) = (Zeros(backend, n * outputs), Put(backend, [0.25f, 0.25f, 0.25f]));
            backend.Loss(kind, Put(backend, prediction), Put(backend, target), grad, sum, outputs);
            var g = Get(grad);
            Assert.That(g.All(float.IsFinite), Is.True, backend.Device.ToString());
            Assert.That(Enumerable.Range(0, n).Select(row => g[row * outputs + 1]), Is.All.EqualTo(0f), backend.Device.ToString());
            var s = Get(sum);
            Assert.That(s.All(float.IsFinite), Is.True, backend.Device.ToString());
            Assert.That(s[1], Is.EqualTo(0.25f), "an unlabelled target adds nothing to its sum");
        }
    }

    /// <summary>
    /// L(p) = (1/K) Σ_k (1/n_k) Σ_{i labelled for k} l(p_ik − t_ik), a wholly unlabelled target
    /// contributing 0; errors ≥ 0.05 from the MAE kink, h = 1e-4. The unlabelled entries' finite
    /// difference is exactly 0, which the kernel must match.
    /// </summary>
    [TestCase(LossKind.Mae)]
    [TestCase(LossKind.Mse)]
    public void Masked_Gradient_MatchesFiniteDifferencesOfTheMaskedLoss(LossKind kind)
    {
        const int outputs = 3;
        const int n = 41;
        var target = MaskedTargets(n, outputs, 70, emptyColumn: true);
        var error = TestData.AwayFromZero(n * outputs, 71);
        var prediction = target.Select((t, i) => float.IsNaN(t) ? error[i] : t + error[i]).ToArray();
        var grad = Zeros(Backend, n * outputs);
        Backend.Loss(kind, Put(Backend, prediction), Put(Backend, target), grad, Zeros(Backend, outputs), outputs);

        double Loss(double[] p)
        {
            var total = 0.0;
            for (var k = 0; k < outputs; k++)
            {
                var (sum, labelled) = (0.0, 0);
                for (var i = k; i < p.Length; i += outputs)
                {
                    if (!float.IsNaN(target[i]))
                    {
                        var e = p[i] - target[i];
                        sum += kind == LossKind.Mae ? Math.Abs(e) : e * e;
                        labelled++;
                    }
                }
                total += labelled == 0 ? 0.0 : sum / labelled;
            }
            return total / outputs;
        }
        var fd = FiniteDifference.Gradient(Loss, TestData.ToDouble(prediction), 1e-4);
        Close.All(Get(grad), fd, 1e-7, "dL/dp");
    }
}
