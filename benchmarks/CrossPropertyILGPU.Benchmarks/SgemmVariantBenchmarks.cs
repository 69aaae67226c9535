using System.Diagnostics;
using System.Globalization;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Kernels.Ops;
using CrossPropertyILGPU.Network.Spec;

namespace CrossPropertyILGPU.Benchmarks;

/// <summary>
/// <c>sgemm</c> verb: every custom SGEMM variant, the backend's own choice per product ("auto") and
/// cuBLAS, on the three dense products at 4096×1024×1024 and at ElemNet's layer shapes for each
/// batch, in one table of TFLOP/s and % of cuBLAS (llm.c's <c>dev/cuda</c> style: one kernel
/// family, every version side by side). Each product is timed as the backend runs it: the custom
/// kernels fuse bias and ReLU mask into the GEMM, the cuBLAS forward and parameter gradient add a
/// launch of their own. FLOPs are 2·M·K·N. Without a CUDA device it prints why and exits 0; without
/// cuBLAS the percentages are "n/a". <c>--write-cache</c> saves the fastest variant (with the tile
/// it ran) per product and shape to the device's <see cref="GemmTuningCache"/> file, which CUDA
/// backends then prefer to the preference table.
/// </summary>
internal static class SgemmVariantBenchmarks
{
    private const string CuBlasColumn = "cublas";
    private const string AutoColumn = "auto";

    public static int Run(string[] args)
    {
        if (!BackendFactory.Discover().Any(d => d.Kind == DeviceKind.Cuda))
        {
            Console.WriteLine("sgemm benchmark: skipped: no CUDA device.");
            return 0;
        }
        var batches = StepTimer.Values(args, "--batches", [32, 256, 1024]);
        var shapes = Shapes(batches);
        var columns = new List<string> { CuBlasColumn, AutoColumn };
        columns.AddRange(GemmVariants.All.Select(v => v.ToName()));
        var ms = new Dictionary<(string Column, int Row), double>();
        var chosen = new Dictionary<int, string>();
        var tiles = new Dictionary<(string Column, int Row), GemmTileSize>();
        string? device = null;
        string? deviceKey = null;

        foreach (var column in columns)
        {
            IComputeBackend backend;
            try
            {
                backend = column switch
                {
                    CuBlasColumn => BackendFactory.Create(DeviceKind.Cuda, gemm: GemmEngine.CuBlas),
                    AutoColumn => BackendFactory.Create(DeviceKind.Cuda),
                    _ => BackendFactory.CreateGpu(DeviceKind.Cuda, GemmVariants.TryParse(column, out var v) ? v : throw new InvalidOperationException(column)),
                };
            }
            catch (DeviceUnavailableException unavailable)
            {
                // cuBLAS missing: its column and the percentages read n/a.
                Console.WriteLine($"sgemm benchmark, {column}: skipped: {unavailable.Message}");
                continue;
            }
            using (backend)
            {
                device ??= backend.Device.ToString();
                for (var row = 0; row < shapes.Count; row++)
                {
                    ms[(column, row)] = Time(backend, shapes[row]);
                    if (column != CuBlasColumn && backend is IlgpuBackend ilgpu)
                    {
                        deviceKey ??= GemmTuningCache.DeviceKey(ilgpu.Accelerator);
                        var (product, m, k, n) = shapes[row];
                        var configuration = ilgpu.GemmFor(product, m, k, n);
                        tiles[(column, row)] = configuration.Size;
                        if (column == AutoColumn)
                        {
                            chosen[row] = configuration.ToString();
                        }
                    }
                }
            }
        }

        Console.WriteLine($"# device: {device}");
        Console.WriteLine("# TFLOP/s (% of cuBLAS); M = batch, K = in, N = out features; auto = the backend's per-product choice");
        var header = string.Create(CultureInfo.InvariantCulture, $"{"product",-10} {"M×K×N",-16}");
        foreach (var column in columns)
        {
            header += $" {column,18}";
        }
        Console.WriteLine(header + "  auto runs");
        for (var row = 0; row < shapes.Count; row++)
        {
            var (product, m, k, n) = shapes[row];
            var flops = 2.0 * m * k * n;
            var line = string.Create(CultureInfo.InvariantCulture, $"{Name(product),-10} {$"{m}×{k}×{n}",-16}");
            var cublas = ms.TryGetValue((CuBlasColumn, row), out var c) ? c : double.NaN;
            foreach (var column in columns)
            {
                var cell = "n/a";
                if (ms.TryGetValue((column, row), out var t))
                {
                    var tflops = flops / t / 1e9;
                    cell = column == CuBlasColumn || double.IsNaN(cublas)
                        ? string.Create(CultureInfo.InvariantCulture, $"{tflops:F2}")
                        : string.Create(CultureInfo.InvariantCulture, $"{tflops:F2} ({100 * cublas / t:F0}%)");
                }
                line += $" {cell,18}";
            }
            Console.WriteLine(line + "  " + chosen.GetValueOrDefault(row, ""));
        }
        if (args.Contains("--write-cache") && deviceKey is not null)
        {
            var entries = new List<GemmTuning>();
            for (var row = 0; row < shapes.Count; row++)
            {
                var best = GemmVariants.All
                    .Where(v => ms.ContainsKey((v.ToName(), row)))
                    .OrderBy(v => ms[(v.ToName(), row)])
                    .Select(v => (GemmVariant?)v)
                    .FirstOrDefault();
                if (best is { } variant)
                {
                    var (product, m, k, n) = shapes[row];
                    entries.Add(new GemmTuning(product, m, k, n, tiles[(variant.ToName(), row)], variant));
                }
            }
            var path = GemmTuningCache.PathFor(GemmTuningCache.DefaultDirectory, deviceKey);
            GemmTuningCache.Save(path, deviceKey, entries);
            Console.WriteLine($"# wrote {entries.Count} tuned choices for '{deviceKey}' to {path}");
        }
        return 0;
    }

