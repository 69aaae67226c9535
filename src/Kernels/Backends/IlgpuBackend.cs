using System.Reflection;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Kernels.Ops;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace CrossPropertyILGPU.Kernels.Backends;

/// <summary>
/// How the ILGPU backend launches its grid-stride kernels on one accelerator.
/// </summary>
/// <param name="MaxThreads">Most threads one launch uses; work beyond that loops inside a thread.</param>
/// <param name="GroupSize">Threads per group for the implicitly grouped kernels.</param>
/// <param name="Blocked">Contiguous chunks per thread (CPU accelerator) instead of interleaved (GPU).</param>
public sealed record IlgpuLaunchOptions(int MaxThreads, int GroupSize, bool Blocked)
{
    /// <summary>
    /// GPU: one thread per element up to a full device's worth of resident threads, groups of 256,
    /// interleaved. ILGPU's CPU accelerator: a couple of threads per simulated multiprocessor with
    /// group size 1 and contiguous chunks, because each simulated thread and group barrier is an OS
    /// hand-off (ILGPU.md §3, §7).
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
}

/// <summary>
/// The ILGPU backend: the kernels of <c>Ops/</c> on any ILGPU accelerator (CUDA, OpenCL, or ILGPU's
/// CPU accelerator for testing). Every kernel is compiled once, in the constructor, into a
/// launcher delegate kept for the backend's lifetime; ops only validate (in
/// <see cref="ComputeBackend"/>) and launch on the default stream, without synchronising.
/// </summary>
public sealed class IlgpuBackend : ComputeBackend
{
    private readonly Context? _ownedContext;
    private readonly Accelerator _accelerator;
    private readonly bool _ownsAccelerator;
    private readonly List<MethodInfo> _loadedKernels = [];

    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> _denseForward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> _denseBackwardInput;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int> _denseBackwardWeight;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, int, int, int> _denseBackwardBias;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>> _reluForward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _reluBackward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ulong, uint, float> _dropoutForward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ulong, uint, float, int> _dropoutBackward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float> _loss;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, float> _adam;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, float> _fill;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>> _copy;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, float> _scale;

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

