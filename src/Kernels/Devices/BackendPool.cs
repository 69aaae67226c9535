using System.Collections.Concurrent;
using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Kernels.Devices;

/// <summary>
/// Backends made once per process and reused: creating one means an ILGPU context, an accelerator
/// and every kernel compiled (or, on the CPU, a worker per core), which a grid, k folds, an ensemble,
/// a learning curve or a fine-tune followed by loading its result would otherwise repeat for every
/// network. <see cref="Rent"/> hands out an idle backend of the (device, GEMM) asked for, or creates
/// one; disposing the lease gives it back. A backend is used by one lease at a time, so two runs in
/// parallel threads get two backends. Pooled backends live until the process ends.
/// </summary>
public static class BackendPool
{
    private static readonly ConcurrentDictionary<(DeviceKind Kind, GemmEngine Gemm), ConcurrentBag<IComputeBackend>> Idle = new();
    private static readonly Lazy<DeviceKind> AutoKind = new(BackendFactory.ResolveAuto);
    private static int _created;
    private static int _kernelsCompiled;

    /// <summary>Backends this pool has created in this process (each compiled its kernels once).</summary>
    public static int Created => Volatile.Read(ref _created);

    /// <summary>ILGPU kernels those backends compiled when they were created (0 for the managed CPU backend, which has none).</summary>
    public static int KernelsCompiled => Volatile.Read(ref _kernelsCompiled);

    /// <summary>
    /// A backend of <paramref name="kind"/> (<see cref="DeviceKind.Auto"/> resolved first) with
    /// <paramref name="gemm"/>; dispose the lease to give it back.
    /// </summary>
    /// <exception cref="DeviceUnavailableException">As <see cref="BackendFactory.Create"/>.</exception>
    public static BackendLease Rent(DeviceKind kind, GemmEngine gemm = GemmEngine.Custom)
    {
        var key = (kind == DeviceKind.Auto ? AutoKind.Value : kind, gemm);
        var idle = Idle.GetOrAdd(key, _ => []);
        if (!idle.TryTake(out var backend))
        {
            backend = BackendFactory.Create(key.Item1, gemm: gemm);
            Interlocked.Increment(ref _created);
            Interlocked.Add(ref _kernelsCompiled, backend is IlgpuBackend ilgpu ? ilgpu.LoadedKernels.Count : 0);
        }
        return new BackendLease(backend, () => idle.Add(backend));
    }
}

/// <summary>A backend on loan from <see cref="BackendPool"/>; disposing it gives the backend back (once).</summary>
public sealed class BackendLease : IDisposable
{
    private Action? _giveBack;

    internal BackendLease(IComputeBackend backend, Action giveBack)
    {
        Backend = backend;
        _giveBack = giveBack;
    }

    /// <summary>The backend; not to be used after the lease is disposed.</summary>
    public IComputeBackend Backend { get; }

    /// <inheritdoc />
    public void Dispose() => Interlocked.Exchange(ref _giveBack, null)?.Invoke();
}