    private static string Name(GemmProduct product) => product switch
    {
        GemmProduct.Forward => "forward",
        GemmProduct.InputGradient => "input",
        _ => "params",
    };

    // The issue's 4096×1024×1024, then every distinct ElemNet layer (in → out) at every batch.
    private static List<(GemmProduct Product, int M, int K, int N)> Shapes(IReadOnlyList<int> batches)
    {
        var shapes = new List<(GemmProduct, int, int, int)>();
        foreach (var product in Enum.GetValues<GemmProduct>())
        {
            shapes.Add((product, 4096, 1024, 1024));
        }
        var spec = ElemNetSpec.Parse(ElemNetSpec.Default);
        var layers = new List<(int In, int Out)>();
        var inputs = 86;
        foreach (var group in spec.Groups)
        {
            for (var i = 0; i < group.Count; i++)
            {
                layers.Add((inputs, group.Units));
                inputs = group.Units;
            }
        }
        layers.Add((inputs, spec.OutputUnits));
        foreach (var batch in batches)
        {
            foreach (var (inFeatures, outFeatures) in layers.Distinct())
            {
                foreach (var product in Enum.GetValues<GemmProduct>())
                {
                    shapes.Add((product, batch, inFeatures, outFeatures));
                }
            }
        }
        return shapes;
    }

    /// <summary>Median over 5 runs of the mean time (ms) of back-to-back calls, ~20 ms per run, synchronised once per run.</summary>
    private static double Time(IComputeBackend backend, (GemmProduct Product, int M, int K, int N) shape)
    {
        var (product, m, k, n) = shape;
        var random = new Random(5);
        var buffers = new List<DeviceBuffer>();
        BufferView Random(int length)
        {
            var buffer = backend.Allocate(length);
            buffers.Add(buffer);
            backend.Upload(buffer.View, Enumerable.Range(0, length).Select(_ => random.NextSingle() - 0.5f).ToArray());
            return buffer.View;
        }
        try
        {
            Action op = product switch
            {
                GemmProduct.Forward => Forward(backend, Random(m * k), Random(k * n), Random(n), Random(m * n), m, k, n),
                GemmProduct.InputGradient => Input(backend, Random(m * n), Random(k * n), Random(m * k), m, k, n),
                _ => Parameters(backend, Random(m * k), Random(m * n), Random(k * n), Random(n), m, k, n),
            };
            for (var i = 0; i < 3; i++)
            {
                op();
            }
            backend.Synchronize();
            var clock = Stopwatch.StartNew();
            var calibration = 0;
            while (clock.Elapsed.TotalMilliseconds < 5 && calibration < 10_000)
            {
                op();
                calibration++;
                if (calibration % 8 == 0)
                {
                    backend.Synchronize();
                }
            }
            backend.Synchronize();
            var repeats = Math.Max(3, (int)(calibration * 20 / Math.Max(clock.Elapsed.TotalMilliseconds, 1e-3)));
            var times = new double[5];
            for (var r = 0; r < times.Length; r++)
            {
                var run = Stopwatch.StartNew();
                for (var i = 0; i < repeats; i++)
                {
                    op();
                }
                backend.Synchronize();
                times[r] = run.Elapsed.TotalMilliseconds / repeats;
            }
            Array.Sort(times);
            return times[times.Length / 2];
        }
        finally
        {
            buffers.ForEach(buffer => buffer.Dispose());
        }
    }

    private static Action Forward(IComputeBackend backend, BufferView x, BufferView w, BufferView b, BufferView y, int m, int k, int n) =>
        () => backend.DenseForward(x, w, b, y, m, k, n, relu: false);

    private static Action Input(IComputeBackend backend, BufferView dy, BufferView w, BufferView dx, int m, int k, int n) =>
        () => backend.DenseBackwardInput(dy, w, dx, m, k, n, accumulate: false);

    private static Action Parameters(IComputeBackend backend, BufferView x, BufferView dy, BufferView dw, BufferView db, int m, int k, int n) =>
        () => backend.DenseBackwardParameters(x, dy, dw, db, m, k, n, accumulateWeight: false, accumulateBias: false);
}
