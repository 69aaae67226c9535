using System.Globalization;
using CrossPropertyILGPU.Kernels.Devices;
using ILGPU;
using ILGPU.Backends.OpenCL;
using ILGPU.Runtime;
using ILGPU.Runtime.OpenCL;

namespace CrossPropertyILGPU.Benchmarks;

/// <summary>
/// The <c>opencl</c> verb, OpenCL as ILGPU sees it: every OpenCL device the driver offers (ILGPU's
/// permissive predicate), whether ILGPU's default filter (OpenCL C 2.0 or later with generic address
/// space) accepts it and, if not, exactly which condition failed; then, for the devices it accepts,
/// the backend's self-test (every op against the scalar reference, as <c>devices --check</c>).
/// Prints the reason and exits 0 where there is no OpenCL runtime at all.
/// </summary>
internal static class OpenClProbe
{
    public static int Run()
    {
        NativeLibraries.EnsureResolver();
        List<CLDevice> devices;
        try
        {
            using var context = Context.Create(builder => builder.OpenCL(_ => true));
            devices = [.. context.Devices.OfType<CLDevice>()];
            // ILGPU finds no device, quietly, when libOpenCL (the ICD loader) is missing too.
            Console.WriteLine(devices.Count == 0
                ? "opencl: 0 device(s) offered: no OpenCL ICD loader (libOpenCL.so.1) or no platform with a device"
                : $"opencl: {devices.Count} device(s) offered by the OpenCL runtime");
            foreach (var device in devices)
            {
                var refusals = new List<string>();
                if (device.CLStdVersion < CLBackend.MinimumVersion)
                {
                    refusals.Add($"OpenCL C {device.CLStdVersion} < the {CLBackend.MinimumVersion} ILGPU needs");
                }
                if (!device.Capabilities.GenericAddressSpace)
                {
                    refusals.Add("no generic address space (ILGPU's OpenCL C declares __generic pointers)");
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"opencl: {device.PlatformName} / {device.Name}: device {device.DeviceVersion}, C {device.CVersion}, std {device.CLStdVersion}, "
                    + $"generic address space {device.Capabilities.GenericAddressSpace}, subgroups {device.Capabilities.SubGroups}, "
                    + $"{device.MemorySize / (1024.0 * 1024 * 1024):F1} GiB"));
                Console.WriteLine(refusals.Count == 0
                    ? "opencl:   accepted by ILGPU's default filter"
                    : $"opencl:   refused by ILGPU's default filter: {string.Join("; ", refusals)}");
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or InvalidOperationException)
        {
            Console.WriteLine($"opencl: no OpenCL runtime ({e.GetType().Name}: {e.Message})");
            return 0;
        }
        if (!BackendFactory.Discover().Any(d => d.Kind == DeviceKind.OpenCL))
        {
            Console.WriteLine("opencl: no device passes ILGPU's default filter; nothing to run (the engine never uses OpenCL(d => true), docs/ILGPU.md §2)");
            return 0;
        }
        try
        {
            using var backend = BackendFactory.Create(DeviceKind.OpenCL);
            var report = BackendSelfTest.Run(backend);
            foreach (var check in report.Checks)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"opencl: self-test {check.Op,-28} error {check.MaxError:0.0e+00} (tolerance {check.Tolerance:0.0e+00}) {(check.Passed ? "ok" : "FAILED")}"));
            }
            Console.WriteLine($"opencl: self-test {(report.Passed ? "passed" : "FAILED")} on {backend.Device}");
            return report.Passed ? 0 : 1;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or InternalCompilerException or CLException)
        {
            Console.WriteLine($"opencl: the accepted device failed: {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }
}