        _denseForward = Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(DenseKernels.Forward);
        _denseBackwardInput = Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(DenseKernels.BackwardInput);
        _denseBackwardWeight = Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(DenseKernels.BackwardWeight);
        _denseBackwardBias = Load<WorkSplit, ArrayView<float>, ArrayView<float>, int, int, int>(DenseKernels.BackwardBias);
        _reluForward = Load<WorkSplit, ArrayView<float>, ArrayView<float>>(ReluKernels.Forward);
        _reluBackward = Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ReluKernels.Backward);
        _dropoutForward = Load<WorkSplit, ArrayView<float>, ArrayView<float>, ulong, uint, float>(DropoutKernels.Forward);
        _dropoutBackward = Load<WorkSplit, ArrayView<float>, ArrayView<float>, ulong, uint, float, int>(DropoutKernels.Backward);
        _loss = Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(LossKernels.ValueAndGradient);
        _adam = Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, float>(AdamKernels.Update);
        _fill = Load<WorkSplit, ArrayView<float>, float>(FillCopyKernels.Fill);
        _copy = Load<WorkSplit, ArrayView<float>, ArrayView<float>>(FillCopyKernels.Copy);
        _scale = Load<WorkSplit, ArrayView<float>, float>(FillCopyKernels.Scale);
    }

    /// <inheritdoc />
    public override DeviceInfo Device { get; }

    /// <summary>How kernels are launched on this accelerator.</summary>
    public IlgpuLaunchOptions LaunchOptions { get; }

    /// <summary>The accelerator the kernels run on.</summary>
    public Accelerator Accelerator => _accelerator;

    /// <summary>Every kernel method compiled for this accelerator, in load order.</summary>
    public IReadOnlyList<MethodInfo> LoadedKernels => _loadedKernels;

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

    /// <inheritdoc />
    protected override DeviceBuffer AllocateCore(int length)
    {
        var buffer = new IlgpuBuffer(this, length, _accelerator.Allocate1D<float>(Math.Max(1, length)));
        // ILGPU does not zero new memory; the interface promises zeros.
        buffer.Memory.MemSetToZero();
        return buffer;
    }

    /// <inheritdoc />
    protected override void UploadCore(BufferView destination, ReadOnlySpan<float> source)
    {
        if (source.Length > 0)
        {
            View(destination).CopyFromCPU(source);
        }
    }

    /// <inheritdoc />
    protected override void DownloadCore(BufferView source, Span<float> destination)
    {
        _accelerator.Synchronize();
        if (destination.Length > 0)
        {
            View(source).CopyToCPU(destination);
        }
    }

    /// <inheritdoc />
    protected override void SynchronizeCore() => _accelerator.Synchronize();

    // ---- ops: validation has already run in ComputeBackend --------------------------------------

    /// <inheritdoc />
    protected override void DenseForwardCore(BufferView x, BufferView w, BufferView b, BufferView y, int batch, int inFeatures, int outFeatures, bool relu)
    {
        var split = Split(y.Length);
        _denseForward(split.Threads, split, View(x), View(w), View(b), View(y), inFeatures, outFeatures, relu ? 1 : 0);
    }

    /// <inheritdoc />
    protected override void DenseBackwardInputCore(BufferView dy, BufferView w, BufferView dx, int batch, int inFeatures, int outFeatures, bool accumulate)
    {
        var split = Split(dx.Length);
        _denseBackwardInput(split.Threads, split, View(dy), View(w), View(dx), inFeatures, outFeatures, accumulate ? 1 : 0);
    }

    /// <inheritdoc />
    protected override void DenseBackwardWeightCore(BufferView x, BufferView dy, BufferView dw, int batch, int inFeatures, int outFeatures, bool accumulate)
    {
        var split = Split(dw.Length);
        _denseBackwardWeight(split.Threads, split, View(x), View(dy), View(dw), batch, inFeatures, outFeatures, accumulate ? 1 : 0);
    }

    /// <inheritdoc />
    protected override void DenseBackwardBiasCore(BufferView dy, BufferView db, int batch, int outFeatures, bool accumulate)
    {
        var split = Split(db.Length);
        _denseBackwardBias(split.Threads, split, View(dy), View(db), batch, outFeatures, accumulate ? 1 : 0);
    }

    /// <inheritdoc />
    protected override void ReluForwardCore(BufferView x, BufferView y)
    {
        if (y.Length > 0)
        {
            var split = Split(y.Length);
            _reluForward(split.Threads, split, View(x), View(y));
        }
    }

    /// <inheritdoc />
    protected override void ReluBackwardCore(BufferView y, BufferView dy, BufferView dx, bool accumulate)
    {
        if (dx.Length > 0)
        {
            var split = Split(dx.Length);
            _reluBackward(split.Threads, split, View(y), View(dy), View(dx), accumulate ? 1 : 0);
        }
    }

    /// <inheritdoc />
    protected override void DropoutForwardCore(BufferView x, BufferView y, float keepProbability, ulong seed, ulong trainingStep)
    {
        if (y.Length > 0)
        {
            var split = Split(y.Length);
            _dropoutForward(split.Threads, split, View(x), View(y),
                DropoutMask.Key(seed, trainingStep), DropoutMask.Threshold(keepProbability), 1f / keepProbability);
        }
    }

    /// <inheritdoc />
    protected override void DropoutBackwardCore(BufferView dy, BufferView dx, float keepProbability, ulong seed, ulong trainingStep, bool accumulate)
    {
        if (dx.Length > 0)
        {
            var split = Split(dx.Length);
            _dropoutBackward(split.Threads, split, View(dy), View(dx),
                DropoutMask.Key(seed, trainingStep), DropoutMask.Threshold(keepProbability), 1f / keepProbability, accumulate ? 1 : 0);
        }
    }

    /// <inheritdoc />
    protected override void LossCore(LossKind kind, BufferView prediction, BufferView target, BufferView grad, BufferView lossSum)
    {
        var split = Split(prediction.Length);
        _loss(split.Threads, split, View(prediction), View(target), View(grad), View(lossSum),
            kind == LossKind.Mae ? 0 : 1, 1f / prediction.Length);
    }

    /// <inheritdoc />
    protected override void AdamCore(BufferView parameters, BufferView gradients, BufferView firstMoment, BufferView secondMoment, AdamStep update)
    {
        var split = Split(parameters.Length);
        _adam(split.Threads, split, View(parameters), View(gradients), View(firstMoment), View(secondMoment),
            (float)update.StepSize, update.Beta1, update.Beta2, update.Epsilon);
    }

    /// <inheritdoc />
    protected override void FillCore(BufferView destination, float value)
    {
        if (destination.Length > 0)
        {
            var split = Split(destination.Length);
            _fill(split.Threads, split, View(destination), value);
        }
    }

    /// <inheritdoc />
    protected override void CopyCore(BufferView source, BufferView destination)
    {
        if (destination.Length > 0)
        {
            var split = Split(destination.Length);
            _copy(split.Threads, split, View(source), View(destination));
        }
    }

    /// <inheritdoc />
    protected override void ScaleCore(BufferView values, float factor)
    {
        if (values.Length > 0)
        {
            var split = Split(values.Length);
            _scale(split.Threads, split, View(values), factor);
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }
        if (_ownsAccelerator)
        {
            _accelerator.Dispose();
        }
        _ownedContext?.Dispose();
    }

    // ---- helpers -------------------------------------------------------------------------------

    private WorkSplit Split(int total) => LaunchOptions.Blocked
        ? WorkSplit.Blocked(total, LaunchOptions.MaxThreads)
        : WorkSplit.Interleaved(total, LaunchOptions.MaxThreads);

    private static ArrayView<float> View(BufferView view) =>
        ((IlgpuBuffer)view.Buffer).Memory.View.SubView(view.Offset, view.Length);

    // One overload per kernel arity: each compiles the kernel once and records its method so the
    // tests can check that every kernel in Ops/ is loaded (and compiled to PTX).
    private Action<Index1D, T1, T2, T3> Load<T1, T2, T3>(Action<Index1D, T1, T2, T3> kernel)
        where T1 : struct where T2 : struct where T3 : struct
    {
        _loadedKernels.Add(kernel.Method);
        return _accelerator.LoadImplicitlyGroupedStreamKernel(kernel, LaunchOptions.GroupSize);
    }

    private Action<Index1D, T1, T2, T3, T4, T5> Load<T1, T2, T3, T4, T5>(Action<Index1D, T1, T2, T3, T4, T5> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct
    {
        _loadedKernels.Add(kernel.Method);
        return _accelerator.LoadImplicitlyGroupedStreamKernel(kernel, LaunchOptions.GroupSize);
    }

    private Action<Index1D, T1, T2, T3, T4, T5, T6> Load<T1, T2, T3, T4, T5, T6>(Action<Index1D, T1, T2, T3, T4, T5, T6> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct
    {
        _loadedKernels.Add(kernel.Method);
        return _accelerator.LoadImplicitlyGroupedStreamKernel(kernel, LaunchOptions.GroupSize);
    }

    private Action<Index1D, T1, T2, T3, T4, T5, T6, T7> Load<T1, T2, T3, T4, T5, T6, T7>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct
    {
        _loadedKernels.Add(kernel.Method);
        return _accelerator.LoadImplicitlyGroupedStreamKernel(kernel, LaunchOptions.GroupSize);
    }

    private Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8> Load<T1, T2, T3, T4, T5, T6, T7, T8>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct
    {
        _loadedKernels.Add(kernel.Method);
        return _accelerator.LoadImplicitlyGroupedStreamKernel(kernel, LaunchOptions.GroupSize);
    }

    private Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct
    {
        _loadedKernels.Add(kernel.Method);
        return _accelerator.LoadImplicitlyGroupedStreamKernel(kernel, LaunchOptions.GroupSize);
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
