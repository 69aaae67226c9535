using CrossPropertyILGPU.Autograd.Ops;
using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Autograd.Tests;

/// <summary>The tape on the scalar reference backend: reverse order, accumulation on fan-out, no allocation.</summary>
public sealed class TapeTests
{
    private ReferenceBackend _backend = null!;
    private readonly List<DeviceBuffer> _buffers = [];

    [SetUp]
    public void CreateBackend() => _backend = new ReferenceBackend();

    [TearDown]
    public void DisposeBackend()
    {
        foreach (var buffer in _buffers)
        {
            buffer.Dispose();
        }
        _buffers.Clear();
        _backend.Dispose();
    }

    /// <summary>
    /// x [M,3] feeds two dense heads, p = x·a + α and q = x·c + γ, each with its own MSE loss:
    /// L = mean((p−s)²) + mean((q−t)²). The tape must give ∂L/∂x = (2/M)(p−s)·aᵀ + (2/M)(q−t)·cᵀ,
    /// the sum of both branches — checked against central differences of L computed in double.
    /// </summary>
    [Test]
    public void Backward_TensorUsedTwice_AccumulatesBothContributions()
    {
        const int m = 5, k = 3;
        var random = new Random(7);
        float[] Uniform(int n) => Enumerable.Range(0, n).Select(_ => 2f * random.NextSingle() - 1f).ToArray();
        var (xv, av, cv, sv, tv) = (Uniform(m * k), Uniform(k), Uniform(k), Uniform(m), Uniform(m));
        const float alpha = 0.3f, gamma = -0.2f;

        var x = Tensor("x", xv, m, k, withGradient: true);
        var a = Tensor("a", av, k, 1, withGradient: true);
        var c = Tensor("c", cv, k, 1, withGradient: true);
        var biasA = Tensor("alpha", [alpha], 1, 1, withGradient: true);
        var biasC = Tensor("gamma", [gamma], 1, 1, withGradient: true);
        var p = Tensor("p", new float[m], m, 1, withGradient: true);
        var q = Tensor("q", new float[m], m, 1, withGradient: true);
        var lossSum = Buffer(new float[1]);

        var tape = new Tape(_backend);
        var headP = new DenseOp(a, biasA, p, relu: false);
        var headQ = new DenseOp(c, biasC, q, relu: false);
        var loss = new LossOp(LossKind.Mse);
        headP.Forward(_backend, x, tape);
        headQ.Forward(_backend, x, tape);
        loss.Forward(_backend, p, Buffer(sv), lossSum, tape);
        loss.Forward(_backend, q, Buffer(tv), lossSum, tape);
        tape.Backward();

        var gradient = Download(x.Gradient);
        double Objective(double[] xd)
        {
            var total = 0.0;
            for (var row = 0; row < m; row++)
            {
                double pr = alpha, qr = gamma;
                for (var j = 0; j < k; j++)
                {
                    pr += xd[row * k + j] * av[j];
                    qr += xd[row * k + j] * cv[j];
                }
                total += ((pr - sv[row]) * (pr - sv[row]) + (qr - tv[row]) * (qr - tv[row])) / m;
            }
            return total;
        }
        var point = xv.Select(v => (double)v).ToArray();
        for (var i = 0; i < point.Length; i++)
        {
            const double h = 1e-4;
            var plus = (double[])point.Clone();
            var minus = (double[])point.Clone();
            plus[i] += h;
            minus[i] -= h;
            var fd = (Objective(plus) - Objective(minus)) / (2 * h);
            // L is quadratic: central differences are exact up to rounding (~1e-12); the float backward ~1e-6.
            Assert.That(gradient[i], Is.EqualTo(fd).Within(1e-5), $"dL/dx[{i}]");
        }
    }

    [Test]
    public void Backward_OutputWhoseGradientWasNeverWritten_ContributesNothing()
    {
        var x = Tensor("x", [1f, 2f], 1, 2, withGradient: true);
        var w = Tensor("w", [1f, 1f], 2, 1, withGradient: true);
        var b = Tensor("b", [0f], 1, 1, withGradient: true);
        var unused = Tensor("unused", new float[1], 1, 1, withGradient: true);
        var tape = new Tape(_backend);
        new DenseOp(w, b, unused, relu: false).Forward(_backend, x, tape);
        tape.Backward();
        Assert.That(x.GradientWritten || w.GradientWritten || b.GradientWritten, Is.False);
    }

    [Test]
    public void Reset_ClearsRecordAndGradientFlags()
    {
        var x = Tensor("x", [1f, 2f], 1, 2, withGradient: true);
        var tape = new Tape(_backend);
        Assert.That(tape.BeginGradientWrite(x), Is.False, "first write overwrites");
        Assert.That(tape.BeginGradientWrite(x), Is.True, "second write accumulates");
        tape.Reset();
        Assert.That(x.GradientWritten, Is.False);
        Assert.That(tape.BeginGradientWrite(x), Is.False);
        Assert.That(tape.Count, Is.Zero);
    }

    [Test]
    public void BeginGradientWrite_GradientCountsAsMaskedOnlyWhileEveryContributionIs()
    {
        var y = Tensor("y", [1f, 2f], 1, 2, withGradient: true);
        var tape = new Tape(_backend);
        tape.BeginGradientWrite(y, masked: true);
        Assert.That(y.GradientMasked, Is.True);
        tape.BeginGradientWrite(y, masked: true);
        Assert.That(y.GradientMasked, Is.True, "two masked contributions");
        tape.BeginGradientWrite(y, masked: false);
        Assert.That(y.GradientMasked, Is.False, "an unmasked contribution: the producer must mask");
        tape.BeginGradientWrite(y, masked: true);
        Assert.That(y.GradientMasked, Is.False, "stays unmasked for the rest of the step");
        tape.Reset();
        Assert.That(y.GradientMasked, Is.False);
    }

