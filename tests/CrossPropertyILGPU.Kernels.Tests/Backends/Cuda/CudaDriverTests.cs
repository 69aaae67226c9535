using CrossPropertyILGPU.Kernels.Backends.Cuda;

namespace CrossPropertyILGPU.Kernels.Tests.Backends.Cuda;

/// <summary>
/// The driver entry points load lazily: without libcuda nothing crashes, the calls throw an
/// ordinary exception carrying the reason, and error codes turn into their CUresult names.
/// </summary>
public sealed class CudaDriverTests
{
    [Test]
    public void Availability_AndItsReason_AgreeWithTheMachine()
    {
        Assert.That(CudaDriver.UnavailableReason, CudaDriver.IsAvailable ? Is.Empty : Does.Contain("CUDA driver"));
    }

    [Test]
    public void Calls_WithoutTheDriver_ThrowInvalidOperationNamingTheReason()
    {
        if (CudaDriver.IsAvailable)
        {
            Assert.Ignore("A CUDA driver is present; this test checks the machine without one.");
        }
        Assert.That(() => CudaDriver.BeginCapture(IntPtr.Zero), Throws.InvalidOperationException.With.Message.Contains(CudaDriver.UnavailableReason));
        Assert.That(CudaDriver.ErrorName(900), Is.EqualTo("CUresult 900"));
        // Disposing graph handles is harmless without a driver.
        Assert.That(() => CudaDriver.DestroyExec(new IntPtr(1)), Throws.Nothing);
    }

    [Test]
    public void Check_TurnsAFailureIntoAnExceptionNamingCallAndResult()
    {
        Assert.That(() => CudaDriver.Check(0, "cuGraphLaunch"), Throws.Nothing);
        var error = Assert.Throws<CudaDriverException>(() => CudaDriver.Check(901, "cuStreamEndCapture"))!;
        Assert.That(error.Call, Is.EqualTo("cuStreamEndCapture"));
        Assert.That(error.Result, Is.EqualTo(901));
        // 901 is CUDA_ERROR_STREAM_CAPTURE_INVALIDATED where the driver can name it.
        Assert.That(error.Message, Does.StartWith("cuStreamEndCapture failed: ").And.Contain("901"));
        Assert.That(error.ResultName, CudaDriver.IsAvailable ? Is.EqualTo("CUDA_ERROR_STREAM_CAPTURE_INVALIDATED") : Is.EqualTo("CUresult 901"));
    }

    [Test]
    [Category("Gpu")]
    public void Driver_OnAGpuMachine_IsAvailable()
    {
        if (!File.Exists("/dev/nvidiactl") && !OperatingSystem.IsWindows())
        {
            Assert.Ignore("No NVIDIA device node on this machine.");
        }
        Assert.That(CudaDriver.IsAvailable, Is.True, CudaDriver.UnavailableReason);
    }
}
