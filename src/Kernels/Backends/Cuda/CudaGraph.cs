namespace CrossPropertyILGPU.Kernels.Backends.Cuda;

/// <summary>
/// One captured and instantiated CUDA graph: the launches a stream saw between
/// <see cref="Capture"/>'s begin and end, replayed by <see cref="Launch"/> as one driver call.
/// Kernel arguments (buffer addresses, sizes, scalars) are frozen at capture, so the buffers must
/// stay where they are and per-step scalars must be read from device memory.
/// </summary>
public sealed class CudaGraph : IDisposable
{
    private IntPtr _graph;
    private IntPtr _exec;

    private CudaGraph(IntPtr graph, IntPtr exec) => (_graph, _exec) = (graph, exec);

    /// <summary>
    /// Runs <paramref name="record"/> with <paramref name="stream"/> in capture mode (nothing
    /// executes) and instantiates what it launched. When <paramref name="record"/> throws, the
    /// capture is ended and discarded and the exception propagates; a capture the driver
    /// invalidated (an illegal call such as a synchronisation) throws <see cref="CudaDriverException"/>.
    /// </summary>
    public static CudaGraph Capture(IntPtr stream, Action record)
    {
        ArgumentNullException.ThrowIfNull(record);
        CudaDriver.BeginCapture(stream);
        IntPtr graph;
        try
        {
            record();
        }
        catch
        {
            // Leave the stream out of capture mode whatever went wrong.
            if (CudaDriver.EndCapture(stream, out graph) == 0)
            {
                CudaDriver.DestroyGraph(graph);
            }
            throw;
        }
        CudaDriver.Check(CudaDriver.EndCapture(stream, out graph), "cuStreamEndCapture");
        try
        {
            return new CudaGraph(graph, CudaDriver.Instantiate(graph));
        }
        catch
        {
            CudaDriver.DestroyGraph(graph);
            throw;
        }
    }

    /// <summary>Launches the whole graph on <paramref name="stream"/> (asynchronous).</summary>
    public void Launch(IntPtr stream)
    {
        ObjectDisposedException.ThrowIf(_exec == IntPtr.Zero, this);
        CudaDriver.Launch(_exec, stream);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        CudaDriver.DestroyExec(_exec);
        CudaDriver.DestroyGraph(_graph);
        (_exec, _graph) = (IntPtr.Zero, IntPtr.Zero);
    }
}
