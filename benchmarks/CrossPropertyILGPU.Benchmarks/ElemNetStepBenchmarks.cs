using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network;
using CrossPropertyILGPU.Network.Layers;
using CrossPropertyILGPU.Network.Spec;
using CrossPropertyILGPU.Network.Training;

namespace CrossPropertyILGPU.Benchmarks;

/// <summary>
/// One ElemNet training step (forward with dropout, MAE loss, backward, Adam over all 4,631,361
/// parameters) and one inference pass, at batch 32, 256 and 1024 on elemental-fraction inputs —
/// the units the PyTorch peer's <c>bench</c> reports. ElemNet costs 9.25 MFLOP per sample forward
/// and ~27.7 MFLOP per sample per training step; the samples/s and GFLOP/s columns are derived
/// from the mean. The same step on the scalar reference backend is each category's baseline (the
/// Ratio column is the speed-up over it); it needs ~1 s per sample-batch of 32, so a full run of
/// this suite takes a quarter of an hour — <c>steps</c> mode gives the device figures in a minute.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class ElemNetStepBenchmarks
{
    private const double TrainFlopsPerSample = 27.7e6;
    private const double InferFlopsPerSample = 9.25e6;

    private StepRig _rig = null!;
    private StepRig? _reference;

    /// <summary>The backend the model runs on (after <see cref="Setup"/>).</summary>
    public IComputeBackend Backend => _rig.Backend;

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

    /// <summary>Builds ElemNet and one batch of random fractions on the device (and the reference, for the baseline).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var gemm = GemmEngines.TryParse(Gemm, out var parsed) ? parsed : throw new ArgumentException($"Unknown GEMM '{Gemm}'.");
        _rig = new StepRig(BackendFactory.Create(DeviceKinds.Parse(Device), gemm: gemm), Batch);
        Console.WriteLine($"// {Device}: {_rig.Backend.Device}");
    }

    /// <summary>Forward (training mode), loss, backward, Adam.</summary>
    [Benchmark]
    [BenchmarkCategory("Train")]
    public void TrainStep() => _rig.TrainStep();

    /// <summary>The same training step on the scalar reference backend: the baseline.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Train")]
    public void TrainStepReference() => Reference().TrainStep();

    /// <summary>Forward in inference mode.</summary>
    [Benchmark]
    [BenchmarkCategory("Inference")]
    public void Inference() => _rig.Inference();

    /// <summary>The same inference pass on the scalar reference backend: the baseline.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Inference")]
    public void InferenceReference() => Reference().Inference();

    /// <summary>The first phase of <see cref="TrainStep"/>: forward with dropout and the loss (for the step breakdown).</summary>
    public void ForwardAndLoss() => _rig.ForwardAndLoss();

    /// <summary>The second phase: the backward pass over the tape.</summary>
    public void Backward() => _rig.Backward();

    /// <summary>The third phase: one Adam step over every parameter.</summary>
    public void AdamUpdate() => _rig.AdamUpdate();

    /// <summary>Releases the models, buffers and backends.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _rig.Dispose();
        _reference?.Dispose();
    }

    // Built on first use, so the device-only callers (steps mode) never pay for it.
    private StepRig Reference() => _reference ??= new StepRig(new ReferenceBackend(), Batch);

    private static double Samples(BenchmarkCase c) => ThroughputColumn.Parameter(c, "Batch");

    private static double Flops(BenchmarkCase c) =>
        Samples(c) * (c.Descriptor.Categories.Contains("Train") ? TrainFlopsPerSample : InferFlopsPerSample);

    private sealed class Config : ThroughputConfig
    {
        public Config()
            : base(ThroughputColumn.SamplesPerSecond(Samples), ThroughputColumn.Gflops(Flops))
        {
            // One step per iteration, few iterations: the reference needs up to a minute a step.
            AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithWarmupCount(2).WithIterationCount(10));
            AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams);
        }
    }

    /// <summary>ElemNet, one batch of inputs and targets and its <see cref="TrainingStep"/> on one backend.</summary>
    private sealed class StepRig : IDisposable
    {
        // ElemNet's Adam α; the rate does not change the step's cost.
        private const float LearningRate = 1e-4f;
        private readonly int _batch;
        private readonly Sequential _model;
        private readonly DeviceBuffer _features;
        private readonly DeviceBuffer _targets;
        private readonly DeviceBuffer _lossSum;
        private readonly TrainingStep _step;

        public StepRig(IComputeBackend backend, int batch)
        {
            (Backend, _batch) = (backend, batch);
            var layers = ElemNetLayers.Build(ElemNetSpec.Parse(ElemNetSpec.Default), ElemNetSpec.DefaultKeepProbabilities);
            _model = new Sequential(backend, 86, layers, batch);
            _model.InitializeGlorotUniform(1);
            var random = new Random(2);
            _features = backend.Allocate(batch * 86);
            backend.Upload(_features.View, [.. Enumerable.Range(0, batch * 86).Select(_ => random.NextSingle() / 10f)]);
            _targets = backend.Allocate(batch);
            backend.Upload(_targets.View, [.. Enumerable.Range(0, batch).Select(_ => random.NextSingle())]);
            _lossSum = backend.Allocate(1);
            _step = new TrainingStep(_model, LossKind.Mae);
        }

        public IComputeBackend Backend { get; }

        // The step's three phases, each synchronised so the breakdown can time them apart.
        public void TrainStep()
        {
            ForwardAndLoss();
            Backward();
            AdamUpdate();
        }

        public void ForwardAndLoss()
        {
            _step.Forward(_features.View, _targets.View, _batch, _lossSum.View);
            Backend.Synchronize();
        }

        public void Backward()
        {
            _step.Backward();
            Backend.Synchronize();
        }

        public void AdamUpdate()
        {
            _step.Update(LearningRate);
            Backend.Synchronize();
        }

        public void Inference()
        {
            _model.Forward(_features.View, _batch, ForwardContext.Inference);
            Backend.Synchronize();
        }

        public void Dispose()
        {
            _features.Dispose();
            _targets.Dispose();
            _lossSum.Dispose();
            _model.Dispose();
            Backend.Dispose();
        }
    }
}
