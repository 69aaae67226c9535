using System.Diagnostics;
using System.Globalization;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Backends.Cpu;

namespace CrossPropertyILGPU.Benchmarks;

/// <summary>
/// ElemNet step timing in the PyTorch peer's format (<c>threads=T batch=B train step=… ms … samples/s</c>),
/// so <c>compare-torch.sh</c> can put both side by side from one run. Each measurement: warm-up
/// steps, then the median of several timed repeats of a few steps each (medians resist the
/// shared machine's noise).
/// </summary>
internal static class StepTimer
{
    private const double TrainFlopsPerSample = 27.7e6;
    private const double InferFlopsPerSample = 9.25e6;

    public static void Run(string[] args)
    {
        var batches = Values(args, "--batches", [32, 256, 1024]);
        var device = Value(args, "--device") ?? "cpu";
        var gemm = Value(args, "--gemm") ?? "custom";
        if (args.Contains("--profile") && device == "cpu")
        {
            MemoryBandwidth();
        }
        foreach (var batch in batches)
        {
            var bench = new ElemNetStepBenchmarks { Batch = batch, Device = device, Gemm = gemm };
            bench.Setup();
            try
            {
                var threads = Environment.ProcessorCount;
                var train = Median(bench.TrainStep, batch);
                Print(threads, batch, "train", train, TrainFlopsPerSample, Breakdown(bench, batch));
                var infer = Median(bench.Inference, batch);
                Print(threads, batch, "infer", infer, InferFlopsPerSample);
                if (args.Contains("--profile"))
                {
                    Profile(bench, batch);
                }
            }
            finally
            {
                bench.Cleanup();
            }
        }
    }

    // Enough steps per repeat that one repeat takes ~0.2 s or more at every batch size.
    private static double Median(Action step, int batch) => MedianMilliseconds(step, Math.Max(2, 2048 / batch), 7);

    /// <summary>
    /// Milliseconds per call of <paramref name="op"/>: one untimed repeat as warm-up, then the median
    /// of <paramref name="repeats"/> timed repeats of <paramref name="perRepeat"/> calls each (medians
    /// resist the shared machine's noise).
    /// </summary>
    internal static double MedianMilliseconds(Action op, int perRepeat, int repeats)
    {
        for (var i = 0; i < perRepeat; i++)
        {
            op();
        }
        var times = new double[repeats];
        for (var r = 0; r < times.Length; r++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < perRepeat; i++)
            {
                op();
            }
            times[r] = clock.Elapsed.TotalMilliseconds / perRepeat;
        }
        Array.Sort(times);
        return times[times.Length / 2];
    }

    /// <summary>
    /// Where a training step's time goes, as the peer prints it: each phase timed on its own over
    /// a separate pass of steps, median per phase.
    /// </summary>
    private static string Breakdown(ElemNetStepBenchmarks bench, int batch)
    {
        var steps = Math.Max(8, 4096 / batch);
        var phases = new double[3][];
        for (var i = 0; i < phases.Length; i++)
        {
            phases[i] = new double[steps];
        }
        for (var s = 0; s < steps; s++)
        {
            var clock = Stopwatch.StartNew();
            bench.ForwardAndLoss();
            phases[0][s] = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            bench.Backward();
            phases[1][s] = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            bench.AdamUpdate();
            phases[2][s] = clock.Elapsed.TotalMilliseconds;
        }
        var median = phases.Select(p => p.Order().ElementAt(p.Length / 2)).ToArray();
        return string.Create(CultureInfo.InvariantCulture, $"  [fwd {median[0]:F2} / bwd {median[1]:F2} / adam {median[2]:F2} ms]");
    }

    /// <summary>
    /// The memory bandwidth Adam is bound by, measured the same way: the backend's copy of a
    /// 256 MB buffer into another (far past every cache), read + write bytes per second.
    /// </summary>
    private static void MemoryBandwidth()
    {
        using var backend = new ManagedCpuBackend();
        const int floats = 64 << 20;
        using var source = backend.Allocate(floats);
        using var destination = backend.Allocate(floats);
        backend.Fill(source.View, 1f);
        backend.Copy(source.View, destination.View);
        var times = new double[5];
        for (var i = 0; i < times.Length; i++)
        {
            var clock = Stopwatch.StartNew();
            backend.Copy(source.View, destination.View);
            times[i] = clock.Elapsed.TotalSeconds;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"memory: copy of 256 MB, {Environment.ProcessorCount} threads: {8.0 * floats / times.Min() / 1e9:F1} GB/s (read + write)"));
    }

    /// <summary>Per op family of the managed CPU backend: time per step, share, and GFLOP/s or GB/s.</summary>
    private static void Profile(ElemNetStepBenchmarks bench, int batch)
    {
        if (bench.Backend is not ManagedCpuBackend cpu)
        {
            Console.WriteLine("  (--profile needs --device cpu)");
            return;
        }
        var profile = new CpuOpProfile();
        var steps = Math.Max(8, 4096 / batch);
        cpu.Profile = profile;
        for (var s = 0; s < steps; s++)
        {
            bench.TrainStep();
        }
        cpu.Profile = null;
        foreach (var line in profile.Report(steps))
        {
            Console.WriteLine(line);
        }
    }

    private static void Print(int threads, int batch, string kind, double milliseconds, double flopsPerSample, string extra = "")
    {
        var samples = batch / (milliseconds / 1000);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"threads={threads} batch={batch,5} {kind,-5} step={milliseconds,8:F3} ms  {samples,9:F0} samples/s  {samples * flopsPerSample / 1e9,6:F1} GFLOP/s{extra}"));
    }

    internal static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    internal static int[] Values(string[] args, string name, int[] fallback)
    {
        var i = Array.IndexOf(args, name);
        if (i < 0)
        {
            return fallback;
        }
        return [.. args.Skip(i + 1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).Select(a => int.Parse(a, CultureInfo.InvariantCulture))];
    }
}
