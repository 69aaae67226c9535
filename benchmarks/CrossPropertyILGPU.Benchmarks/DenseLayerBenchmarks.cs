using BenchmarkDotNet.Attributes;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;

namespace CrossPropertyILGPU.Benchmarks;

/// <summary>
/// One dense layer at ElemNet's widest shape (1024 → 1024) at batch 32: forward with fused bias and
/// ReLU, then the three backward products and the ReLU mask — the work of one hidden layer in one
/// training step, 6·M·K·N ≈ 201 MFLOP (GFLOP/s = 0.201 / mean in seconds). Backends run: the
/// scalar reference (<c>reference</c>, the oracle, as the baseline), the managed SIMD backend
/// (<c>cpu</c>), ILGPU's CPU accelerator, and CUDA or OpenCL only where such a device exists —
/// absent devices are left out, not failed.
/// </summary>
[MemoryDiagnoser]
public class DenseLayerBenchmarks
{
    private IComputeBackend? _backend;
    private readonly List<DeviceBuffer> _buffers = [];
    private BufferView _x, _w, _b, _y, _dy, _dx, _dw, _db;

    /// <summary>Batch size M.</summary>
    [Params(32)]
    public int Batch { get; set; }

    /// <summary>In-features K = out-features N.</summary>
    [Params(1024)]
    public int Width { get; set; }

    /// <summary>The backend, as <c>--device</c> spells it, or <see cref="Reference"/>.</summary>
    [ParamsSource(nameof(AvailableDevices))]
    public string Device { get; set; } = "cpu";

    /// <summary>
    /// Not a device kind: the scalar reference backend, which <c>cpu</c> no longer creates, kept in the
    /// table as the baseline the other backends' speed-ups are read against.
    /// </summary>
    public const string Reference = "reference";

    /// <summary>The scalar reference, then every backend kind this machine can create.</summary>
    public static IEnumerable<string> AvailableDevices() =>
        BackendFactory.Discover().Select(d => d.Kind.ToName()).Distinct().Prepend(Reference);

    /// <summary>Creates the backend and buffers (kernels compile here, outside the measurement).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _backend = Device == Reference ? new ReferenceBackend() : BackendFactory.Create(DeviceKinds.Parse(Device));
        Console.WriteLine($"// {Device}: {_backend.Device}");
        var random = new Random(42);
        BufferView Make(int n)
        {
            var buffer = _backend.Allocate(n);
            _buffers.Add(buffer);
            _backend.Upload(buffer.View, Enumerable.Range(0, n).Select(_ => 2f * random.NextSingle() - 1f).ToArray());
            return buffer.View;
        }
        (_x, _w, _b) = (Make(Batch * Width), Make(Width * Width), Make(Width));
        (_y, _dy, _dx) = (Make(Batch * Width), Make(Batch * Width), Make(Batch * Width));
        (_dw, _db) = (Make(Width * Width), Make(Width));
    }

    /// <summary>Forward, ReLU mask, and the input, weight and bias gradients.</summary>
    [Benchmark]
    public void ForwardBackward()
    {
        var backend = _backend!;
        backend.DenseForward(_x, _w, _b, _y, Batch, Width, Width, relu: true);
        backend.ReluBackward(_y, _dy, _dy, accumulate: false);
        backend.DenseBackwardInput(_dy, _w, _dx, Batch, Width, Width, accumulate: false);
        backend.DenseBackwardWeight(_x, _dy, _dw, Batch, Width, Width, accumulate: false);
        backend.DenseBackwardBias(_dy, _db, Batch, Width, accumulate: false);
        backend.Synchronize();
    }

    /// <summary>Releases buffers and the backend.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var buffer in _buffers)
        {
            buffer.Dispose();
        }
        _buffers.Clear();
        _backend?.Dispose();
    }
}
