namespace CrossPropertyILGPU.Kernels.Devices;

/// <summary>What a backend runs on, as <c>devices</c> prints it and run folders record it.</summary>
/// <param name="Kind">The backend kind.</param>
/// <param name="Name">The device's own name (GPU model, CPU description).</param>
/// <param name="Index">Index among the devices of this kind (0 for CPU backends).</param>
/// <param name="MemoryBytes">Device memory in bytes (host memory for CPU backends).</param>
/// <param name="WarpSize">Threads per warp (1 for the managed CPU backend).</param>
/// <param name="MaxGroupSize">Largest thread group (1 for the managed CPU backend).</param>
/// <param name="Multiprocessors">Streaming multiprocessors, or simulated ones / cores on CPUs.</param>
/// <param name="Details">Extra facts: compute capability, OpenCL version, why a device is unusable.</param>
public sealed record DeviceInfo(
    DeviceKind Kind,
    string Name,
    int Index,
    long MemoryBytes,
    int WarpSize,
    int MaxGroupSize,
    int Multiprocessors,
    string Details)
{
    /// <summary>True for CUDA and OpenCL devices.</summary>
    public bool IsGpu => Kind is DeviceKind.Cuda or DeviceKind.OpenCL;

    /// <summary>One line: kind, index, name, memory.</summary>
    public override string ToString() =>
        $"{Kind.ToName()}:{Index} {Name} ({MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB)";
}
