using System.Collections.Concurrent;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Kernels.Ops;
using CrossPropertyILGPU.Tests.Shared;

namespace CrossPropertyILGPU.Kernels.Tests.Support;

/// <summary>
/// The backends under test, created once per test run and shared (an ILGPU context plus 13 kernel
/// compilations cost about a second). Names used in <c>[TestFixture(...)]</c>:
/// <list type="bullet">
/// <item><c>cpu</c>: the managed SIMD backend, using every core.</item>
/// <item><c>ilgpu-cpu</c>: ILGPU's CPU accelerator as the product launches it (blocked chunks).</item>
/// <item><c>ilgpu-cpu-interleaved</c>: the same kernels launched the way a GPU launches them
/// (interleaved grid-stride, groups of 2, an odd thread count smaller than the work), and the dense
/// GEMMs on the two-thread 2×4×3 tile, so the GPU indexing path and the shared-memory handshake
/// between threads (barriers) are exercised without a GPU.</item>
/// <item><c>cuda</c>: a CUDA device; fixtures using it carry Category "Gpu" and are ignored without one.</item>
/// <item><c>cuda-cublas</c>: the same with the dense products on cuBLAS (<c>--gemm cublas</c>); Category "Gpu".</item>
/// </list>
/// </summary>
public static class TestBackends
{
    public const string Cpu = TestBackendFactory.Cpu;
    public const string IlgpuCpu = TestBackendFactory.IlgpuCpu;
    public const string IlgpuCpuInterleaved = TestBackendFactory.IlgpuCpuInterleaved;
    public const string Cuda = TestBackendFactory.Cuda;
    public const string CudaCuBlas = TestBackendFactory.CudaCuBlas;

    private static readonly ConcurrentDictionary<string, Lazy<IComputeBackend?>> Cache = new();
    private static readonly Lazy<ReferenceBackend> SharedReference = new(() => new ReferenceBackend());

    /// <summary>The scalar reference backend: the oracle.</summary>
    public static ReferenceBackend Reference => SharedReference.Value;

    /// <summary>The backend called <paramref name="name"/>, or null when this machine lacks it.</summary>
    public static IComputeBackend? Get(string name) => Cache.GetOrAdd(name, n => new Lazy<IComputeBackend?>(() => TestBackendFactory.Create(n))).Value;

    internal static void DisposeAll()
    {
        foreach (var lazy in Cache.Values)
        {
            if (lazy.IsValueCreated)
            {
                lazy.Value?.Dispose();
            }
        }
        Cache.Clear();
        if (SharedReference.IsValueCreated)
        {
            SharedReference.Value.Dispose();
        }
    }

}

/// <summary>Disposes the shared backends once the whole assembly has run.</summary>
[SetUpFixture]
public sealed class TestBackendsLifetime
{
    [OneTimeTearDown]
    public void DisposeBackends() => TestBackends.DisposeAll();
}
