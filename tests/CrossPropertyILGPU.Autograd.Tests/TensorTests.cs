using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Autograd.Tests;

public sealed class TensorTests
{
    [Test]
    public void SetRows_ShrinksTheViewsWithoutReallocating()
    {
        using var backend = new ReferenceBackend();
        using var values = backend.Allocate(12);
        using var gradients = backend.Allocate(12);
        var tensor = new Tensor("t", values.View, gradients.View, maxRows: 4, columns: 3);
        tensor.SetRows(2);
        Assert.That((tensor.Value.Offset, tensor.Value.Length, tensor.Gradient.Length), Is.EqualTo((0, 6, 6)));
        Assert.Throws<ArgumentOutOfRangeException>(() => tensor.SetRows(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => tensor.SetRows(0));
    }

    [Test]
    public void Constructor_StorageTooSmall_Throws()
    {
        using var backend = new ReferenceBackend();
        using var values = backend.Allocate(11);
        Assert.Throws<ArgumentException>(() => _ = new Tensor("t", values.View, null, maxRows: 4, columns: 3));
    }

    [Test]
    public void Attach_OnlyForGradientFreeTensorsWithMatchingLength()
    {
        using var backend = new ReferenceBackend();
        using var storage = backend.Allocate(12);
        using var data = backend.Allocate(100);
        var input = new Tensor("input", storage.View, null, 4, 3);
        input.Attach(data.Slice(30, 9), 3);
        Assert.That((input.Value.Offset, input.Rows), Is.EqualTo((30, 3)));
        Assert.Throws<ArgumentException>(() => input.Attach(data.Slice(0, 8), 3));
        var withGradient = new Tensor("h", storage.View, storage.View, 4, 3);
        Assert.Throws<InvalidOperationException>(() => withGradient.Attach(data.Slice(0, 9), 3));
        Assert.Throws<InvalidOperationException>(() => _ = input.Gradient);
    }
}
