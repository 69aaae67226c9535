using System.Reflection;
using System.Runtime.CompilerServices;
using CrossPropertyILGPU.Kernels.Backends.Cuda;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Kernels.Ops;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace CrossPropertyILGPU.Kernels.Backends;

/// <summary>
/// How the ILGPU backend launches its kernels on one accelerator.
/// </summary>
/// <param name="MaxThreads">Most threads one grid-stride launch uses; work beyond that loops inside a thread.</param>
/// <param name="GroupSize">Threads per group for the implicitly grouped (grid-stride) kernels.</param>
/// <param name="Blocked">Contiguous chunks per thread (CPU accelerator) instead of interleaved (GPU).</param>
public sealed record IlgpuLaunchOptions(int MaxThreads, int GroupSize, bool Blocked)
{
    /// <summary>
    /// The GEMM block tiles compiled for the dense products, largest first; each product uses the
    /// largest whose grid has at least one group per multiprocessor (else the last). Null: the
    /// accelerator's default (<see cref="DefaultGemmTiles"/>).
    /// </summary>
    public IReadOnlyList<GemmTileSize>? GemmTiles { get; init; }

    /// <summary>
    /// The SGEMM variants each tile is compiled in; every product picks one of them (a tuned entry
    /// from <see cref="GemmTuningCache"/>, else <see cref="GemmSelection"/>'s table). One entry
    /// forces that variant (benchmarks, tests). Null: the accelerator's default
    /// (<see cref="DefaultGemmVariants"/>).
    /// </summary>
    public IReadOnlyList<GemmVariant>? GemmVariants { get; init; }

    /// <summary>
    /// The folder of per-device tuning files (<see cref="GemmTuningCache"/>) whose measured choices
    /// override the preference table; null: none is read. GPU backends from
    /// <c>BackendFactory</c> use <see cref="GemmTuningCache.DefaultDirectory"/>.
    /// </summary>
    public string? GemmTuningDirectory { get; init; }

    /// <summary>The dense products' GEMM: the custom tiled kernels or cuBLAS (CUDA only).</summary>
    public GemmEngine Gemm { get; init; } = GemmEngine.Custom;

    /// <summary>
    /// Whether a training step may be captured as a CUDA graph and replayed (<see cref="StepGraphMode"/>):
    /// on by default on CUDA, off elsewhere. A capture that is unavailable or fails falls back to
    /// eager launches.
    /// </summary>
    public StepGraphMode Graphs { get; init; } = StepGraphMode.Cuda;

    /// <summary>
    /// GPU: one thread per element up to a full device's worth of resident threads, groups of 256,
    /// interleaved. ILGPU's CPU accelerator: a couple of threads per simulated multiprocessor with
    /// group size 1 and contiguous chunks, because each simulated thread and group barrier is an OS
    /// hand-off (docs/ILGPU.md §3, §7).
    /// </summary>
    public static IlgpuLaunchOptions For(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (accelerator.AcceleratorType == AcceleratorType.CPU)
        {
            return new IlgpuLaunchOptions(Math.Max(1, 2 * accelerator.NumMultiprocessors), 1, true);
        }
        var resident = (long)accelerator.NumMultiprocessors * accelerator.MaxNumThreadsPerMultiprocessor;
        return new IlgpuLaunchOptions(
            (int)Math.Clamp(resident, 1, int.MaxValue),
            Math.Min(256, accelerator.MaxNumThreadsPerGroup),
            false);
    }

    /// <summary>
    /// GPUs: 128², 64² and 32² tiles of 256 threads. ILGPU's CPU accelerator: the one-thread 8×8
    /// tile, because there every simulated thread is an OS thread and every barrier a rendezvous.
    /// </summary>
    public static IReadOnlyList<GemmTileSize> DefaultGemmTiles(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        return accelerator.AcceleratorType == AcceleratorType.CPU
            ? [GemmTileSize.Tile8]
            : [GemmTileSize.Tile128, GemmTileSize.Tile64, GemmTileSize.Tile32];
    }

    /// <summary>
    /// GPUs: every variant, so each product can take its best. ILGPU's CPU accelerator: the blocked
    /// one only — with a one-thread tile there is nothing to overlap or vectorise, and each extra
    /// kernel costs compile time in every test run.
    /// </summary>
    public static IReadOnlyList<GemmVariant> DefaultGemmVariants(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        return accelerator.AcceleratorType == AcceleratorType.CPU ? [GemmVariant.Blocked] : Ops.GemmVariants.All;
    }
}

