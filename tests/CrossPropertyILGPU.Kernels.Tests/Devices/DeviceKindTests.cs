using CrossPropertyILGPU.Kernels.Devices;

namespace CrossPropertyILGPU.Kernels.Tests.Devices;

public sealed class DeviceKindTests
{
    [TestCase("auto", DeviceKind.Auto)]
    [TestCase("CPU", DeviceKind.Cpu)]
    [TestCase(" ilgpu-cpu ", DeviceKind.IlgpuCpu)]
    [TestCase("cuda", DeviceKind.Cuda)]
    [TestCase("OpenCL", DeviceKind.OpenCL)]
    public void Parse_AcceptedSpelling_GivesKind(string text, DeviceKind expected)
    {
        Assert.That(DeviceKinds.Parse(text), Is.EqualTo(expected));
    }

    [Test]
    public void Parse_UnknownName_ListsTheValidOnes()
    {
        var ex = Assert.Throws<ArgumentException>(() => DeviceKinds.Parse("gpu"));
        Assert.That(ex!.Message, Does.Contain("'gpu'").And.Contain("auto, cpu, ilgpu-cpu, cuda, opencl"));
    }

    [Test]
    public void ToName_RoundTripsEveryKind()
    {
        foreach (var kind in Enum.GetValues<DeviceKind>())
        {
            Assert.That(DeviceKinds.Parse(kind.ToName()), Is.EqualTo(kind));
        }
        Assert.That(DeviceKinds.Names, Has.Count.EqualTo(Enum.GetValues<DeviceKind>().Length));
    }
}
