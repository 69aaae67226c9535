using CrossPropertyILGPU.Kernels.Tests.Support;

namespace CrossPropertyILGPU.Kernels.Tests.Ops;

/// <summary>Fill and copy on views in the middle of a buffer: neighbours must stay untouched.</summary>
[TestFixture(TestBackends.Cpu)]
[TestFixture(TestBackends.IlgpuCpu)]
[TestFixture(TestBackends.IlgpuCpuInterleaved)]
[TestFixture(TestBackends.Cuda, Category = "Gpu")]
public sealed class FillCopyKernelsTests(string backendName) : BackendFixture(backendName)
{
    private const int Length = 101;
    private const int Offset = 13;
    private const int Count = 71;

    [Test]
    public void Fill_Slice_SetsOnlyTheSlice()
    {
        var initial = TestData.Uniform(Length, 80);
        var buffer = Put(Backend, initial);
        Backend.Fill(buffer.Slice(Offset, Count), 2.5f);
        var expected = initial.Select((v, i) => i is >= Offset and < Offset + Count ? 2.5f : v).ToArray();
        Assert.That(Get(buffer), Is.EqualTo(expected).AsCollection);
    }

    [Test]
    public void Copy_BetweenSlicesOfOneBuffer_CopiesOnlyTheDestination()
    {
        var initial = TestData.Uniform(Length, 81);
        var buffer = Put(Backend, initial);
        Backend.Copy(buffer.Slice(0, 10), buffer.Slice(50, 10));
        var expected = (float[])initial.Clone();
        Array.Copy(initial, 0, expected, 50, 10);
        Assert.That(Get(buffer), Is.EqualTo(expected).AsCollection);
    }

    [Test]
    public void Allocate_NewBuffer_IsZeroed()
    {
        Assert.That(Get(Zeros(Backend, 1000)), Is.All.EqualTo(0f));
    }
}
