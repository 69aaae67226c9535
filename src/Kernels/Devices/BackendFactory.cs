using System.Runtime.InteropServices;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Ops;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace CrossPropertyILGPU.Kernels.Devices;

/// <summary>
/// Finds devices and creates backends for a <see cref="DeviceKind"/>. Selection order for
/// <see cref="DeviceKind.Auto"/>: CUDA, then OpenCL (only devices ILGPU's default filter accepts —
/// never <c>OpenCL(d =&gt; true)</c>, which admits devices whose kernels then fail to build,
/// docs/ILGPU.md §2), then the managed CPU backend. ILGPU quietly adds a CPU device to any context
/// that found nothing, so every device here is classified by its <c>AcceleratorType</c>, never
/// assumed to be a GPU.
/// </summary>
public static class BackendFactory
{
    /// <summary>The environment variable that turns CUDA graphs off: <c>CPILGPU_CUDA_GRAPH=off</c>.</summary>
    public const string CudaGraphVariable = "CPILGPU_CUDA_GRAPH";

    /// <summary>
    /// Whether CUDA backends capture training steps as graphs (<see cref="StepGraphMode.Cuda"/>, the
    /// default) or launch every op eagerly (<see cref="StepGraphMode.Off"/>): <c>off</c>, <c>0</c> or
    /// <c>false</c> in <see cref="CudaGraphVariable"/> turns them off for the process.
    /// </summary>
    public static StepGraphMode CudaGraphs(string? setting) =>
        setting?.Trim() is { } text && (text == "0" || text.Equals("off", StringComparison.OrdinalIgnoreCase) || text.Equals("false", StringComparison.OrdinalIgnoreCase))
            ? StepGraphMode.Off
            : StepGraphMode.Cuda;

    /// <summary>Every device that can run a backend, in <see cref="DeviceKind.Auto"/>'s order of preference (GPUs first).</summary>
    public static IReadOnlyList<DeviceInfo> Discover()
    {
        var found = new List<DeviceInfo>();
        found.AddRange(DiscoverGpus(DeviceKind.Cuda));
        found.AddRange(DiscoverGpus(DeviceKind.OpenCL));
        found.Add(ManagedCpuInfo());
        found.Add(IlgpuCpuInfo());
        return found;
    }

    /// <summary>The kind <see cref="DeviceKind.Auto"/> resolves to on this machine.</summary>
    public static DeviceKind ResolveAuto() => ResolveAuto([.. DiscoverGpus(DeviceKind.Cuda), .. DiscoverGpus(DeviceKind.OpenCL)]);

    /// <summary>The kind <see cref="DeviceKind.Auto"/> picks among devices already found by <see cref="Discover"/> (no second probe of the drivers).</summary>
    public static DeviceKind ResolveAuto(IReadOnlyList<DeviceInfo> discovered)
    {
        ArgumentNullException.ThrowIfNull(discovered);
        return discovered.Any(d => d.Kind == DeviceKind.Cuda) ? DeviceKind.Cuda
            : discovered.Any(d => d.Kind == DeviceKind.OpenCL) ? DeviceKind.OpenCL
            : DeviceKind.Cpu;
    }

