using System.Runtime.CompilerServices;
using CrossPropertyILGPU.Kernels.Backends.Cuda;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace CrossPropertyILGPU.Kernels.Backends;

/// <summary>
/// The ILGPU backend's side of <see cref="IStepGraphs"/>: the mode ops run in (eager, capturing,
/// replaying), the per-step scalar slots and the running signature of the ops asked for. Each op
/// of the backend calls <see cref="Sign"/> first; in a replay that is all it does.
/// </summary>
internal sealed class StepGraphRecorder : IDisposable
{
    /// <summary>Scalar slots one step may use: two per dropout layer, one per Adam range and decay.</summary>
    public const int Capacity = 256;

    private readonly AcceleratorStream _stream;
    private readonly uint[] _host = new uint[Capacity];
    private readonly MemoryBuffer1D<uint, Stride1D.Dense> _device;
    private Mode _mode;
    private int _slots;
    private int _ops;
    private ulong _signature;

    public StepGraphRecorder(Accelerator accelerator, AcceleratorStream stream, StepGraphMode mode, string? unavailableReason)
    {
        (_stream, GraphMode, UnavailableReason) = (stream, mode, unavailableReason);
        _device = accelerator.Allocate1D<uint>(Capacity);
        _device.View.MemSetToZero(stream);
    }

    private enum Mode
    {
        Eager,
        Capturing,
        Replaying,
    }

    public StepGraphMode GraphMode { get; }

    /// <summary>Why graphs are not offered: off from the start, or the driver refused a capture (then not tried again).</summary>
    public string? UnavailableReason { get; private set; }

    /// <summary>False once the driver refused a capture: one failure means the next ones would fail too, each costing a step's host time.</summary>
    public bool Offered => GraphMode != StepGraphMode.Off && UnavailableReason is null;

    public long GraphLaunches { get; private set; }

    /// <summary>Ops must launch the device-scalar kernels (capture, and every emulated step).</summary>
    public bool UseDeviceScalars => _mode == Mode.Capturing;

    /// <summary>The device copy of the slots.</summary>
    public ArrayView<uint> Scalars => _device.View;

    /// <summary>
    /// Adds one op to the signature; true when the op must not launch (a replay). Views are
    /// identified by buffer object, offset and length, so a moved buffer fails the replay's check.
    /// </summary>
    public bool Sign(int op, BufferView a, BufferView b = default, BufferView c = default, BufferView d = default, long ints = 0)
    {
        if (_mode == Mode.Eager)
        {
            return false;
        }
        var h = Mix(_signature ^ (ulong)op);
        h = Mix(h ^ View(a));
        h = Mix(h ^ View(b));
        h = Mix(h ^ View(c));
        h = Mix(h ^ View(d));
        _signature = Mix(h ^ (ulong)ints);
        _ops++;
        return _mode == Mode.Replaying;
    }

    /// <summary>Stores a float's bits in the next slot; returns the slot.</summary>
    public int Slot(float value) => Slot(BitConverter.SingleToUInt32Bits(value));

    /// <summary>Stores a 64-bit value in the next two slots (low, high); returns the first.</summary>
    public int Slot(ulong value)
    {
        var slot = Slot((uint)value);
        Slot((uint)(value >> 32));
        return slot;
    }

    public IDisposable? Capture(Action step, out string? failure)
    {
        failure = null;
        if (!Offered)
        {
            failure = UnavailableReason ?? "CUDA graphs are off";
            return null;
        }
        Begin(Mode.Capturing);
        try
        {
            if (GraphMode == StepGraphMode.Emulated)
            {
                step();
                return new EmulatedGraph(_signature, _ops, _slots);
            }
            CudaGraph graph;
            try
            {
                graph = CudaGraph.Capture(((CudaStream)_stream).StreamPtr, step);
            }
            catch (Exception e) when (e is CudaDriverException or CudaException)
            {
                failure = UnavailableReason = $"the CUDA graph capture failed: {e.Message}";
                Console.Error.WriteLine($"{failure}; training steps run eagerly from here on.");
                return null;
            }
            var captured = new CapturedGraph(graph, _signature, _ops, _slots);
            // Captured launches did not run: upload this step's scalars and run the graph once.
            Upload();
            graph.Launch(((CudaStream)_stream).StreamPtr);
            GraphLaunches++;
            return captured;
        }
        finally
        {
            _mode = Mode.Eager;
        }
    }

    public bool Replay(IDisposable graph, Action step)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var (signature, ops, slots) = graph switch
        {
            CapturedGraph c => (c.Signature, c.Ops, c.Slots),
            EmulatedGraph e => (e.Signature, e.Ops, e.Slots),
            _ => throw new ArgumentException("Not a graph this backend captured.", nameof(graph)),
        };
        if (graph is EmulatedGraph)
        {
            // No graph to launch: the kernels run as in the capture, then the signature is checked.
            Begin(Mode.Capturing);
            try
            {
                step();
                return _signature == signature && _ops == ops && _slots == slots
                    ? true
                    : throw new InvalidOperationException("The emulated step graph's replay asked for other ops than its capture.");
            }
            finally
            {
                _mode = Mode.Eager;
            }
        }
        Begin(Mode.Replaying);
        try
        {
            step();
        }
        finally
        {
            _mode = Mode.Eager;
        }
        if (_signature != signature || _ops != ops || _slots != slots)
        {
            return false;
        }
        Upload();
        ((CapturedGraph)graph).Graph.Launch(((CudaStream)_stream).StreamPtr);
        GraphLaunches++;
        return true;
    }

    public void Dispose() => _device.Dispose();

    private int Slot(uint bits)
    {
        if (_slots >= Capacity)
        {
            throw new InvalidOperationException($"A captured step needs more than {Capacity} per-step scalars.");
        }
        _host[_slots] = bits;
        if (GraphMode == StepGraphMode.Emulated && _mode == Mode.Capturing)
        {
            // Emulated: the kernel that reads it launches next, so the value must be there first.
            _device.View.SubView(_slots, 1).CopyFromCPU(_stream, new ReadOnlySpan<uint>(_host, _slots, 1));
        }
        return _slots++;
    }

    private void Begin(Mode mode)
    {
        (_mode, _slots, _ops, _signature) = (mode, 0, 0, 0x243F6A8885A308D3UL);
    }

    // Straight to the driver: ILGPU's CopyFromCPU synchronises the stream and its async form
    // allocates a wrapper per call. The driver stages pageable memory before returning, so the next
    // step may overwrite the slots while this copy still waits in the stream.
    private void Upload()
    {
        if (_slots > 0)
        {
            CudaDriver.CopyHostToDeviceAsync(_device.NativePtr, new ReadOnlySpan<uint>(_host, 0, _slots), ((CudaStream)_stream).StreamPtr);
        }
    }

    private static ulong View(BufferView view) => view.Buffer is null
        ? 0UL
        : ((ulong)(uint)RuntimeHelpers.GetHashCode(view.Buffer) << 32) ^ Ops.DropoutMask.Mix(((ulong)(uint)view.Offset << 32) | (uint)view.Length);

    private static ulong Mix(ulong z) => Ops.DropoutMask.Mix(z);

    private sealed record EmulatedGraph(ulong Signature, int Ops, int Slots) : IDisposable
    {
        public void Dispose()
        {
        }
    }

    private sealed record CapturedGraph(CudaGraph Graph, ulong Signature, int Ops, int Slots) : IDisposable
    {
        public void Dispose() => Graph.Dispose();
    }
}
