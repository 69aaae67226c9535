using System.Diagnostics;
using System.Globalization;

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
        foreach (var batch in batches)
        {
            var bench = new ElemNetStepBenchmarks { Batch = batch, Device = device, Gemm = gemm };
            bench.Setup();
            try
            {
                var threads = Environment.ProcessorCount;
                var train = Median(bench.TrainStep, batch);
                Print(threads, batch, "train", train, TrainFlopsPerSample);
                var infer = Median(bench.Inference, batch);
                Print(threads, batch, "infer", infer, InferFlopsPerSample);
            }
            finally
            {
                bench.Cleanup();
            }
        }
    }

    private static double Median(Action step, int batch)
    {
        // Enough steps per repeat that one repeat takes ~0.2 s or more at every batch size.
        var perRepeat = Math.Max(2, 2048 / batch);
        for (var i = 0; i < perRepeat; i++)
        {
            step();
        }
        var times = new double[7];
        for (var r = 0; r < times.Length; r++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < perRepeat; i++)
            {
                step();
            }
            times[r] = clock.Elapsed.TotalMilliseconds / perRepeat;
        }
        Array.Sort(times);
        return times[times.Length / 2];
    }

    private static void Print(int threads, int batch, string kind, double milliseconds, double flopsPerSample)
    {
        var samples = batch / (milliseconds / 1000);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"threads={threads} batch={batch,5} {kind,-5} step={milliseconds,8:F3} ms  {samples,9:F0} samples/s  {samples * flopsPerSample / 1e9,6:F1} GFLOP/s"));
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