    /// <summary>
    /// Creates the backend for <paramref name="kind"/>; <paramref name="deviceIndex"/> picks among
    /// several GPUs of one kind; <paramref name="gemm"/> picks the dense products' GEMM on the ILGPU
    /// backends (cuBLAS needs CUDA). The caller disposes it.
    /// </summary>
    /// <exception cref="DeviceUnavailableException">A GPU kind was asked for and none is present, or cuBLAS without CUDA.</exception>
    public static IComputeBackend Create(DeviceKind kind, int deviceIndex = 0, GemmEngine gemm = GemmEngine.Custom)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deviceIndex);
        switch (kind)
        {
            case DeviceKind.Auto:
                return Create(ResolveAuto(), deviceIndex, gemm);
            case DeviceKind.Cpu:
                if (gemm == GemmEngine.CuBlas)
                {
                    throw new DeviceUnavailableException(
                        DeviceKind.Cuda,
                        "--gemm cublas needs a CUDA device, but the backend is the managed CPU one (no CUDA device "
                        + "was asked for or found). Use --device cuda on an NVIDIA GPU, or --gemm custom.");
                }
                return new ManagedCpuBackend();
            case DeviceKind.IlgpuCpu:
                return CreateIlgpuCpu(null, gemm);
            case DeviceKind.Cuda:
            case DeviceKind.OpenCL:
                return CreateGpu(kind, deviceIndex, gemm);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown device kind.");
        }
    }

    /// <summary>
    /// ILGPU's CPU accelerator with a lean simulated device: warps of 2, one warp per
    /// multiprocessor, one multiprocessor per core. Launch cost is lowest with the fewest OS
    /// threads (docs/ILGPU.md §7: 80–90 µs per launch against 300–400 µs for the default device).
    /// <paramref name="launchOptions"/> overrides how kernels are launched (tests use it to run
    /// the GPU's interleaved indexing on the CPU).
    /// </summary>
    public static IlgpuBackend CreateIlgpuCpu(IlgpuLaunchOptions? launchOptions = null) => CreateIlgpuCpu(launchOptions, GemmEngine.Custom);

    private static IlgpuBackend CreateIlgpuCpu(IlgpuLaunchOptions? launchOptions, GemmEngine gemm)
    {
        var context = Context.Create(builder => builder
            .CPU(LeanCpuDevice())
            .EnableAlgorithms());
        try
        {
            var accelerator = context.GetCPUDevice(0).CreateAccelerator(context);
            if (gemm != GemmEngine.Custom)
            {
                launchOptions = (launchOptions ?? IlgpuLaunchOptions.For(accelerator)) with { Gemm = gemm };
            }
            return new IlgpuBackend(context, accelerator, ownsAccelerator: true, launchOptions);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    private static CPUDevice LeanCpuDevice() =>
        new(numThreadsPerWarp: 2, numWarpsPerMultiprocessor: 1, numMultiprocessors: Math.Max(1, Environment.ProcessorCount));

    /// <summary>
    /// A CUDA or OpenCL backend whose dense products all run the custom GEMM in one
    /// <paramref name="variant"/> (benchmarks compare the variants this way).
    /// </summary>
    /// <exception cref="DeviceUnavailableException">No device of that kind.</exception>
    public static IlgpuBackend CreateGpu(DeviceKind kind, GemmVariant variant, int deviceIndex = 0)
    {
        if (kind is not (DeviceKind.Cuda or DeviceKind.OpenCL))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "A GPU kind (cuda, opencl) is needed.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(deviceIndex);
        return CreateGpu(kind, deviceIndex, GemmEngine.Custom, variant);
    }

    private static IlgpuBackend CreateGpu(DeviceKind kind, int deviceIndex, GemmEngine gemm, GemmVariant? variant = null)
    {
        var context = CreateGpuContext(kind);
        try
        {
            var devices = GpuDevices(context, kind);
            if (devices.Count == 0)
            {
                throw new DeviceUnavailableException(kind, NoDeviceMessage(kind));
            }
            if (deviceIndex >= devices.Count)
            {
                throw new DeviceUnavailableException(
                    kind, $"{kind.ToName()} device {deviceIndex} was asked for but only {devices.Count} exist(s).");
            }
            var accelerator = devices[deviceIndex].CreateAccelerator(context);
            try
            {
                var options = IlgpuLaunchOptions.For(accelerator) with
                {
                    Gemm = gemm,
                    GemmVariants = variant is { } v ? [v] : null,
                    // A forced variant is a measurement: no tuned choices in the way.
                    GemmTuningDirectory = variant is null ? GemmTuningCache.DefaultDirectory : null,
                    Graphs = CudaGraphs(Environment.GetEnvironmentVariable(CudaGraphVariable)),
                };
                return new IlgpuBackend(context, accelerator, ownsAccelerator: true, options);
            }
            catch
            {
                accelerator.Dispose();
                throw;
            }
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    private static Context CreateGpuContext(DeviceKind kind)
    {
        NativeLibraries.EnsureResolver();
        return kind == DeviceKind.Cuda
            ? Context.Create(builder => builder.Cuda().EnableAlgorithms())
            : Context.Create(builder => builder.OpenCL().EnableAlgorithms());
    }

    private static List<Device> GpuDevices(Context context, DeviceKind kind)
    {
        var type = kind == DeviceKind.Cuda ? AcceleratorType.Cuda : AcceleratorType.OpenCL;
        return context.Devices.Where(d => d.AcceleratorType == type).ToList();
    }

    private static List<DeviceInfo> DiscoverGpus(DeviceKind kind)
    {
        try
        {
            using var context = CreateGpuContext(kind);
            return GpuDevices(context, kind)
                .Select((d, i) => new DeviceInfo(
                    kind, d.Name, i, d.MemorySize, d.WarpSize, d.MaxNumThreadsPerGroup, d.NumMultiprocessors,
                    d.ToString() ?? string.Empty))
                .ToList();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or InvalidOperationException)
        {
            // A broken or missing driver means "no device of this kind", not a crash.
            return [];
        }
    }

    // What Create(DeviceKind.Cpu) gives, described without allocating one.
    private static DeviceInfo ManagedCpuInfo() => ManagedCpuBackend.Describe(Environment.ProcessorCount);

    private static DeviceInfo IlgpuCpuInfo()
    {
        var device = LeanCpuDevice();
        return new DeviceInfo(
            DeviceKind.IlgpuCpu, "ILGPU CPU accelerator (simulated GPU)", 0,
            GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, device.WarpSize, device.MaxNumThreadsPerGroup,
            device.NumMultiprocessors, "runs the ILGPU kernels on the host; for testing, not for training");
    }

    /// <summary>The CPU's model name from /proc/cpuinfo (else its architecture) and its logical core count.</summary>
    internal static string CpuModelName()
    {
        const string cpuInfo = "/proc/cpuinfo";
        try
        {
            if (File.Exists(cpuInfo))
            {
                var line = File.ReadLines(cpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                var colon = line?.IndexOf(':', StringComparison.Ordinal) ?? -1;
                if (line is not null && colon >= 0)
                {
                    return $"{line[(colon + 1)..].Trim()}, {Environment.ProcessorCount} logical cores";
                }
            }
        }
        catch (IOException)
        {
            // Fall through to the architecture name.
        }
        return $"{RuntimeInformation.ProcessArchitecture} CPU, {Environment.ProcessorCount} logical cores";
    }

    private static string NoDeviceMessage(DeviceKind kind) => kind == DeviceKind.Cuda
        ? "No CUDA device found. Is the NVIDIA driver installed and libcuda.so.1 on the loader path? "
          + "Run the 'devices' verb to see what was found; '--device cpu' runs without a GPU."
        : "No OpenCL device that ILGPU supports was found (it needs OpenCL 2.0 with generic address "
          + "space; Debian's PoCL does not qualify). '--device cpu' runs without a GPU.";
}

/// <summary>A GPU backend was asked for explicitly but no usable device of that kind exists.</summary>
public sealed class DeviceUnavailableException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="kind"/>.</summary>
    public DeviceUnavailableException(DeviceKind kind, string message)
        : base(message) => Kind = kind;

    /// <summary>The kind that was asked for.</summary>
    public DeviceKind Kind { get; }
}
