using System.Reflection;
using System.Runtime.InteropServices;
using ILGPU;

namespace CrossPropertyILGPU.Kernels.Devices;

/// <summary>
/// ILGPU binds the CUDA driver as <c>DllImport("cuda")</c> and OpenCL as <c>DllImport("OpenCL")</c>,
/// which on Linux .NET probes as <c>libcuda.so</c> / <c>libOpenCL.so</c>. Containers and distro
/// runtime packages often ship only the versioned <c>libcuda.so.1</c> / <c>libOpenCL.so.1</c>
/// (docs/ILGPU.md §2, §8), and then ILGPU silently finds no device. This resolver maps the two names
/// to their versioned sonames when the plain name does not load. ILGPU.Algorithms imports cuBLAS as
/// <c>libcublas.so.12</c> at newest; a CUDA 13 toolkit ships <c>libcublas.so.13</c>, whose v2 entry
/// points are the same, so that name falls back to it.
/// </summary>
public static class NativeLibraries
{
    private static readonly Lock Gate = new();
    private static bool _installed;

    /// <summary>Installs the resolver on ILGPU's assembly once per process (idempotent, thread-safe).</summary>
    public static void EnsureResolver()
    {
        lock (Gate)
        {
            if (_installed)
            {
                return;
            }
            foreach (var assembly in new[] { typeof(Context).Assembly, typeof(ILGPU.Runtime.Cuda.CuBlas).Assembly })
            {
                try
                {
                    NativeLibrary.SetDllImportResolver(assembly, Resolve);
                }
                catch (InvalidOperationException)
                {
                    // The embedding application installed its own resolver on ILGPU first; respect it.
                }
            }
            _installed = true;
        }
    }

    /// <summary>The versioned fallbacks tried for a library name ILGPU imports.</summary>
    public static IReadOnlyList<string> Fallbacks(string libraryName) => libraryName switch
    {
        "cuda" or "nvcuda" => ["libcuda.so.1", "libcuda.so"],
        "OpenCL" => ["libOpenCL.so.1", "libOpenCL.so"],
        "libcublas.so.12" => ["libcublas.so.13", "libcublas.so"],
        _ => [],
    };

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (NativeLibrary.TryLoad(libraryName, assembly, searchPath, out var handle))
        {
            return handle;
        }
        foreach (var candidate in Fallbacks(libraryName))
        {
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out handle))
            {
                return handle;
            }
        }
        // Zero lets the runtime report its usual DllNotFoundException, which ILGPU treats as "no device".
        return IntPtr.Zero;
    }
}
