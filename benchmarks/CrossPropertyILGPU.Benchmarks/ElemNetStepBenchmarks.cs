using BenchmarkDotNet.Attributes;
using CrossPropertyILGPU.Autograd;
using CrossPropertyILGPU.Autograd.Ops;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network;
using CrossPropertyILGPU.Network.Layers;
using CrossPropertyILGPU.Network.Spec;

namespace CrossPropertyILGPU.Benchmarks;

/// <summary>
/// One ElemNet training step (forward with dropout, MAE loss, backward, Adam over all 4,631,361
/// parameters) and one inference pass, at batch 32, 256 and 1024 on elemental-fraction inputs —
/// the units the PyTorch peer's <c>bench</c> reports. ElemNet costs 9.25 MFLOP per sample forward
/// and ~27.7 MFLOP per sample per training step, so samples/s = batch / mean and
/// GFLOP/s = batch × 27.7e-3 / mean[ms] for training (× 9.25e-3 for inference).
/// </summary>
[MemoryDiagnoser]
public class ElemNetStepBenchmarks
{
    private IComputeBackend _backend = null!;
    private Sequential _model = null!;
    private DeviceBuffer _features = null!;
    private DeviceBuffer _targets = null!;
    private DeviceBuffer _lossSum = null!;
    private Tape _tape = null!;
    private LossOp _loss = null!;
    private long _step;

    /// <summary>The backend the model runs on (after <see cref="Setup"/>).</summary>
    public IComputeBackend Backend => _backend;

    /// <summary>Samples per step.</summary>
    [Params(32, 256, 1024)]
    public int Batch { get; set; }

    /// <summary>The backend, as <c>--device</c> spells it.</summary>
    [ParamsSource(nameof(Devices))]
    public string Device { get; set; } = "cpu";

    /// <summary>The dense GEMM on ILGPU devices, as <c>--gemm</c> spells it (cublas needs CUDA).</summary>
    public string Gemm { get; set; } = "custom";

    /// <summary>The managed CPU backend, and CUDA/OpenCL where present (ILGPU's CPU accelerator is far too slow here).</summary>
    public static IEnumerable<string> Devices() =>
        BackendFactory.Discover().Where(d => d.Kind is DeviceKind.Cpu or DeviceKind.Cuda or DeviceKind.OpenCL).Select(d => d.Kind.ToName()).Distinct();

    /// <summary>Builds ElemNet and one batch of random fractions.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _backend = BackendFactory.Create(DeviceKinds.Parse(Device), gemm: GemmEngines.TryParse(Gemm, out var gemm) ? gemm : throw new ArgumentException($"Unknown GEMM '{Gemm}'."));
        Console.WriteLine($"// {Device}: {_backend.Device}");
        var layers = ElemNetLayers.Build(ElemNetSpec.Parse(ElemNetSpec.Default), ElemNetSpec.DefaultKeepProbabilities);
        _model = new Sequential(_backend, 86, layers, Batch);
        _model.InitializeGlorotUniform(1);
        var random = new Random(2);
        _features = _backend.Allocate(Batch * 86);
        _backend.Upload(_features.View, Enumerable.Range(0, Batch * 86).Select(_ => random.NextSingle() / 10f).ToArray());
        _targets = _backend.Allocate(Batch);
        _backend.Upload(_targets.View, Enumerable.Range(0, Batch).Select(_ => random.NextSingle()).ToArray());
        _lossSum = _backend.Allocate(1);
        _tape = new Tape(_backend, 32);
        _loss = new LossOp(LossKind.Mae);
    }

    /// <summary>Forward (training mode), loss, backward, Adam.</summary>
    [Benchmark]
    public void TrainStep()
    {
        ForwardAndLoss();
        Backward();
        AdamUpdate();
    }

    /// <summary>The first phase of <see cref="TrainStep"/>: forward with dropout and the loss (for the step breakdown).</summary>
    public void ForwardAndLoss()
    {
        _step++;
        var prediction = _model.Forward(_features.View, Batch, new ForwardContext(_tape, true, (ulong)_step));
        _loss.Forward(_backend, prediction, _targets.View, _lossSum.View, _tape);
        _backend.Synchronize();
    }

    /// <summary>The second phase: the backward pass over the tape.</summary>
    public void Backward()
    {
        _tape.Backward();
        _backend.Synchronize();
    }

    /// <summary>The third phase: one Adam step over every parameter.</summary>
    public void AdamUpdate()
    {
        var parameters = _model.Parameters;
        _backend.Adam(parameters.Values.View, parameters.Gradients.View, parameters.FirstMoment.View, parameters.SecondMoment.View,
            0, parameters.Count, new AdamStep(_step));
        _tape.Reset();
        _backend.Synchronize();
    }

    /// <summary>Forward in inference mode.</summary>
    [Benchmark]
    public void Inference()
    {
        _model.Forward(_features.View, Batch, ForwardContext.Inference);
        _backend.Synchronize();
    }

    /// <summary>Releases the model and buffers.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _features.Dispose();
        _targets.Dispose();
        _lossSum.Dispose();
        _model.Dispose();
        _backend.Dispose();
    }
}
