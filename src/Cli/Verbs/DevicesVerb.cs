using System.CommandLine;
using System.Globalization;
using CrossPropertyILGPU.Kernels.Devices;

namespace CrossPropertyILGPU.Cli.Verbs;

/// <summary><c>devices</c>: list the accelerators found and which one <c>--device auto</c> picks.</summary>
internal static class DevicesVerb
{
    /// <summary>Creates the verb.</summary>
    public static Command Create()
    {
        var check = new Option<bool>("--check")
        {
            Description = "Also run one small training step on every backend and compare it with the scalar reference.",
        };
        var command = new Command("devices", "List the accelerators found and which one '--device auto' picks.");
        command.Options.Add(check);
        command.SetAction(parse => Run(parse.GetValue(check), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(bool check, TextWriter output, TextWriter error)
    {
        var devices = BackendFactory.Discover();
        var auto = BackendFactory.ResolveAuto(devices);
        WriteTable(devices, output);
        output.WriteLine($"auto picks: {auto.ToName()}");
        if (!devices.Any(d => d.IsGpu))
        {
            error.WriteLine("No GPU found: CUDA needs the NVIDIA driver (libcuda.so.1); OpenCL needs a 2.0 device with generic address space.");
        }
        if (!check)
        {
            return CliApp.Success;
        }

        var failed = false;
        foreach (var kind in devices.Select(d => d.Kind).Distinct())
        {
            error.Write($"checking {kind.ToName()} ... ");
            try
            {
                using var backend = BackendFactory.Create(kind);
                var report = BackendSelfTest.Run(backend);
                var worst = report.Checks.Max(c => c.MaxError);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{kind.ToName()}: {(report.Passed ? "ok" : "FAILED")} ({report.Checks.Count} ops, max error {worst:0.0e+00}, {report.Elapsed.TotalMilliseconds:F0} ms)"));
                foreach (var failedCheck in report.Checks.Where(c => !c.Passed))
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {failedCheck.Op}: error {failedCheck.MaxError:0.0e+00} > tolerance {failedCheck.Tolerance:0.0e+00}"));
                }
                failed |= !report.Passed;
            }
            catch (Exception e) when (e is InvalidOperationException or NotSupportedException or ILGPU.InternalCompilerException)
            {
                output.WriteLine($"{kind.ToName()}: FAILED ({e.GetType().Name}: {e.Message})");
                failed = true;
            }
            error.WriteLine("done");
        }
        return failed ? CliApp.RuntimeFailure : CliApp.Success;
    }

    private static void WriteTable(IReadOnlyList<DeviceInfo> devices, TextWriter output)
    {
        string[] header = ["kind", "index", "name", "memory", "warp", "max group", "multiprocessors", "notes"];
        var rows = devices.Select(d => new[]
        {
            d.Kind.ToName(),
            d.Index.ToString(CultureInfo.InvariantCulture),
            d.Name,
            string.Create(CultureInfo.InvariantCulture, $"{d.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB"),
            d.WarpSize.ToString(CultureInfo.InvariantCulture),
            d.MaxGroupSize.ToString(CultureInfo.InvariantCulture),
            d.Multiprocessors.ToString(CultureInfo.InvariantCulture),
            d.Details,
        }).ToList();
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Prepend(h.Length).Max()).ToArray();
        output.WriteLine(string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        }
    }
}
