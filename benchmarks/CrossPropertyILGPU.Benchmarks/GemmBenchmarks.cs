using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;

namespace CrossPropertyILGPU.Benchmarks;

/// <summary>
/// The three dense products of a training step as SGEMMs at ElemNet's shapes: forward
/// y[M,N] = x·w + b, input gradient dx[M,K] = dy·wᵀ, weight gradient dw[K,N] = xᵀ·dy, for batch
/// M = 32, 256, 1024 and the layer shapes K×N = 1024×1024 (the four widest layers), 512×512,
/// 256×256 and 86×1024 (the first layer). 2·M·K·N flops each; the GFLOP/s column divides that by
/// the mean. Each product runs on the scalar reference backend (the baseline of its category, so
/// the Ratio column is the speed-up) and on the managed SIMD backend (<c>cpu</c>). The reference
/// needs seconds per op at M = 1024, so a full run takes a while; <c>gemm</c> mode prints the
/// <c>cpu</c> figures alone in seconds.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class GemmBenchmarks
{
    private readonly List<DeviceBuffer> _buffers = [];
    private Operands _cpu = null!;
    private Operands _reference = null!;

    /// <summary>Batch M.</summary>
    [Params(32, 256, 1024)]
    public int M { get; set; }

    /// <summary>The layer, in-features × out-features.</summary>
    [Params("1024x1024", "512x512", "256x256", "86x1024")]
    public string Layer { get; set; } = "1024x1024";

    /// <summary>Creates both backends and the same random operands on each.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var (k, n) = Shape(Layer);
        _cpu = new Operands(BackendFactory.Create(DeviceKind.Cpu), M, k, n, _buffers);
        _reference = new Operands(new ReferenceBackend(), M, k, n, _buffers);
    }

    /// <summary>y = x·w + b, scalar reference.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Forward")]
    public void ForwardReference() => _reference.Forward();

    /// <summary>y = x·w + b.</summary>
    [Benchmark]
    [BenchmarkCategory("Forward")]
    public void Forward() => _cpu.Forward();

    /// <summary>dx = dy·wᵀ, scalar reference.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("InputGradient")]
    public void InputGradientReference() => _reference.InputGradient();

    /// <summary>dx = dy·wᵀ.</summary>
    [Benchmark]
    [BenchmarkCategory("InputGradient")]
    public void InputGradient() => _cpu.InputGradient();

    /// <summary>dw = xᵀ·dy, scalar reference.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("WeightGradient")]
    public void WeightGradientReference() => _reference.WeightGradient();

    /// <summary>dw = xᵀ·dy.</summary>
    [Benchmark]
    [BenchmarkCategory("WeightGradient")]
    public void WeightGradient() => _cpu.WeightGradient();

    /// <summary>Releases buffers and backends.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var buffer in _buffers)
        {
            buffer.Dispose();
        }
        _buffers.Clear();
        _cpu.Backend.Dispose();
        _reference.Backend.Dispose();
    }

    /// <summary>K and N of a layer spelled <c>KxN</c>.</summary>
    internal static (int K, int N) Shape(string layer)
    {
        var x = layer.IndexOf('x', StringComparison.Ordinal);
        return (int.Parse(layer.AsSpan(0, x), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(layer.AsSpan(x + 1), System.Globalization.CultureInfo.InvariantCulture));
    }

    private static double Flops(BenchmarkCase c)
    {
        var (k, n) = Shape((string)c.Parameters["Layer"]);
        return 2.0 * ThroughputColumn.Parameter(c, "M") * k * n;
    }

    /// <summary>One backend's operands for the three products.</summary>
    internal sealed class Operands
    {
        private readonly int _m, _k, _n;
        private readonly BufferView _x, _w, _b, _y, _dy, _dx, _dw;

        public Operands(IComputeBackend backend, int m, int k, int n, List<DeviceBuffer> buffers)
        {
            Backend = backend;
            (_m, _k, _n) = (m, k, n);
            var random = new Random(7);
            BufferView Make(int length)
            {
                var buffer = backend.Allocate(length);
                buffers.Add(buffer);
                backend.Upload(buffer.View, [.. Enumerable.Range(0, length).Select(_ => (2f * random.NextSingle()) - 1f)]);
                return buffer.View;
            }
            (_x, _w, _b, _y) = (Make(m * k), Make(k * n), Make(n), Make(m * n));
            (_dy, _dx, _dw) = (Make(m * n), Make(m * k), Make(k * n));
        }

        public IComputeBackend Backend { get; }

        public void Forward()
        {
            Backend.DenseForward(_x, _w, _b, _y, _m, _k, _n, relu: false);
            Backend.Synchronize();
        }

        public void InputGradient()
        {
            Backend.DenseBackwardInput(_dy, _w, _dx, _m, _k, _n, accumulate: false);
            Backend.Synchronize();
        }

        public void WeightGradient()
        {
            Backend.DenseBackwardWeight(_x, _dy, _dw, _m, _k, _n, accumulate: false);
            Backend.Synchronize();
        }
    }

    private sealed class Config : ThroughputConfig
    {
        public Config()
            : base(ThroughputColumn.Gflops(Flops))
        {
            // Few iterations of a few ops: the reference takes seconds per op at M = 1024.
            AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(10).WithInvocationCount(4).WithUnrollFactor(1));
            AddLogicalGroupRules(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory, BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByParams);
        }
    }
}
