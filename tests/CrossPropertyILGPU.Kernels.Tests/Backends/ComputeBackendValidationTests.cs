using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Tests.Support;

namespace CrossPropertyILGPU.Kernels.Tests.Backends;

/// <summary>
/// Bad calls are rejected on the host with an <see cref="ArgumentException"/> naming the argument,
/// before any launch. On ILGPU's CPU accelerator an out-of-bounds kernel access aborts the test
/// host, so each of these tests passing on <c>ilgpu-cpu</c> also proves no kernel ran.
/// </summary>
[TestFixture("reference")]
[TestFixture(TestBackends.Cpu)]
[TestFixture(TestBackends.IlgpuCpu)]
public sealed class ComputeBackendValidationTests(string backendName)
    : BackendFixture(backendName == "reference" ? TestBackends.IlgpuCpu : backendName)
{
    private IComputeBackend Target => backendName == "reference" ? Reference : Backend;

    [Test]
    public void DenseForward_InputShorterThanShape_ThrowsNamingX()
    {
        var ex = Assert.Throws<ArgumentException>(() => Target.DenseForward(
            Zeros(Target, 3 * 5 - 1), Zeros(Target, 5 * 7), Zeros(Target, 7), Zeros(Target, 3 * 7), 3, 5, 7, relu: true));
        Assert.That(ex!.ParamName, Is.EqualTo("x"));
        Assert.That(ex.Message, Does.Contain("14 floats").And.Contain("3×5"));
    }

    [Test]
    public void DenseForward_WeightOfWrongShape_ThrowsNamingW()
    {
        var ex = Assert.Throws<ArgumentException>(() => Target.DenseForward(
            Zeros(Target, 3 * 5), Zeros(Target, 5 * 8), Zeros(Target, 7), Zeros(Target, 3 * 7), 3, 5, 7, relu: false));
        Assert.That(ex!.ParamName, Is.EqualTo("w"));
    }

    [Test]
    public void DenseForward_OutputOverlapsInput_Throws()
    {
        var flat = Zeros(Target, 100);
        var ex = Assert.Throws<ArgumentException>(() => Target.DenseForward(
            flat.Slice(0, 6), Zeros(Target, 9), Zeros(Target, 3), flat.Slice(4, 6), 2, 3, 3, relu: false));
        Assert.That(ex!.ParamName, Is.EqualTo("y"));
        Assert.That(ex.Message, Does.Contain("overlaps x"));
    }

    [TestCase(0, 5, 7)]
    [TestCase(3, 0, 7)]
    [TestCase(3, 5, -1)]
    public void DenseForward_NonPositiveDimension_ThrowsOutOfRange(int m, int k, int n)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Target.DenseForward(
            Zeros(Target, 1), Zeros(Target, 1), Zeros(Target, 1), Zeros(Target, 1), m, k, n, relu: false));
    }

    [Test]
    public void DenseBackward_GradientShapesChecked()
    {
        Assert.Throws<ArgumentException>(() => Target.DenseBackwardInput(
            Zeros(Target, 3 * 7), Zeros(Target, 5 * 7), Zeros(Target, 3 * 4), 3, 5, 7, accumulate: false));
        Assert.Throws<ArgumentException>(() => Target.DenseBackwardWeight(
            Zeros(Target, 3 * 5), Zeros(Target, 3 * 7), Zeros(Target, 5 * 6), 3, 5, 7, accumulate: false));
        Assert.Throws<ArgumentException>(() => Target.DenseBackwardBias(
            Zeros(Target, 3 * 7), Zeros(Target, 6), 3, 7, accumulate: false));
    }

    [Test]
    public void DenseBackwardInputMasked_MaskOfWrongShapeOrAliasingDx_ThrowsNamingIt()
    {
        var ex = Assert.Throws<ArgumentException>(() => Target.DenseBackwardInputMasked(
            Zeros(Target, 3 * 7), Zeros(Target, 5 * 7), Zeros(Target, 3 * 4), Zeros(Target, 3 * 5), 3, 5, 7, accumulate: false));
        Assert.That(ex!.ParamName, Is.EqualTo("mask"));
        var dx = Zeros(Target, 3 * 5);
        ex = Assert.Throws<ArgumentException>(() => Target.DenseBackwardInputMasked(
            Zeros(Target, 3 * 7), Zeros(Target, 5 * 7), dx, dx, 3, 5, 7, accumulate: false));
        Assert.That(ex!.ParamName, Is.EqualTo("dx"));
        Assert.That(ex.Message, Does.Contain("overlaps mask"));
    }

    [Test]
    public void DenseBackwardParameters_BiasOfWrongLengthOrOverlappingDw_ThrowsNamingIt()
    {
        var ex = Assert.Throws<ArgumentException>(() => Target.DenseBackwardParameters(
            Zeros(Target, 3 * 5), Zeros(Target, 3 * 7), Zeros(Target, 5 * 7), Zeros(Target, 6), 3, 5, 7, false, false));
        Assert.That(ex!.ParamName, Is.EqualTo("db"));
        var flat = Zeros(Target, 5 * 7 + 7);
        ex = Assert.Throws<ArgumentException>(() => Target.DenseBackwardParameters(
            Zeros(Target, 3 * 5), Zeros(Target, 3 * 7), flat.Slice(0, 5 * 7), flat.Slice(5 * 7 - 1, 7), 3, 5, 7, false, false));
        Assert.That(ex!.ParamName, Is.EqualTo("dw"));
        Assert.That(ex.Message, Does.Contain("overlaps db"));
    }

    [Test]
    public void AnyOp_BufferOfAnotherBackend_ThrowsNamingIt()
    {
        var other = Target is ReferenceBackend ? Backend : Reference;
        var ex = Assert.Throws<ArgumentException>(() => Target.Copy(Zeros(other, 4), Zeros(Target, 4)));
        Assert.That(ex!.ParamName, Is.EqualTo("source"));
        Assert.That(ex.Message, Does.Contain("belongs to backend"));
    }

    [Test]
    public void Elementwise_LengthMismatchOrPartialOverlap_Throws_ExactAliasAllowed()
    {
        Assert.Throws<ArgumentException>(() => Target.ReluBackward(Zeros(Target, 4), Zeros(Target, 4), Zeros(Target, 5), accumulate: false));
        var flat = Zeros(Target, 10);
        Assert.Throws<ArgumentException>(() => Target.ReluBackward(flat.Slice(0, 5), flat.Slice(2, 5), flat.Slice(2, 5), accumulate: false));
        Assert.DoesNotThrow(() => Target.ReluBackward(flat.Slice(0, 5), flat.Slice(5, 5), flat.Slice(5, 5), accumulate: false));
        Assert.Throws<ArgumentException>(() => Target.ReluBackward(Zeros(Target, 4), Zeros(Target, 3), Zeros(Target, 4), accumulate: false));
    }

    [TestCase(0f)]
    [TestCase(-0.5f)]
    [TestCase(1.5f)]
    [TestCase(float.NaN)]
    public void Dropout_KeepProbabilityOutsideUnitInterval_ThrowsOutOfRange(float keep)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Target.DropoutForward(Zeros(Target, 4), Zeros(Target, 4), keep, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Target.DropoutBackward(Zeros(Target, 4), Zeros(Target, 4), keep, 1, 1, accumulate: false));
    }

    [Test]
    public void Loss_MismatchedOrEmptyViews_Throw()
    {
        Assert.Throws<ArgumentException>(() => Target.Loss(LossKind.Mae, Zeros(Target, 4), Zeros(Target, 3), Zeros(Target, 4), Zeros(Target, 1)));
        Assert.Throws<ArgumentException>(() => Target.Loss(LossKind.Mae, Zeros(Target, 4), Zeros(Target, 4), Zeros(Target, 4), Zeros(Target, 2)));
        var empty = Zeros(Target, 1).Slice(0, 0);
        Assert.Throws<ArgumentException>(() => Target.Loss(LossKind.Mse, empty, empty, empty, Zeros(Target, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Target.Loss((LossKind)7, Zeros(Target, 4), Zeros(Target, 4), Zeros(Target, 4), Zeros(Target, 1)));
        // Several outputs: whole rows, one accumulator per output.
        Assert.Throws<ArgumentOutOfRangeException>(() => Target.Loss(LossKind.Mae, Zeros(Target, 4), Zeros(Target, 4), Zeros(Target, 4), Zeros(Target, 1), outputs: 0));
        Assert.Throws<ArgumentException>(() => Target.Loss(LossKind.Mae, Zeros(Target, 6), Zeros(Target, 6), Zeros(Target, 6), Zeros(Target, 4), outputs: 4));
        Assert.Throws<ArgumentException>(() => Target.Loss(LossKind.Mae, Zeros(Target, 6), Zeros(Target, 6), Zeros(Target, 6), Zeros(Target, 1), outputs: 3));
    }

    [Test]
    public void Adam_RangeOutsideParametersOrAliasedState_Throws()
    {
        var (p, g, m, v) = (Zeros(Target, 10), Zeros(Target, 10), Zeros(Target, 10), Zeros(Target, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Target.Adam(p, g, m, v, 5, 6, new AdamStep(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Target.Adam(p, g, m, v, -1, 2, new AdamStep(1)));
        Assert.Throws<ArgumentException>(() => Target.Adam(p, g, m, m, 0, 10, new AdamStep(1)));
        Assert.Throws<ArgumentException>(() => Target.Adam(p, g, m, Zeros(Target, 9), 0, 9, new AdamStep(1)));
        Assert.Throws<ArgumentException>(() => Target.Adam(p, g, m, v, 0, 10, default));
    }

    [Test]
    public void Transfers_LengthMismatch_Throw()
    {
        var view = Zeros(Target, 4);
        Assert.Throws<ArgumentException>(() => Target.Upload(view, new float[5]));
        Assert.Throws<ArgumentException>(() => Target.Download(view, new float[3]));
        Assert.Throws<ArgumentException>(() => Target.Copy(view, Zeros(Target, 5)));
    }

    [Test]
    public void Views_OutsideTheirBuffer_CannotBeMade()
    {
        var buffer = Target.Allocate(8);
        try
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Slice(4, 5));
            Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Slice(-1, 2));
            Assert.Throws<ArgumentOutOfRangeException>(() => buffer.View.Slice(2, 4).Slice(1, 4));
            Assert.That(buffer.View.Slice(2, 4).Slice(1, 3).Offset, Is.EqualTo(3));
        }
        finally
        {
            buffer.Dispose();
        }
    }

    [Test]
    public void DisposedBuffer_IsRejected()
    {
        var buffer = Target.Allocate(4);
        var view = buffer.View;
        buffer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Target.Fill(view, 1f));
    }
}
