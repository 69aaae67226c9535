using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using ILGPU.Runtime;

namespace CrossPropertyILGPU.Kernels.Tests.Devices;

public sealed class BackendFactoryTests
{
    [Test]
    public void Discover_AlwaysListsBothCpuBackends_GpusFirst()
    {
        var devices = BackendFactory.Discover();
        Assert.That(devices.Select(d => d.Kind), Does.Contain(DeviceKind.Cpu).And.Contain(DeviceKind.IlgpuCpu));
        var firstCpu = devices.ToList().FindIndex(d => !d.IsGpu);
        Assert.That(devices.Skip(firstCpu).Any(d => d.IsGpu), Is.False, "GPUs are listed before CPU backends");
    }

    [Test]
    public void ResolveAuto_PicksCudaThenOpenClThenCpu()
    {
        var devices = BackendFactory.Discover();
        var expected = devices.Any(d => d.Kind == DeviceKind.Cuda) ? DeviceKind.Cuda
            : devices.Any(d => d.Kind == DeviceKind.OpenCL) ? DeviceKind.OpenCL
            : DeviceKind.Cpu;
        Assert.That(BackendFactory.ResolveAuto(), Is.EqualTo(expected));
    }

    [Test]
    public void Create_Cpu_IsTheManagedBackend()
    {
        using var backend = BackendFactory.Create(DeviceKind.Cpu);
        Assert.That(backend, Is.InstanceOf<ManagedCpuBackend>());
        Assert.That(backend.Device.Kind, Is.EqualTo(DeviceKind.Cpu));
    }

    [Test]
    public void Create_IlgpuCpu_RunsOnIlgpusCpuAccelerator()
    {
        using var backend = BackendFactory.Create(DeviceKind.IlgpuCpu);
        var ilgpu = (IlgpuBackend)backend;
        Assert.That(ilgpu.Accelerator.AcceleratorType, Is.EqualTo(AcceleratorType.CPU));
        Assert.That(ilgpu.LaunchOptions.Blocked, Is.True);
        Assert.That(backend.Device.Kind, Is.EqualTo(DeviceKind.IlgpuCpu));
    }

    [Test]
    public void Create_CudaWithoutDevice_ThrowsWithAdvice()
    {
        if (BackendFactory.Discover().Any(d => d.Kind == DeviceKind.Cuda))
        {
            Assert.Ignore("This machine has a CUDA device.");
        }
        var ex = Assert.Throws<DeviceUnavailableException>(() => BackendFactory.Create(DeviceKind.Cuda));
        Assert.That(ex!.Kind, Is.EqualTo(DeviceKind.Cuda));
        Assert.That(ex.Message, Does.Contain("libcuda.so.1").And.Contain("--device cpu"));
    }

    [Test]
    [Category("Gpu")]
    public void Create_Cuda_GivesACudaAccelerator()
    {
        if (!BackendFactory.Discover().Any(d => d.Kind == DeviceKind.Cuda))
        {
            Assert.Ignore("No CUDA device on this machine.");
        }
        using var backend = (IlgpuBackend)BackendFactory.Create(DeviceKind.Cuda);
        Assert.That(backend.Accelerator.AcceleratorType, Is.EqualTo(AcceleratorType.Cuda));
        Assert.That(backend.LaunchOptions.Blocked, Is.False);
        Assert.That(backend.Device.IsGpu, Is.True);
    }

    [TestCase(DeviceKind.Cpu)]
    [TestCase(DeviceKind.IlgpuCpu)]
    public void Create_CuBlasWithoutCuda_ThrowsWithAdvice(DeviceKind kind)
    {
        var ex = Assert.Throws<DeviceUnavailableException>(() => BackendFactory.Create(kind, gemm: GemmEngine.CuBlas));
        Assert.That(ex!.Kind, Is.EqualTo(DeviceKind.Cuda));
        Assert.That(ex.Message, Does.Contain("--gemm cublas needs a CUDA device").And.Contain("--gemm custom"));
    }

    [Test]
    [Category("Gpu")]
    public void Create_CudaWithCuBlas_RunsTheDenseOpsOnCuBlas()
    {
        if (!BackendFactory.Discover().Any(d => d.Kind == DeviceKind.Cuda))
        {
            Assert.Ignore("No CUDA device on this machine.");
        }
        using var backend = (IlgpuBackend)BackendFactory.Create(DeviceKind.Cuda, gemm: GemmEngine.CuBlas);
        Assert.That(backend.LaunchOptions.Gemm, Is.EqualTo(GemmEngine.CuBlas));
    }

    [Test]
    public void NativeLibraries_ResolverInstallsOnceAndMapsVersionedSonames()
    {
        Assert.DoesNotThrow(NativeLibraries.EnsureResolver);
        Assert.DoesNotThrow(NativeLibraries.EnsureResolver);
        Assert.That(NativeLibraries.Fallbacks("cuda"), Does.Contain("libcuda.so.1"));
        Assert.That(NativeLibraries.Fallbacks("OpenCL"), Does.Contain("libOpenCL.so.1"));
        Assert.That(NativeLibraries.Fallbacks("libcublas.so.12"), Does.Contain("libcublas.so.13"));
        Assert.That(NativeLibraries.Fallbacks("m"), Is.Empty);
    }
    [TestCase(null, StepGraphMode.Cuda)]
    [TestCase("", StepGraphMode.Cuda)]
    [TestCase("on", StepGraphMode.Cuda)]
    [TestCase("off", StepGraphMode.Off)]
    [TestCase(" OFF ", StepGraphMode.Off)]
    [TestCase("0", StepGraphMode.Off)]
    [TestCase("false", StepGraphMode.Off)]
    public void CudaGraphs_TheEnvironmentSettingTurnsThemOffOnlyWhenAskedTo(string? setting, StepGraphMode expected) =>
        Assert.That(BackendFactory.CudaGraphs(setting), Is.EqualTo(expected));

    [Test]
    [Category("Gpu")]
    public void Create_Cuda_CapturesStepsUnlessCuBlas()
    {
        if (!BackendFactory.Discover().Any(d => d.Kind == DeviceKind.Cuda))
        {
            Assert.Ignore("No CUDA device on this machine.");
        }
        using var custom = (IlgpuBackend)BackendFactory.Create(DeviceKind.Cuda);
        Assert.That(custom.CanCaptureSteps, Is.EqualTo(BackendFactory.CudaGraphs(Environment.GetEnvironmentVariable(BackendFactory.CudaGraphVariable)) == StepGraphMode.Cuda),
            custom.StepGraphsUnavailableReason);
        using var cuBlas = (IlgpuBackend)BackendFactory.Create(DeviceKind.Cuda, gemm: GemmEngine.CuBlas);
        Assert.That(cuBlas.CanCaptureSteps, Is.False);
        Assert.That(cuBlas.StepGraphsUnavailableReason, Does.Contain("cuBLAS"));
    }
}
