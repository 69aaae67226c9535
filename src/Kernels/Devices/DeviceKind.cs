namespace CrossPropertyILGPU.Kernels.Devices;

/// <summary>The compute backends a user can ask for with <c>--device</c>.</summary>
public enum DeviceKind
{
    /// <summary>CUDA, then OpenCL (devices ILGPU's default filter accepts), then the managed CPU backend.</summary>
    Auto = 0,

    /// <summary>The managed CPU backend: <c>Vector&lt;float&gt;</c> loops on every core (<see cref="Backends.ManagedCpuBackend"/>).</summary>
    Cpu,

    /// <summary>ILGPU's kernels on ILGPU's CPU accelerator: slow, for checking kernels without a GPU.</summary>
    IlgpuCpu,

    /// <summary>ILGPU's kernels on an NVIDIA GPU.</summary>
    Cuda,

    /// <summary>ILGPU's kernels on an OpenCL 2.0+ device with generic address space.</summary>
    OpenCL,
}

/// <summary>Parsing and printing of <see cref="DeviceKind"/> as the CLI spells it.</summary>
public static class DeviceKinds
{
    /// <summary>The names, case-insensitive, in the order the CLI lists them.</summary>
    public static Backends.NameTable<DeviceKind> Table { get; } = new(ignoreCase: true,
        (DeviceKind.Auto, "auto"), (DeviceKind.Cpu, "cpu"), (DeviceKind.IlgpuCpu, "ilgpu-cpu"), (DeviceKind.Cuda, "cuda"), (DeviceKind.OpenCL, "opencl"));

    /// <summary>The accepted spellings, in the order the CLI lists them.</summary>
    public static IReadOnlyList<string> Names => Table.Names;

    /// <summary>The CLI spelling of <paramref name="kind"/>.</summary>
    public static string ToName(this DeviceKind kind) => Table.ToName(kind);

    /// <summary>Parses a CLI spelling (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The text names no device kind; the message lists the valid ones.</exception>
    public static DeviceKind Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var kind)
            ? kind
            : throw new ArgumentException(
                $"Unknown device '{text}'. Valid devices: {string.Join(", ", Names)}.", nameof(text));
    }

    /// <summary>Parses a CLI spelling (case-insensitive); false when it names no device kind.</summary>
    public static bool TryParse(string? text, out DeviceKind kind) => Table.TryParse(text, out kind);
}