    /// <summary>
    /// A ReLU layer's output feeding a second dense layer: the consumer writes the gradient already
    /// masked (fused into its input-gradient op), so the producer skips its own mask — and the
    /// gradient reaching the first layer's weights equals the one the unfused chain gives.
    /// </summary>
    [Test]
    public void Backward_DenseReluIntoDense_ConsumerMasksAndMatchesTheUnfusedChain()
    {
        const int m = 4, k = 3, h = 5;
        var random = new Random(11);
        float[] Uniform(int n) => Enumerable.Range(0, n).Select(_ => 2f * random.NextSingle() - 1f).ToArray();
        var (xv, w1v, w2v, target) = (Uniform(m * k), Uniform(k * h), Uniform(h), Uniform(m));

        float[] FirstLayerWeightGradient(bool fused, out bool producerMaskSkipped)
        {
            var x = Tensor("x", xv, m, k, withGradient: false);
            var w1 = Tensor("w1", w1v, k, h, withGradient: true);
            var b1 = Tensor("b1", new float[h], 1, h, withGradient: true);
            var hidden = Tensor("hidden", new float[m * h], m, h, withGradient: true);
            var w2 = Tensor("w2", w2v, h, 1, withGradient: true);
            var b2 = Tensor("b2", [0.1f], 1, 1, withGradient: true);
            var p = Tensor("p", new float[m], m, 1, withGradient: true);
            var tape = new Tape(_backend);
            var first = new DenseOp(w1, b1, hidden, relu: true);
            first.Forward(_backend, x, tape);
            if (!fused)
            {
                hidden.IsReluOutput = false; // the consumer writes unmasked: the producer masks
            }
            new DenseOp(w2, b2, p, relu: false).Forward(_backend, hidden, tape);
            new LossOp(LossKind.Mse).Forward(_backend, p, Buffer(target), Buffer([0f]), tape);
            tape.Backward();
            producerMaskSkipped = hidden.GradientMasked;
            return Download(w1.Gradient);
        }

        var fusedGradient = FirstLayerWeightGradient(fused: true, out var skipped);
        var chainGradient = FirstLayerWeightGradient(fused: false, out var notSkipped);
        Assert.That(skipped, Is.True, "the consumer masked the gradient");
        Assert.That(notSkipped, Is.False);
        Assert.That(fusedGradient.Count(g => g != 0f), Is.GreaterThan(0));
        Assert.That(fusedGradient, Is.EqualTo(chainGradient).AsCollection);
    }

    [Test]
    public void DenseOp_ParameterWithoutGradient_Throws()
    {
        var w = Tensor("w", [1f, 1f], 2, 1, withGradient: true);
        var b = Tensor("b", [0f], 1, 1, withGradient: true);
        var y = Tensor("y", new float[1], 1, 1, withGradient: true);
        Assert.Throws<ArgumentException>(() => _ = new DenseOp(Tensor("w", [1f, 1f], 2, 1, withGradient: false), b, y, relu: false));
        Assert.Throws<ArgumentException>(() => _ = new DenseOp(w, Tensor("b", [0f], 1, 1, withGradient: false), y, relu: false));
    }

    [Test]
    public void Loss_AfterAnotherGradientWrite_Throws()
    {
        var p = Tensor("p", [1f], 1, 1, withGradient: true);
        var tape = new Tape(_backend);
        tape.BeginGradientWrite(p);
        Assert.Throws<InvalidOperationException>(() => new LossOp(LossKind.Mae).Forward(_backend, p, Buffer([0f]), Buffer([0f]), tape));
    }

    [Test]
    public void TrainingStep_AfterWarmUp_AllocatesNothing()
    {
        var x = Tensor("x", [.. Enumerable.Range(0, 32 * 8).Select(i => i % 7 / 7f)], 32, 8, withGradient: false);
        var w = Tensor("w", [.. Enumerable.Range(0, 8 * 4).Select(i => i % 5 / 5f - 0.4f)], 8, 4, withGradient: true);
        var b = Tensor("b", new float[4], 1, 4, withGradient: true);
        var h = Tensor("h", new float[32 * 4], 32, 4, withGradient: true);
        var w2 = Tensor("w2", [0.1f, -0.2f, 0.3f, 0.4f], 4, 1, withGradient: true);
        var b2 = Tensor("b2", new float[1], 1, 1, withGradient: true);
        var y = Tensor("y", new float[32], 32, 1, withGradient: true);
        var target = Buffer(new float[32]);
        var lossSum = Buffer(new float[1]);
        var tape = new Tape(_backend);
        var (first, second, loss) = (new DenseOp(w, b, h, relu: true), new DenseOp(w2, b2, y, relu: false), new LossOp(LossKind.Mae));
        void Step()
        {
            second.Forward(_backend, first.Forward(_backend, x, tape), tape);
            loss.Forward(_backend, y, target, lossSum, tape);
            tape.Backward();
            tape.Reset();
        }
        Step();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            Step();
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    private Tensor Tensor(string name, float[] values, int rows, int columns, bool withGradient) =>
        new(name, Buffer(values), withGradient ? Buffer(new float[values.Length]) : null, rows, columns);

    private BufferView Buffer(float[] values)
    {
        var buffer = _backend.Allocate(values.Length);
        _buffers.Add(buffer);
        _backend.Upload(buffer.View, values);
        return buffer.View;
    }

    private float[] Download(BufferView view)
    {
        var host = new float[view.Length];
        _backend.Download(view, host);
        return host;
    }
}