/// <summary>
/// The ILGPU backend: the kernels of <c>Ops/</c> on any ILGPU accelerator (CUDA, OpenCL, or ILGPU's
/// CPU accelerator for testing). Every kernel is compiled once, in the constructor, into a
/// launcher delegate kept for the backend's lifetime; ops only validate (in
/// <see cref="ComputeBackend"/>) and launch on <see cref="Stream"/> (the default stream, or on CUDA
/// with graphs a non-blocking one), without synchronising. On CUDA a training step can be captured
/// as a graph and replayed (<see cref="IStepGraphs"/>). Each op
/// is one launch (the fused dense ops included), counted by <see cref="LaunchCount"/>; with cuBLAS
/// the dense epilogues are launches of their own.
/// </summary>
public sealed class IlgpuBackend : ComputeBackend, IStepGraphs
{
    private readonly Context? _ownedContext;
    private readonly Accelerator _accelerator;
    private readonly bool _ownsAccelerator;
    private readonly List<MethodInfo> _loadedKernels = [];

    private readonly TiledDenseKernels[] _tiled;
    private readonly GemmTileConfiguration[] _tiledConfigurations;
    private readonly int _minGroupsPerProduct;
    // Per (product, M, K, N, vectorisable): the chosen kernels, so the choice (and its small
    // allocations) happens once per layer shape and never again in the training loop.
    private readonly Dictionary<(GemmProduct Product, int M, int K, int N, bool Vector), TiledDenseKernels> _choices = [];
    // Measured winners from the device's tuning file, preferred to the table where compiled.
    private readonly Dictionary<(GemmProduct Product, int M, int K, int N), GemmTileConfiguration> _tuned = [];
    private readonly CuBlasGemm? _cuBlas;
    // Every launcher takes the stream explicitly: ILGPU's "stream kernels" wrap it in a closure
    // reading accelerator.DefaultStream per launch, and a graph must be captured on our own stream.
    private readonly AcceleratorStream _stream;
    private readonly AcceleratorStream? _ownedStream;
    private readonly Action<AcceleratorStream, Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, int, int> _biasActivation;
    private readonly Action<AcceleratorStream, Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, int, int, int> _denseBackwardBias;
    private readonly Action<AcceleratorStream, Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _reluBackward;
    private readonly Action<AcceleratorStream, Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ulong, uint, float> _dropoutForward;
    private readonly Action<AcceleratorStream, Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ulong, uint, float, int> _dropoutBackward;
    private readonly Action<AcceleratorStream, Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float> _loss;
    private readonly Action<AcceleratorStream, Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, float> _adam;
    private readonly Action<AcceleratorStream, Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, float> _decay;
    private readonly Action<AcceleratorStream, Index1D, WorkSplit, ArrayView<float>, float> _fill;
    private readonly Action<AcceleratorStream, Index1D, WorkSplit, ArrayView<float>, ArrayView<float>> _copy;
    // The graph variants: per-step scalars read from _deviceScalars instead of kernel arguments.
    private readonly Action<AcceleratorStream, Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<uint>, int, uint, float> _dropoutForwardDevice;
    private readonly Action<AcceleratorStream, Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<uint>, int, uint, float, int> _dropoutBackwardDevice;
    private readonly Action<AcceleratorStream, Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<uint>, int, float, float, float> _adamDevice;
    private readonly Action<AcceleratorStream, Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<uint>, int> _decayDevice;
    private readonly StepGraphRecorder _graphs;

    /// <summary>
    /// Wraps an accelerator the caller owns (it is not disposed with the backend) and compiles every
    /// kernel for it.
    /// </summary>
    public IlgpuBackend(Accelerator accelerator, IlgpuLaunchOptions? launchOptions = null)
        : this(null, accelerator, ownsAccelerator: false, launchOptions)
    {
    }

    internal IlgpuBackend(Context? ownedContext, Accelerator accelerator, bool ownsAccelerator, IlgpuLaunchOptions? launchOptions)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        _ownedContext = ownedContext;
        _accelerator = accelerator;
        _ownsAccelerator = ownsAccelerator;
        LaunchOptions = launchOptions ?? IlgpuLaunchOptions.For(accelerator);
        ArgumentOutOfRangeException.ThrowIfLessThan(LaunchOptions.MaxThreads, 1);
        if (LaunchOptions.GroupSize < 1 || LaunchOptions.GroupSize > accelerator.MaxNumThreadsPerGroup)
        {
            throw new ArgumentOutOfRangeException(
                nameof(launchOptions), LaunchOptions.GroupSize,
                $"Group size must lie in [1, {accelerator.MaxNumThreadsPerGroup}] on {accelerator.Name}.");
        }
        Device = Describe(accelerator);
        // cuBLAS launches on its own handle's stream, which a capture on ours would not see: no graphs with it.
        var graphMode = accelerator.AcceleratorType == AcceleratorType.Cuda || LaunchOptions.Graphs == StepGraphMode.Emulated
            ? LaunchOptions.Graphs
            : StepGraphMode.Off;
        string? graphsOff = graphMode == StepGraphMode.Off
            ? (LaunchOptions.Graphs == StepGraphMode.Off ? "CUDA graphs are turned off" : $"CUDA graphs need a CUDA accelerator, not {accelerator.AcceleratorType}")
            : LaunchOptions.Gemm == GemmEngine.CuBlas ? "cuBLAS (--gemm cublas) launches on its own stream, which a capture cannot see"
            : graphMode == StepGraphMode.Cuda && !CudaDriver.IsAvailable ? CudaDriver.UnavailableReason
            : null;
        if (graphsOff is not null)
        {
            graphMode = StepGraphMode.Off;
        }
        // The legacy NULL stream cannot be captured; CreateStream gives a non-blocking one on CUDA.
        _ownedStream = graphMode == StepGraphMode.Cuda ? accelerator.CreateStream() : null;
        _stream = _ownedStream ?? accelerator.DefaultStream;
        // cuBLAS first: without CUDA it fails at once, before any kernel is compiled.
        if (LaunchOptions.Gemm == GemmEngine.CuBlas)
        {
            _cuBlas = CuBlasGemm.Create(accelerator);
        }

