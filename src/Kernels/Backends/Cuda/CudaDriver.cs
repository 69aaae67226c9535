using System.Runtime.InteropServices;
using CrossPropertyILGPU.Kernels.Devices;

namespace CrossPropertyILGPU.Kernels.Backends.Cuda;

/// <summary>
/// The few CUDA driver entry points ILGPU 1.5.3 does not wrap: stream capture, graphs, and a bare
/// <c>cuLaunchKernel</c> for the launch-cost benchmark. Resolved lazily by name from the driver
/// library (the same names <see cref="NativeLibraries"/> maps for ILGPU), so a machine without
/// libcuda only learns <see cref="IsAvailable"/> = false and never loads anything at type load.
/// Function pointers instead of <c>DllImport</c>: no marshalling stubs, and a missing export is a
/// reason string, not an <see cref="EntryPointNotFoundException"/> in the middle of a step.
/// </summary>
public static unsafe class CudaDriver
{
    private static readonly Lazy<Api?> Loaded = new(Load);
    private static string _unavailableReason = "not probed";

    /// <summary>True when the driver library and every entry point used here were found.</summary>
    public static bool IsAvailable => Loaded.Value is not null;

    /// <summary>Why <see cref="IsAvailable"/> is false (empty when it is true).</summary>
    public static string UnavailableReason => Loaded.Value is null ? _unavailableReason : string.Empty;

    /// <summary>CU_STREAM_CAPTURE_MODE_RELAXED: other threads' CUDA calls do not invalidate the capture.</summary>
    public const int CaptureModeRelaxed = 2;

    /// <summary>cuStreamBeginCapture_v2.</summary>
    public static void BeginCapture(IntPtr stream, int mode = CaptureModeRelaxed) =>
        Check(Get().BeginCapture(stream, mode), "cuStreamBeginCapture");

    /// <summary>cuStreamEndCapture: the captured graph (must be destroyed), or the error when the capture was invalidated.</summary>
    public static int EndCapture(IntPtr stream, out IntPtr graph)
    {
        IntPtr g;
        var result = Get().EndCapture(stream, &g);
        graph = g;
        return result;
    }

    /// <summary>cuGraphInstantiateWithFlags(flags 0).</summary>
    public static IntPtr Instantiate(IntPtr graph)
    {
        IntPtr exec;
        Check(Get().Instantiate(&exec, graph, 0UL), "cuGraphInstantiateWithFlags");
        return exec;
    }

    /// <summary>cuGraphLaunch on <paramref name="stream"/>: asynchronous, like a kernel launch.</summary>
    public static void Launch(IntPtr graphExec, IntPtr stream) => Check(Get().GraphLaunch(graphExec, stream), "cuGraphLaunch");

    /// <summary>cuGraphExecDestroy (error ignored: called while disposing).</summary>
    public static void DestroyExec(IntPtr graphExec)
    {
        if (graphExec != IntPtr.Zero && Loaded.Value is { } api)
        {
            _ = api.ExecDestroy(graphExec);
        }
    }

    /// <summary>cuGraphDestroy (error ignored: called while disposing).</summary>
    public static void DestroyGraph(IntPtr graph)
    {
        if (graph != IntPtr.Zero && Loaded.Value is { } api)
        {
            _ = api.GraphDestroy(graph);
        }
    }

    /// <summary>
    /// cuLaunchKernel with the arguments packed into one buffer (CU_LAUNCH_PARAM_BUFFER_POINTER, as
    /// ILGPU passes them); no checks, for timing the driver's own cost per launch.
    /// </summary>
    public static int LaunchKernel(IntPtr function, uint gridX, uint blockX, IntPtr stream, void* arguments, nint argumentBytes)
    {
        var size = argumentBytes;
        var extra = stackalloc void*[5];
        extra[0] = (void*)1; // CU_LAUNCH_PARAM_BUFFER_POINTER
        extra[1] = arguments;
        extra[2] = (void*)2; // CU_LAUNCH_PARAM_BUFFER_SIZE
        extra[3] = &size;
        extra[4] = null; // CU_LAUNCH_PARAM_END
        return Get().LaunchKernel(function, gridX, 1, 1, blockX, 1, 1, 0, stream, null, extra);
    }

    /// <summary><see cref="LaunchKernel(IntPtr, uint, uint, IntPtr, void*, nint)"/> with 32-bit arguments packed in a span.</summary>
    public static int LaunchKernel(IntPtr function, uint gridX, uint blockX, IntPtr stream, ReadOnlySpan<int> arguments)
    {
        fixed (int* packed = arguments)
        {
            return LaunchKernel(function, gridX, blockX, stream, packed, arguments.Length * sizeof(int));
        }
    }

    /// <summary>
    /// cuMemcpyHtoDAsync_v2 from ordinary (pageable) host memory: the driver stages the bytes before
    /// returning, so the source may be overwritten at once, and nothing synchronises. ILGPU's own
    /// host copies either synchronise the stream or allocate a wrapper per call.
    /// </summary>
    public static void CopyHostToDeviceAsync<T>(IntPtr device, ReadOnlySpan<T> host, IntPtr stream)
        where T : unmanaged
    {
        fixed (T* source = host)
        {
            Check(Get().CopyHostToDeviceAsync(device, source, (nuint)(host.Length * sizeof(T)), stream), "cuMemcpyHtoDAsync");
        }
    }

    /// <summary>cuStreamSynchronize.</summary>
    public static void SynchronizeStream(IntPtr stream) => Check(Get().StreamSynchronize(stream), "cuStreamSynchronize");

