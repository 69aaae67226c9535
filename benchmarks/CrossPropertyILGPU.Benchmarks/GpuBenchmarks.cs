using System.Diagnostics;
using System.Globalization;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network;
using CrossPropertyILGPU.Network.Layers;
using CrossPropertyILGPU.Network.Spec;
using CrossPropertyILGPU.Network.Training;

namespace CrossPropertyILGPU.Benchmarks;

/// <summary>
/// The GPU benchmarks (<c>gpu</c> verb): for the custom tiled GEMM and for cuBLAS, the three dense
/// products at 4096×1024×1024 in GFLOP/s, then ElemNet train and inference steps at batch 32, 256
/// and 1024 in samples/s with the kernel launches per training step. Steps are timed back to back
/// with one synchronisation at the end, as training runs them (no host sync inside a step). Without
/// a CUDA device it prints why and exits 0; without cuBLAS only the cuBLAS lines are skipped.
/// First the cost of one launch (<see cref="LaunchCost"/>); training runs eager and as CUDA graphs
/// (<c>--cuda-graph off</c> leaves the graphs out). Ends with one summary table of everything.
/// </summary>
internal static class GpuBenchmarks
{
    private const int GemmM = 4096, GemmK = 1024, GemmN = 1024;

    // The summary table's rows: (what, variant) → value text, in insertion order.
    private static readonly List<(string What, string Variant, string Value)> Summary = [];

    public static int Run(string[] args)
    {
        var batches = StepTimer.Values(args, "--batches", [32, 256, 1024]);
        var engines = StepTimer.Value(args, "--gemm") is { } only
            ? [GemmEngines.TryParse(only, out var e) ? e : throw new ArgumentException($"--gemm {only}: use custom or cublas.")]
            : new[] { GemmEngine.Custom, GemmEngine.CuBlas };
        var graphs = StepTimer.Value(args, "--cuda-graph") switch
        {
            null or "on" => true,
            "off" => false,
            var other => throw new ArgumentException($"--cuda-graph {other}: use on or off."),
        };
        foreach (var engine in engines)
        {
            IComputeBackend backend;
            try
            {
                backend = BackendFactory.Create(DeviceKind.Cuda, gemm: engine);
            }
            catch (DeviceUnavailableException unavailable)
            {
                Console.WriteLine($"gpu benchmarks, gemm={engine.ToName()}: skipped: {unavailable.Message}");
                if (engine == GemmEngine.Custom)
                {
                    PrintSummary();
                    return 0; // no CUDA device at all
                }
                continue;
            }
            using (backend)
            {
                Console.WriteLine($"# device: {backend.Device}; gemm={engine.ToName()}");
                if (engine == GemmEngine.Custom && backend is IlgpuBackend ilgpu)
                {
                    Launches(ilgpu);
                }
                Gemm(backend, engine);
                foreach (var batch in batches)
                {
                    Steps(backend, engine, batch, graphs);
                }
            }
        }
        PrintSummary();
        return 0;
    }

