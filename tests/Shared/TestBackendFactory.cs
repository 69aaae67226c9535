using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Kernels.Ops;

namespace CrossPropertyILGPU.Tests.Shared;

/// <summary>
/// The backends the test projects run their fixtures on, by name: one factory, so every project's
/// "ilgpu-cpu-interleaved" or "cuda-cublas" is the same backend.
/// </summary>
internal static class TestBackendFactory
{
    /// <summary>The scalar double-accumulating reference backend.</summary>
    public const string Reference = "reference";

    /// <summary>The managed SIMD backend, using every core.</summary>
    public const string Cpu = "cpu";

    /// <summary>ILGPU's kernels on its CPU accelerator.</summary>
    public const string IlgpuCpu = "ilgpu-cpu";

    /// <summary>ILGPU's CPU accelerator with GPU-style launches (interleaved grid-stride, groups of 2, the tiny tile).</summary>
    public const string IlgpuCpuInterleaved = "ilgpu-cpu-interleaved";

    /// <summary>A CUDA device; null without one.</summary>
    public const string Cuda = "cuda";

    /// <summary>A CUDA device with cuBLAS behind the dense products; null without one.</summary>
    public const string CudaCuBlas = "cuda-cublas";

    /// <summary>A new backend named <paramref name="name"/>; null for a GPU kind this machine lacks.</summary>
    public static IComputeBackend? Create(string name)
    {
        switch (name)
        {
            case Reference:
                return new ReferenceBackend();
            case Cpu:
                return new ManagedCpuBackend();
            case IlgpuCpu:
                return BackendFactory.CreateIlgpuCpu();
            case IlgpuCpuInterleaved:
                // GPU-style launches (interleaved grid-stride, groups of 2) and the two-thread tile on the CPU accelerator.
                return BackendFactory.CreateIlgpuCpu(new IlgpuLaunchOptions(MaxThreads: 7, GroupSize: 2, Blocked: false) { GemmTiles = [GemmTileSize.Tiny] });
            case Cuda:
            case CudaCuBlas:
                try
                {
                    return BackendFactory.Create(DeviceKind.Cuda, gemm: name == CudaCuBlas ? GemmEngine.CuBlas : GemmEngine.Custom);
                }
                catch (DeviceUnavailableException)
                {
                    return null;
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown test backend.");
        }
    }
}