    /// <summary>The CUresult's name from cuGetErrorName ("CUDA_ERROR_…"), or its number when the driver has none.</summary>
    public static string ErrorName(int result)
    {
        if (Loaded.Value is { } api)
        {
            byte* name = null;
            if (api.GetErrorName(result, &name) == 0 && name is not null)
            {
                return Marshal.PtrToStringAnsi((IntPtr)name) ?? $"CUresult {result}";
            }
        }
        return $"CUresult {result}";
    }

    /// <summary>Throws <see cref="CudaDriverException"/> naming the call and the CUresult when <paramref name="result"/> is not CUDA_SUCCESS.</summary>
    public static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new CudaDriverException(call, result, ErrorName(result));
        }
    }

    private static Api Get() => Loaded.Value
        ?? throw new InvalidOperationException($"The CUDA driver is not available: {_unavailableReason}");

    private static Api? Load()
    {
        IntPtr library = IntPtr.Zero;
        string[] names = OperatingSystem.IsWindows() ? ["nvcuda.dll"] : ["libcuda.so.1", "libcuda.so"];
        foreach (var name in names)
        {
            if (NativeLibrary.TryLoad(name, out library))
            {
                break;
            }
        }
        if (library == IntPtr.Zero)
        {
            _unavailableReason = $"no CUDA driver library ({string.Join(", ", names)}) could be loaded";
            return null;
        }
        IntPtr Export(string name) => NativeLibrary.TryGetExport(library, name, out var address) ? address : IntPtr.Zero;
        var exports = new[]
        {
            "cuStreamBeginCapture_v2", "cuStreamEndCapture", "cuGraphInstantiateWithFlags", "cuGraphLaunch",
            "cuGraphExecDestroy", "cuGraphDestroy", "cuLaunchKernel", "cuStreamSynchronize", "cuGetErrorName",
            "cuMemcpyHtoDAsync_v2",
        };
        var addresses = exports.Select(Export).ToArray();
        var missing = exports.Where((_, i) => addresses[i] == IntPtr.Zero).ToArray();
        if (missing.Length > 0)
        {
            _unavailableReason = $"the CUDA driver lacks {string.Join(", ", missing)} (graphs need driver API 11.4 or later)";
            return null;
        }
        return new Api(
            (delegate* unmanaged<IntPtr, int, int>)addresses[0],
            (delegate* unmanaged<IntPtr, IntPtr*, int>)addresses[1],
            (delegate* unmanaged<IntPtr*, IntPtr, ulong, int>)addresses[2],
            (delegate* unmanaged<IntPtr, IntPtr, int>)addresses[3],
            (delegate* unmanaged<IntPtr, int>)addresses[4],
            (delegate* unmanaged<IntPtr, int>)addresses[5],
            (delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int>)addresses[6],
            (delegate* unmanaged<IntPtr, int>)addresses[7],
            (delegate* unmanaged<int, byte**, int>)addresses[8],
            (delegate* unmanaged<IntPtr, void*, nuint, IntPtr, int>)addresses[9]);
    }

    private sealed class Api(
        delegate* unmanaged<IntPtr, int, int> beginCapture,
        delegate* unmanaged<IntPtr, IntPtr*, int> endCapture,
        delegate* unmanaged<IntPtr*, IntPtr, ulong, int> instantiate,
        delegate* unmanaged<IntPtr, IntPtr, int> graphLaunch,
        delegate* unmanaged<IntPtr, int> execDestroy,
        delegate* unmanaged<IntPtr, int> graphDestroy,
        delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int> launchKernel,
        delegate* unmanaged<IntPtr, int> streamSynchronize,
        delegate* unmanaged<int, byte**, int> getErrorName,
        delegate* unmanaged<IntPtr, void*, nuint, IntPtr, int> copyHostToDeviceAsync)
    {
        public int BeginCapture(IntPtr stream, int mode) => beginCapture(stream, mode);
        public int EndCapture(IntPtr stream, IntPtr* graph) => endCapture(stream, graph);
        public int Instantiate(IntPtr* exec, IntPtr graph, ulong flags) => instantiate(exec, graph, flags);
        public int GraphLaunch(IntPtr exec, IntPtr stream) => graphLaunch(exec, stream);
        public int ExecDestroy(IntPtr exec) => execDestroy(exec);
        public int GraphDestroy(IntPtr graph) => graphDestroy(graph);
        public int LaunchKernel(IntPtr f, uint gx, uint gy, uint gz, uint bx, uint by, uint bz, uint shared, IntPtr stream, void** parameters, void** extra) =>
            launchKernel(f, gx, gy, gz, bx, by, bz, shared, stream, parameters, extra);
        public int StreamSynchronize(IntPtr stream) => streamSynchronize(stream);
        public int GetErrorName(int result, byte** name) => getErrorName(result, name);
        public int CopyHostToDeviceAsync(IntPtr device, void* host, nuint bytes, IntPtr stream) => copyHostToDeviceAsync(device, host, bytes, stream);
    }
}

/// <summary>A CUDA driver call failed; the message names the call and the CUresult (e.g. CUDA_ERROR_STREAM_CAPTURE_INVALIDATED).</summary>
public sealed class CudaDriverException(string call, int result, string resultName)
    : InvalidOperationException($"{call} failed: {resultName} ({result}).")
{
    /// <summary>The driver function that failed.</summary>
    public string Call { get; } = call;

    /// <summary>The CUresult.</summary>
    public int Result { get; } = result;

    /// <summary>The CUresult's name.</summary>
    public string ResultName { get; } = resultName;
}