    private static void Launches(IlgpuBackend backend)
    {
        foreach (var (path, issue, complete) in LaunchCost.Measure(backend))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"launch {path,-34} issue {issue,7:F2} µs  complete {complete,7:F2} µs per launch"));
            Summary.Add(($"launch: {path}", "µs/launch", string.Create(CultureInfo.InvariantCulture, $"{complete:F2} (host {issue:F2})")));
        }
    }

    /// <summary>Everything measured, one line each, so a whole run reads at a glance.</summary>
    private static void PrintSummary()
    {
        Console.WriteLine();
        Console.WriteLine("== summary");
        if (Summary.Count == 0)
        {
            Console.WriteLine("(nothing measured: no CUDA device)");
            return;
        }
        var width = Summary.Max(r => r.What.Length);
        var variantWidth = Summary.Max(r => r.Variant.Length);
        Console.WriteLine($"| {"measure".PadRight(width)} | {"variant".PadRight(variantWidth)} | value |");
        Console.WriteLine($"|{new string('-', width + 2)}|{new string('-', variantWidth + 2)}|-------|");
        foreach (var (what, variant, value) in Summary)
        {
            Console.WriteLine($"| {what.PadRight(width)} | {variant.PadRight(variantWidth)} | {value} |");
        }
    }

    private static void Gemm(IComputeBackend backend, GemmEngine engine)
    {
        var random = new Random(3);
        DeviceBuffer Random(int n)
        {
            var buffer = backend.Allocate(n);
            backend.Upload(buffer.View, Enumerable.Range(0, n).Select(_ => random.NextSingle() - 0.5f).ToArray());
            return buffer;
        }
        using var x = Random(GemmM * GemmK);
        using var w = Random(GemmK * GemmN);
        using var b = Random(GemmN);
        using var y = Random(GemmM * GemmN);
        using var dx = Random(GemmM * GemmK);
        using var dw = Random(GemmK * GemmN);
        using var db = Random(GemmN);
        var flops = 2.0 * GemmM * GemmK * GemmN;
        var tile = backend is IlgpuBackend ilgpu && engine == GemmEngine.Custom ? $" tile {ilgpu.GemmFor(Kernels.Ops.GemmProduct.Forward, GemmM, GemmK, GemmN)}" : "";
        Report(engine, "forward y=x·w+b", Time(backend, () => backend.DenseForward(x.View, w.View, b.View, y.View, GemmM, GemmK, GemmN, relu: false), 20), flops, tile);
        Report(engine, "input dx=dy·wᵀ", Time(backend, () => backend.DenseBackwardInputMasked(y.View, w.View, x.View, dx.View, GemmM, GemmK, GemmN, accumulate: false), 20), flops, "");
        Report(engine, "params dw=xᵀ·dy", Time(backend, () => backend.DenseBackwardParameters(x.View, y.View, dw.View, db.View, GemmM, GemmK, GemmN, false, false), 20), flops, "");
    }

    private static void Report(GemmEngine engine, string what, double milliseconds, double flops, string note)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"gemm={engine.ToName(),-6} {GemmM}x{GemmK}x{GemmN} {what,-18} {milliseconds,8:F3} ms  {flops / milliseconds / 1e6,8:F0} GFLOP/s{note}"));
        Summary.Add(($"SGEMM {GemmM}x{GemmK}x{GemmN} {what}", engine.ToName(),
            string.Create(CultureInfo.InvariantCulture, $"{flops / milliseconds / 1e6:F0} GFLOP/s{note}")));
    }

    private static void Steps(IComputeBackend backend, GemmEngine engine, int batch, bool graphs)
    {
        var layers = ElemNetLayers.Build(ElemNetSpec.Parse(ElemNetSpec.Default), ElemNetSpec.DefaultKeepProbabilities);
        using var model = new Sequential(backend, 86, layers, batch);
        model.InitializeGlorotUniform(1);
        var random = new Random(2);
        using var features = backend.Allocate(batch * 86);
        backend.Upload(features.View, Enumerable.Range(0, batch * 86).Select(_ => random.NextSingle() / 10f).ToArray());
        using var targets = backend.Allocate(batch);
        backend.Upload(targets.View, Enumerable.Range(0, batch).Select(_ => random.NextSingle()).ToArray());
        using var lossSum = backend.Allocate(1);
        using var step = new TrainingStep(model, LossKind.Mae) { UseGraphs = false };
        // ElemNet's Adam α; the rate does not change the step's cost.
        void Train() => step.Step(features.View, targets.View, batch, lossSum.View, learningRate: 1e-4f);
        void Infer() => model.Forward(features.View, batch, ForwardContext.Inference);

        var counter = backend as IlgpuBackend;
        var before = counter?.LaunchCount ?? 0;
        Train();
        var launches = (counter?.LaunchCount ?? 0) - before;
        var repeats = Math.Max(20, 20_000 / batch);
        var train = Time(backend, Train, repeats);
        var infer = Time(backend, Infer, repeats);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"gemm={engine.ToName(),-6} batch={batch,5} train eager {train,8:F3} ms/step {batch / train * 1000,10:F0} samples/s  launches/step={launches} (17 dense, 4 dropout)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"gemm={engine.ToName(),-6} batch={batch,5} infer       {infer,8:F3} ms/step {batch / infer * 1000,10:F0} samples/s"));
        Summary.Add(($"ElemNet train, batch {batch}", $"{engine.ToName()} eager", SamplesPerSecond(batch, train)));
        if (graphs && counter is { CanCaptureSteps: true })
        {
            step.UseGraphs = true;
            var graphLaunches = counter.GraphLaunches;
            var graphed = Time(backend, Train, repeats);
            var ran = counter.GraphLaunches > graphLaunches ? "" : $" (ran eagerly: {step.GraphsOffReason})";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"gemm={engine.ToName(),-6} batch={batch,5} train graph {graphed,8:F3} ms/step {batch / graphed * 1000,10:F0} samples/s{ran}"));
            Summary.Add(($"ElemNet train, batch {batch}", $"{engine.ToName()} graph", SamplesPerSecond(batch, graphed) + ran));
        }
        else if (counter is { } ilgpu && graphs)
        {
            Summary.Add(($"ElemNet train, batch {batch}", $"{engine.ToName()} graph", $"n/a: {ilgpu.StepGraphsUnavailableReason}"));
        }
        Summary.Add(($"ElemNet inference, batch {batch}", engine.ToName(), SamplesPerSecond(batch, infer)));
    }

    private static string SamplesPerSecond(int batch, double milliseconds) =>
        string.Create(CultureInfo.InvariantCulture, $"{batch / milliseconds * 1000:F0} samples/s ({milliseconds:F3} ms/step)");

    /// <summary>Median over 5 runs of the mean time of <paramref name="repeats"/> back-to-back calls, synchronised once per run.</summary>
    private static double Time(IComputeBackend backend, Action action, int repeats)
    {
        for (var i = 0; i < Math.Min(repeats, 5); i++)
        {
            action();
        }
        backend.Synchronize();
        var times = new double[5];
        for (var r = 0; r < times.Length; r++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < repeats; i++)
            {
                action();
            }
            backend.Synchronize();
            times[r] = clock.Elapsed.TotalMilliseconds / repeats;
        }
        Array.Sort(times);
        return times[times.Length / 2];
    }
}