        _biasActivation = Load<WorkSplit, ArrayView<float>, ArrayView<float>, int, int>(DenseKernels.BiasActivation);
        _denseBackwardBias = Load<WorkSplit, ArrayView<float>, ArrayView<float>, int, int, int>(DenseKernels.BackwardBias);
        _reluBackward = Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ReluKernels.Backward);
        _dropoutForward = Load<WorkSplit, ArrayView<float>, ArrayView<float>, ulong, uint, float>(DropoutKernels.Forward);
        _dropoutBackward = Load<WorkSplit, ArrayView<float>, ArrayView<float>, ulong, uint, float, int>(DropoutKernels.Backward);
        _loss = Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(LossKernels.ValueAndGradient);
        _adam = Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, float>(AdamKernels.Update);
        _decay = Load<WorkSplit, ArrayView<float>, ArrayView<float>, float>(AdamKernels.DecayToward);
        _fill = Load<WorkSplit, ArrayView<float>, float>(FillCopyKernels.Fill);
        _copy = Load<WorkSplit, ArrayView<float>, ArrayView<float>>(FillCopyKernels.Copy);
        _dropoutForwardDevice = Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<uint>, int, uint, float>(DropoutKernels.ForwardDeviceKey);
        _dropoutBackwardDevice = Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<uint>, int, uint, float, int>(DropoutKernels.BackwardDeviceKey);
        _adamDevice = Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<uint>, int, float, float, float>(AdamKernels.UpdateDeviceStep);
        _decayDevice = Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<uint>, int>(AdamKernels.DecayTowardDeviceRate);
        _graphs = new StepGraphRecorder(accelerator, _stream, graphMode, graphsOff);

        var tiles = LaunchOptions.GemmTiles ?? IlgpuLaunchOptions.DefaultGemmTiles(accelerator);
        if (tiles.Count == 0)
        {
            throw new ArgumentException("At least one GEMM tile size is needed.", nameof(launchOptions));
        }
        var variants = LaunchOptions.GemmVariants ?? IlgpuLaunchOptions.DefaultGemmVariants(accelerator);
        foreach (var size in tiles)
        {
            if (!variants.Any(v => GemmTileConfiguration.Exists(size, v)))
            {
                throw new ArgumentException(
                    $"GEMM tile {size} has no {string.Join(" or ", variants.Select(v => v.ToName()))} variant.", nameof(launchOptions));
            }
        }
        _tiled = [.. tiles.SelectMany(size => variants
            .Where(variant => GemmTileConfiguration.Exists(size, variant))
            .Select(variant => LoadTiled(GemmTileConfiguration.For(size, variant))))];
        _tiledConfigurations = [.. _tiled.Select(t => t.Configuration)];
        if (LaunchOptions.GemmTuningDirectory is { } directory)
        {
            var key = GemmTuningCache.DeviceKey(accelerator);
            foreach (var tuning in GemmTuningCache.Load(GemmTuningCache.PathFor(directory, key), key, Console.Error))
            {
                _tuned[(tuning.Product, tuning.M, tuning.K, tuning.N)] = GemmTileConfiguration.For(tuning.Tile, tuning.Variant);
            }
        }
        // A product uses the largest tile whose grid still gives every multiprocessor a group.
        _minGroupsPerProduct = Math.Max(1, accelerator.NumMultiprocessors);
    }

    /// <inheritdoc />
    public override DeviceInfo Device { get; }

    /// <summary>How kernels are launched on this accelerator.</summary>
    public IlgpuLaunchOptions LaunchOptions { get; }

    /// <summary>The accelerator the kernels run on.</summary>
    public Accelerator Accelerator => _accelerator;

    /// <summary>Every kernel method compiled for this accelerator, in load order (tiled GEMMs as their generic instantiations).</summary>
    public IReadOnlyList<MethodInfo> LoadedKernels => _loadedKernels;

    /// <summary>The GEMM configurations compiled for the dense products: tiles largest first, each in its variants.</summary>
    public IReadOnlyList<GemmTileConfiguration> GemmTiles => _tiledConfigurations;

    /// <summary>
    /// Kernel launches (cuBLAS calls and the Fill/Copy kernels included) issued since the
    /// backend was created; host transfers (Upload, Download) and the zeroing of new buffers are not
    /// launches. A training step's count is the difference across it. A captured step counts its
    /// launches once, at capture; its replays are <see cref="GraphLaunches"/>.
    /// </summary>
    public long LaunchCount { get; private set; }

    /// <summary>
    /// Times the host waited for the device (<c>Download</c> and <c>Synchronize</c>) since the backend
    /// was created: a training step must add none (the loss is read back once per epoch).
    /// </summary>
    public long HostSynchronizations { get; private set; }

    /// <summary>
    /// The block tile a dense product with a C of <paramref name="rows"/> × <paramref name="columns"/>
    /// runs with, as its first compiled configuration (the variant is chosen per product: <see cref="GemmFor"/>).
    /// </summary>
    public GemmTileConfiguration TileFor(int rows, int columns) =>
        _tiledConfigurations[GemmTileConfiguration.Pick(_tiledConfigurations, rows, columns, _minGroupsPerProduct)];

    /// <summary>
    /// The configuration <paramref name="product"/> runs with for a batch of <paramref name="batch"/>,
    /// <paramref name="inFeatures"/> → <paramref name="outFeatures"/>, with operands at 16-byte
    /// aligned offsets (as whole buffers are).
    /// </summary>
    public GemmTileConfiguration GemmFor(GemmProduct product, int batch, int inFeatures, int outFeatures)
    {
        var launch = product switch
        {
            GemmProduct.Forward => Choose(product, batch, outFeatures, batch, inFeatures, outFeatures, 0, 0),
            GemmProduct.InputGradient => Choose(product, batch, inFeatures, batch, inFeatures, outFeatures, 0, 0),
            _ => Choose(product, inFeatures + 1, outFeatures, batch, inFeatures, outFeatures, 0, 0),
        };
        return launch.Configuration;
    }

    /// <summary>Describes an ILGPU accelerator as a <see cref="DeviceInfo"/>.</summary>
    public static DeviceInfo Describe(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        var kind = accelerator.AcceleratorType switch
        {
            AcceleratorType.Cuda => DeviceKind.Cuda,
            AcceleratorType.OpenCL => DeviceKind.OpenCL,
            _ => DeviceKind.IlgpuCpu,
        };
        var details = accelerator is CudaAccelerator cuda
            ? $"compute capability {cuda.Architecture}, driver {cuda.DriverVersion}"
            : accelerator.AcceleratorType.ToString();
        return new DeviceInfo(
            kind, accelerator.Name, 0, accelerator.MemorySize, accelerator.WarpSize,
            accelerator.MaxNumThreadsPerGroup, accelerator.NumMultiprocessors, details);
    }

    // ---- memory --------------------------------------------------------------------------------
    // Every transfer goes through _stream: on CUDA with graphs that is a non-blocking stream, which
    // the legacy default stream would not order against.

    /// <inheritdoc />
    protected override DeviceBuffer AllocateCore(int length)
    {
        var buffer = new IlgpuBuffer(this, length, _accelerator.Allocate1D<float>(Math.Max(1, length)));
        // ILGPU does not zero new memory; the interface promises zeros.
        buffer.Memory.View.MemSetToZero(_stream);
        return buffer;
    }

    /// <inheritdoc />
    protected override void UploadCore(BufferView destination, ReadOnlySpan<float> source)
    {
        if (source.Length > 0)
        {
            View(destination).CopyFromCPU(_stream, source);
        }
    }

    /// <inheritdoc />
    protected override void DownloadCore(BufferView source, Span<float> destination)
    {
        HostSynchronizations++;
        _accelerator.Synchronize();
        if (destination.Length > 0)
        {
            View(source).CopyToCPU(_stream, destination);
        }
    }

    /// <inheritdoc />
    protected override void SynchronizeCore()
    {
        HostSynchronizations++;
        _accelerator.Synchronize();
    }

    // ---- steps as CUDA graphs (IStepGraphs) -------------------------------------------------------

    /// <inheritdoc />
    public bool CanCaptureSteps => _graphs.Offered;

    /// <inheritdoc />
    public string? StepGraphsUnavailableReason => _graphs.UnavailableReason;

    /// <inheritdoc />
    public long GraphLaunches => _graphs.GraphLaunches;

    /// <summary>The stream every op and transfer goes to (the accelerator's default stream unless CUDA graphs are on).</summary>
    public AcceleratorStream Stream => _stream;

    /// <inheritdoc />
    public IDisposable? CaptureStep(Action record, out string? failure)
    {
        ThrowIfDisposed();
        return _graphs.Capture(record, out failure);
    }

    /// <inheritdoc />
    public bool ReplayStep(IDisposable graph, Action record)
    {
        ThrowIfDisposed();
        return _graphs.Replay(graph, record);
    }

    // ---- ops: validation has already run in ComputeBackend --------------------------------------
    // Each op first signs itself into a capture or replay (Sign returns true in a replay, where
    // nothing launches); per-step scalars go to device slots while capturing.

    /// <inheritdoc />
    protected override void DenseForwardCore(BufferView x, BufferView w, BufferView b, BufferView y, int batch, int inFeatures, int outFeatures, bool relu)
    {
        if (_graphs.Sign(1, x, w, b, y, Ints(batch, inFeatures, outFeatures, relu ? 1 : 0)))
        {
            return;
        }
        if (_cuBlas is not null)
        {
            Launched();
            _cuBlas.Forward(View(x), View(w), View(y), batch, inFeatures, outFeatures);
            var split = Split(y.Length);
            Launched();
            _biasActivation(_stream, split.Threads, split, View(b), View(y), outFeatures, relu ? 1 : 0);
            return;
        }
        var tiled = Choose(GemmProduct.Forward, batch, outFeatures, batch, inFeatures, outFeatures, x.Offset, w.Offset);
        Launched();
        tiled.Forward(_stream, tiled.Grid(batch, outFeatures), View(x), View(w), View(b), View(y), batch, inFeatures, outFeatures, relu ? 1 : 0,
            tiled.Vector);
    }

    /// <inheritdoc />
    protected override void DenseBackwardInputCore(BufferView dy, BufferView w, BufferView dx, int batch, int inFeatures, int outFeatures, bool accumulate)
    {
        if (_graphs.Sign(2, dy, w, dx, default, Ints(batch, inFeatures, outFeatures, accumulate ? 1 : 0)))
        {
            return;
        }
        if (_cuBlas is not null)
        {
            Launched();
            _cuBlas.BackwardInput(View(dy), View(w), View(dx), batch, inFeatures, outFeatures, accumulate);
            return;
        }
        // The mask argument is not read without useMask; dx stands in for it.
        var tiled = Choose(GemmProduct.InputGradient, batch, inFeatures, batch, inFeatures, outFeatures, dy.Offset, w.Offset);
        Launched();
        tiled.BackwardInput(_stream, tiled.Grid(batch, inFeatures), View(dy), View(w), View(dx), View(dx), batch, inFeatures, outFeatures, accumulate ? 1 : 0, 0,
            tiled.Vector);
    }

    /// <inheritdoc />
    protected override void DenseBackwardInputMaskedCore(BufferView dy, BufferView w, BufferView mask, BufferView dx, int batch, int inFeatures, int outFeatures, bool accumulate)
    {
        if (_cuBlas is not null)
        {
            // cuBLAS cannot fuse the mask: GEMM, then the ReLU backward in place.
            base.DenseBackwardInputMaskedCore(dy, w, mask, dx, batch, inFeatures, outFeatures, accumulate);
            return;
        }
        if (_graphs.Sign(3, dy, w, mask, dx, Ints(batch, inFeatures, outFeatures, accumulate ? 1 : 0)))
        {
            return;
        }
        var tiled = Choose(GemmProduct.InputGradient, batch, inFeatures, batch, inFeatures, outFeatures, dy.Offset, w.Offset);
        Launched();
        tiled.BackwardInput(_stream, tiled.Grid(batch, inFeatures), View(dy), View(w), View(mask), View(dx), batch, inFeatures, outFeatures, accumulate ? 1 : 0, 1,
            tiled.Vector);
    }

    /// <inheritdoc />
    protected override void DenseBackwardWeightCore(BufferView x, BufferView dy, BufferView dw, int batch, int inFeatures, int outFeatures, bool accumulate)
    {
        if (_graphs.Sign(4, x, dy, dw, default, Ints(batch, inFeatures, outFeatures, accumulate ? 1 : 0)))
        {
            return;
        }
        if (_cuBlas is not null)
        {
            Launched();
            _cuBlas.BackwardWeight(View(x), View(dy), View(dw), batch, inFeatures, outFeatures, accumulate);
            return;
        }
        // Without the bias row the db argument is not written; dw stands in for it.
        var tiled = Choose(GemmProduct.ParameterGradient, inFeatures, outFeatures, batch, inFeatures, outFeatures, x.Offset, dy.Offset);
        Launched();
        tiled.BackwardParameters(_stream, tiled.Grid(inFeatures, outFeatures), View(x), View(dy), View(dw), View(dw),
            batch, inFeatures, outFeatures, 0, accumulate ? 1 : 0, 0, tiled.Vector);
    }

    /// <inheritdoc />
    protected override void DenseBackwardParametersCore(BufferView x, BufferView dy, BufferView dw, BufferView db, int batch, int inFeatures, int outFeatures, bool accumulateWeight, bool accumulateBias)
    {
        if (_cuBlas is not null)
        {
            base.DenseBackwardParametersCore(x, dy, dw, db, batch, inFeatures, outFeatures, accumulateWeight, accumulateBias);
            return;
        }
        if (_graphs.Sign(5, x, dy, dw, db, Ints(batch, inFeatures, outFeatures, (accumulateWeight ? 1 : 0) + (accumulateBias ? 2 : 0))))
        {
            return;
        }
        // One GEMM of K + 1 output rows: row K, from xᵀ's row of ones, is db.
        var tiled = Choose(GemmProduct.ParameterGradient, inFeatures + 1, outFeatures, batch, inFeatures, outFeatures, x.Offset, dy.Offset);
        Launched();
        tiled.BackwardParameters(_stream, tiled.Grid(inFeatures + 1, outFeatures), View(x), View(dy), View(dw), View(db),
            batch, inFeatures, outFeatures, 1, accumulateWeight ? 1 : 0, accumulateBias ? 1 : 0, tiled.Vector);
    }

    /// <inheritdoc />
    protected override void DenseBackwardBiasCore(BufferView dy, BufferView db, int batch, int outFeatures, bool accumulate)
    {
        if (_graphs.Sign(6, dy, db, default, default, Ints(batch, outFeatures, accumulate ? 1 : 0, 0)))
        {
            return;
        }
        var split = Split(db.Length);
        Launched();
        _denseBackwardBias(_stream, split.Threads, split, View(dy), View(db), batch, outFeatures, accumulate ? 1 : 0);
    }

    /// <inheritdoc />
    protected override void ReluBackwardCore(BufferView y, BufferView dy, BufferView dx, bool accumulate)
    {
        if (dx.Length > 0 && !_graphs.Sign(7, y, dy, dx, default, accumulate ? 1 : 0))
        {
            var split = Split(dx.Length);
            Launched();
            _reluBackward(_stream, split.Threads, split, View(y), View(dy), View(dx), accumulate ? 1 : 0);
        }
    }

    /// <inheritdoc />
    protected override void DropoutForwardCore(BufferView x, BufferView y, float keepProbability, ulong seed, ulong trainingStep)
    {
        if (y.Length == 0 || _graphs.Sign(8, x, y, default, default, BitConverter.SingleToInt32Bits(keepProbability)))
        {
            if (y.Length > 0)
            {
                _graphs.Slot(DropoutMask.Key(seed, trainingStep));
            }
            return;
        }
        var split = Split(y.Length);
        Launched();
        if (_graphs.UseDeviceScalars)
        {
            _dropoutForwardDevice(_stream, split.Threads, split, View(x), View(y),
                _graphs.Scalars, _graphs.Slot(DropoutMask.Key(seed, trainingStep)), DropoutMask.Threshold(keepProbability), 1f / keepProbability);
            return;
        }
        _dropoutForward(_stream, split.Threads, split, View(x), View(y),
            DropoutMask.Key(seed, trainingStep), DropoutMask.Threshold(keepProbability), 1f / keepProbability);
    }

    /// <inheritdoc />
    protected override void DropoutBackwardCore(BufferView dy, BufferView dx, float keepProbability, ulong seed, ulong trainingStep, bool accumulate)
    {
        if (dx.Length == 0 || _graphs.Sign(9, dy, dx, default, default, ((long)BitConverter.SingleToInt32Bits(keepProbability) << 1) | (accumulate ? 1L : 0L)))
        {
            if (dx.Length > 0)
            {
                _graphs.Slot(DropoutMask.Key(seed, trainingStep));
            }
            return;
        }
        var split = Split(dx.Length);
        Launched();
        if (_graphs.UseDeviceScalars)
        {
            _dropoutBackwardDevice(_stream, split.Threads, split, View(dy), View(dx),
                _graphs.Scalars, _graphs.Slot(DropoutMask.Key(seed, trainingStep)), DropoutMask.Threshold(keepProbability), 1f / keepProbability, accumulate ? 1 : 0);
            return;
        }
        _dropoutBackward(_stream, split.Threads, split, View(dy), View(dx),
            DropoutMask.Key(seed, trainingStep), DropoutMask.Threshold(keepProbability), 1f / keepProbability, accumulate ? 1 : 0);
    }

    /// <inheritdoc />
    protected override void LossCore(LossKind kind, BufferView prediction, BufferView target, BufferView grad, BufferView lossSum, int outputs)
    {
        if (_graphs.Sign(10, prediction, target, grad, lossSum, Ints((int)kind, outputs, 0, 0)))
        {
            return;
        }
        var split = Split(prediction.Length);
        Launched();
        _loss(_stream, split.Threads, split, View(prediction), View(target), View(grad), View(lossSum),
            kind == LossKind.Mae ? 0 : 1, outputs, 1f / prediction.Length);
    }

    /// <inheritdoc />
    protected override void AdamCore(BufferView parameters, BufferView gradients, BufferView firstMoment, BufferView secondMoment, AdamStep update)
    {
        var stepSize = (float)update.StepSize;
        if (_graphs.Sign(11, parameters, gradients, firstMoment, secondMoment,
            Ints(BitConverter.SingleToInt32Bits(update.Beta1), BitConverter.SingleToInt32Bits(update.Beta2), BitConverter.SingleToInt32Bits(update.Epsilon), 0)))
        {
            _graphs.Slot(stepSize);
            return;
        }
        var split = Split(parameters.Length);
        Launched();
        if (_graphs.UseDeviceScalars)
        {
            _adamDevice(_stream, split.Threads, split, View(parameters), View(gradients), View(firstMoment), View(secondMoment),
                _graphs.Scalars, _graphs.Slot(stepSize), update.Beta1, update.Beta2, update.Epsilon);
            return;
        }
        _adam(_stream, split.Threads, split, View(parameters), View(gradients), View(firstMoment), View(secondMoment),
            stepSize, update.Beta1, update.Beta2, update.Epsilon);
    }

    /// <inheritdoc />
    protected override void DecayTowardCore(BufferView parameters, BufferView anchor, float rate)
    {
        if (_graphs.Sign(12, parameters, anchor))
        {
            _graphs.Slot(rate);
            return;
        }
        var split = Split(parameters.Length);
        Launched();
        if (_graphs.UseDeviceScalars)
        {
            _decayDevice(_stream, split.Threads, split, View(parameters), View(anchor), _graphs.Scalars, _graphs.Slot(rate));
            return;
        }
        _decay(_stream, split.Threads, split, View(parameters), View(anchor), rate);
    }

    /// <inheritdoc />
    protected override void FillCore(BufferView destination, float value)
    {
        // The value is frozen into a capture: a step that fills with a varying value fails its replay's check.
        if (destination.Length > 0 && !_graphs.Sign(13, destination, default, default, default, BitConverter.SingleToInt32Bits(value)))
        {
            var split = Split(destination.Length);
            Launched();
            _fill(_stream, split.Threads, split, View(destination), value);
        }
    }

    /// <inheritdoc />
    protected override void CopyCore(BufferView source, BufferView destination)
    {
        if (destination.Length > 0 && !_graphs.Sign(14, source, destination))
        {
            var split = Split(destination.Length);
            Launched();
            _copy(_stream, split.Threads, split, View(source), View(destination));
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }
        _cuBlas?.Dispose();
        _graphs.Dispose();
        _ownedStream?.Dispose();
        if (_ownsAccelerator)
        {
            _accelerator.Dispose();
        }
        _ownedContext?.Dispose();
    }

    private static long Ints(int a, int b, int c, int d) =>
        (long)DropoutMask.Mix(((ulong)(uint)a << 32 | (uint)b) ^ DropoutMask.Mix((ulong)(uint)c << 32 | (uint)d));

    // ---- helpers -------------------------------------------------------------------------------

    private void Launched()
    {
        LaunchCount++;
        // ILGPU's launcher binds its accelerator around every launch and rebinds the previous one
        // after (two cuCtxSetCurrent calls) when another accelerator is current on this thread, as
        // after creating a second backend; binding ours once per thread makes that a no-op.
        if (!ReferenceEquals(ILGPU.Runtime.Accelerator.Current, _accelerator))
        {
            _accelerator.Bind();
        }
    }

    // The kernels for a product whose C is rows × columns (m, k, n: the layer's batch, in and out
    // features; offsets: of the two operand views the GEMM reads), with the vector flag they
    // launch with: the tuned winner if there is one and it was compiled, else the table's choice.
    private TiledDenseKernels.Launch Choose(GemmProduct product, int rows, int columns, int m, int k, int n, int offsetA, int offsetB)
    {
        var vector = GemmSelection.Vectorizable(product, k, n, offsetA, offsetB);
        if (!_choices.TryGetValue((product, m, k, n, vector), out var kernels))
        {
            var index = _tuned.TryGetValue((product, m, k, n), out var tuned) ? Array.IndexOf(_tiledConfigurations, tuned) : -1;
            kernels = _tiled[index >= 0 ? index : GemmSelection.Choose(_tiledConfigurations, product, rows, columns, vector, _minGroupsPerProduct)];
            _choices[(product, m, k, n, vector)] = kernels;
        }
        return new TiledDenseKernels.Launch(kernels, vector ? 1 : 0);
    }

    private TiledDenseKernels LoadTiled(GemmTileConfiguration configuration)
    {
        if (configuration.Threads > _accelerator.MaxNumThreadsPerGroup)
        {
            throw new ArgumentOutOfRangeException(
                nameof(configuration), configuration.Threads,
                $"GEMM tile {configuration} needs groups of {configuration.Threads} threads; {_accelerator.Name} allows {_accelerator.MaxNumThreadsPerGroup}.");
        }
        TDelegate LoadGeneric<TDelegate>(string name)
            where TDelegate : Delegate
        {
            var method = configuration.Instantiate(GemmTileConfiguration.GenericKernels.Single(k => k.Name == name));
            _loadedKernels.Add(method);
            return method.CreateDelegate<TDelegate>();
        }
        return new TiledDenseKernels(
            configuration,
            _accelerator.LoadKernel(LoadGeneric<Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>>(nameof(DenseKernels.TiledForward))),
            _accelerator.LoadKernel(LoadGeneric<Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>>(nameof(DenseKernels.TiledBackwardInput))),
            _accelerator.LoadKernel(LoadGeneric<Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int>>(nameof(DenseKernels.TiledBackwardParameters))));
    }

    private WorkSplit Split(int total) => LaunchOptions.Blocked
        ? WorkSplit.Blocked(total, LaunchOptions.MaxThreads)
        : WorkSplit.Interleaved(total, LaunchOptions.MaxThreads);

    private static ArrayView<float> View(BufferView view) =>
        ((IlgpuBuffer)view.Buffer).Memory.View.SubView(view.Offset, view.Length);

    // One overload per kernel arity: each compiles the kernel once and records its method so the
    // tests can check that every kernel in Ops/ is loaded (and compiled to PTX).
    private Action<AcceleratorStream, Index1D, T1, T2, T3> Load<T1, T2, T3>(Action<Index1D, T1, T2, T3> kernel)
        where T1 : struct where T2 : struct where T3 : struct
    {
        _loadedKernels.Add(kernel.Method);
        return _accelerator.LoadImplicitlyGroupedKernel(kernel, LaunchOptions.GroupSize);
    }

    private Action<AcceleratorStream, Index1D, T1, T2, T3, T4> Load<T1, T2, T3, T4>(Action<Index1D, T1, T2, T3, T4> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct
    {
        _loadedKernels.Add(kernel.Method);
        return _accelerator.LoadImplicitlyGroupedKernel(kernel, LaunchOptions.GroupSize);
    }

    private Action<AcceleratorStream, Index1D, T1, T2, T3, T4, T5> Load<T1, T2, T3, T4, T5>(Action<Index1D, T1, T2, T3, T4, T5> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct
    {
        _loadedKernels.Add(kernel.Method);
        return _accelerator.LoadImplicitlyGroupedKernel(kernel, LaunchOptions.GroupSize);
    }

    private Action<AcceleratorStream, Index1D, T1, T2, T3, T4, T5, T6> Load<T1, T2, T3, T4, T5, T6>(Action<Index1D, T1, T2, T3, T4, T5, T6> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct
    {
        _loadedKernels.Add(kernel.Method);
        return _accelerator.LoadImplicitlyGroupedKernel(kernel, LaunchOptions.GroupSize);
    }

    private Action<AcceleratorStream, Index1D, T1, T2, T3, T4, T5, T6, T7> Load<T1, T2, T3, T4, T5, T6, T7>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct
    {
        _loadedKernels.Add(kernel.Method);
        return _accelerator.LoadImplicitlyGroupedKernel(kernel, LaunchOptions.GroupSize);
    }

    private Action<AcceleratorStream, Index1D, T1, T2, T3, T4, T5, T6, T7, T8> Load<T1, T2, T3, T4, T5, T6, T7, T8>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct
    {
        _loadedKernels.Add(kernel.Method);
        return _accelerator.LoadImplicitlyGroupedKernel(kernel, LaunchOptions.GroupSize);
    }

    private Action<AcceleratorStream, Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct
    {
        _loadedKernels.Add(kernel.Method);
        return _accelerator.LoadImplicitlyGroupedKernel(kernel, LaunchOptions.GroupSize);
    }

    private Action<AcceleratorStream, Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct
    {
        _loadedKernels.Add(kernel.Method);
        return _accelerator.LoadImplicitlyGroupedKernel(kernel, LaunchOptions.GroupSize);
    }

    /// <summary>The three tiled dense kernels of one tile configuration, loaded.</summary>
    private sealed record TiledDenseKernels(
        GemmTileConfiguration Configuration,
        Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int> Forward,
        Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int> BackwardInput,
        Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int> BackwardParameters)
    {
        /// <summary>The chosen kernels and the vector flag for one launch (a struct: no allocation per op).</summary>
        public readonly record struct Launch(TiledDenseKernels Kernels, int Vector)
        {
            public GemmTileConfiguration Configuration => Kernels.Configuration;

            public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int> Forward => Kernels.Forward;

            public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int> BackwardInput => Kernels.BackwardInput;

            public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int> BackwardParameters => Kernels.BackwardParameters;

            public KernelConfig Grid(int rows, int columns) => Kernels.Grid(rows, columns);
        }

        /// <summary>Grid (⌈columns/BN⌉, ⌈rows/BM⌉) of 1-D groups for a C of rows × columns.</summary>
        public KernelConfig Grid(int rows, int columns)
        {
            var gridRows = GemmTileConfiguration.Blocks(rows, Configuration.Rows);
            // CUDA caps a grid's y extent at 65535; rows are batch or in-features, far below 65535 blocks.
            if (gridRows > 65535)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), rows, $"A dense product of {rows} rows needs more than 65535 row blocks of {Configuration.Rows}.");
            }
            return new KernelConfig(
                new Index2D(GemmTileConfiguration.Blocks(columns, Configuration.Columns), gridRows),
                new Index2D(Configuration.Threads, 1));
        }
    }

    private sealed class IlgpuBuffer(IlgpuBackend owner, int length, MemoryBuffer1D<float, Stride1D.Dense> memory)
        : DeviceBuffer(owner, length)
    {
        public MemoryBuffer1D<float, Stride1D.Dense> Memory { get; } = memory;

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Memory.Dispose();
            }
        }
    }
}
