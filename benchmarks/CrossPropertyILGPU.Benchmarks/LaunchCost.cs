using System.Diagnostics;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Backends.Cuda;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Kernels.Ops;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace CrossPropertyILGPU.Benchmarks;

/// <summary>
/// What one kernel launch costs, layer by layer, on the backend's own stream: 1,000 launches of
/// <list type="number">
/// <item>the backend's <c>Fill</c> of one float (validation, the wrapper, ILGPU's launcher, the driver);</item>
/// <item>the same Fill kernel through ILGPU's launcher delegate alone;</item>
/// <item>an empty kernel through ILGPU's launcher;</item>
/// <item>that empty kernel's CUfunction through a bare <c>cuLaunchKernel</c> (CUDA only).</item>
/// </list>
/// Each row gives the host's time to issue the 1,000 launches and the time until the device has
/// run them, per launch. The differences between rows are what each layer adds.
/// </summary>
internal static class LaunchCost
{
    private const int Launches = 1000;

    /// <summary>An empty kernel (ILGPU needs at least one parameter besides the index).</summary>
    public static void Empty(Index1D index, int unused)
    {
    }

    /// <summary>The <c>launch</c> verb: CUDA where present, else ILGPU's CPU accelerator.</summary>
    public static int Run()
    {
        IlgpuBackend backend;
        try
        {
            backend = (IlgpuBackend)BackendFactory.Create(DeviceKind.Cuda);
        }
        catch (DeviceUnavailableException)
        {
            backend = BackendFactory.CreateIlgpuCpu();
        }
        using (backend)
        {
            Console.WriteLine($"# device: {backend.Device}");
            foreach (var (path, issue, complete) in Measure(backend))
            {
                Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"launch {path,-34} issue {issue,8:F2} µs  complete {complete,8:F2} µs per launch"));
            }
        }
        return 0;
    }

    public static IReadOnlyList<(string Path, double IssueMicroseconds, double CompleteMicroseconds)> Measure(IlgpuBackend backend)
    {
        var accelerator = backend.Accelerator;
        var stream = backend.Stream;
        var group = backend.LaunchOptions.GroupSize;
        using var one = backend.Allocate(1);
        var view = one.View;
        var fill = accelerator.LoadImplicitlyGroupedKernel<Index1D, WorkSplit, ArrayView<float>, float>(FillCopyKernels.Fill, group);
        var empty = accelerator.LoadImplicitlyGroupedKernel<Index1D, int>(Empty, group);
        using var raw = accelerator.Allocate1D<float>(1);
        var split = WorkSplit.Interleaved(1, 1);
        var rows = new List<(string, double, double)>
        {
            Row("backend Fill(1 float)", () => backend.Fill(view, 0f), backend),
            Row("ILGPU launcher, Fill kernel", () => fill(stream, split.Threads, split, raw.View, 0f), backend),
            Row("ILGPU launcher, empty kernel", () => empty(stream, 1, 0), backend),
        };
        if (accelerator is CudaAccelerator && CudaDriver.IsAvailable && empty.Target is CudaKernel kernel)
        {
            var function = kernel.FunctionPtr;
            var streamPtr = ((CudaStream)stream).StreamPtr;
            rows.Add(Row("bare cuLaunchKernel, empty kernel", () => BareLaunch(function, streamPtr), backend));
        }
        return rows;
    }

    private static void BareLaunch(IntPtr function, IntPtr stream)
    {
        // The argument buffer ILGPU builds for (Index1D, int): two 32-bit values.
        ReadOnlySpan<int> arguments = [1, 0];
        CudaDriver.Check(CudaDriver.LaunchKernel(function, 1, 1, stream, arguments), "cuLaunchKernel");
    }

    /// <summary>Median of 5 runs of <see cref="Launches"/> launches: host issue time and time to completion, µs per launch.</summary>
    private static (string, double, double) Row(string path, Action launch, IlgpuBackend backend)
    {
        for (var i = 0; i < 50; i++)
        {
            launch();
        }
        backend.Synchronize();
        var issue = new double[5];
        var complete = new double[5];
        for (var r = 0; r < issue.Length; r++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < Launches; i++)
            {
                launch();
            }
            issue[r] = clock.Elapsed.TotalMicroseconds / Launches;
            backend.Synchronize();
            complete[r] = clock.Elapsed.TotalMicroseconds / Launches;
        }
        Array.Sort(issue);
        Array.Sort(complete);
        return (path, issue[2], complete[2]);
    }
}
