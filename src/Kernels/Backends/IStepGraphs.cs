namespace CrossPropertyILGPU.Kernels.Backends;

/// <summary>How a backend may run a whole training step as one captured graph.</summary>
public enum StepGraphMode
{
    /// <summary>Eager launches only.</summary>
    Off,

    /// <summary>CUDA graphs on a non-blocking stream where the accelerator is CUDA (the default there).</summary>
    Cuda,

    /// <summary>
    /// For tests without a GPU: the graph path's bookkeeping (per-step scalars read from device
    /// memory, the op signature checked on every replay) with the kernels launched eagerly.
    /// </summary>
    Emulated,
}

/// <summary>
/// A backend that can capture the ops of one training step once and replay them per batch with a
/// single launch (CUDA graphs). Kernel arguments are frozen at capture, so the step's buffers must
/// not move between replays; its per-step scalars (Adam's step size, decay rates, dropout keys) go
/// through device memory, rewritten before each replay. A replay re-runs the step's host code in a
/// mode that launches nothing: it collects those scalars and checks that the same ops on the same
/// buffers were asked for, which is what makes a replay safe.
/// </summary>
public interface IStepGraphs
{
    /// <summary>True when <see cref="CaptureStep"/> may succeed (CUDA, graphs on, driver found).</summary>
    bool CanCaptureSteps { get; }

    /// <summary>Why <see cref="CanCaptureSteps"/> is false (null when it is true).</summary>
    string? StepGraphsUnavailableReason { get; }

    /// <summary>Graph launches so far (each replaces one step's eager launches).</summary>
    long GraphLaunches { get; }

    /// <summary>
    /// Captures the ops <paramref name="record"/> issues and runs them once as a graph. Returns null,
    /// with the reason in <paramref name="failure"/>, when the driver refused the capture: nothing
    /// then ran on the device and the caller runs the step eagerly (its host state is its own to
    /// restore). Exceptions that are not driver errors (bad arguments) propagate.
    /// </summary>
    IDisposable? CaptureStep(Action record, out string? failure);

    /// <summary>
    /// Re-runs <paramref name="record"/>'s host code without launching, then launches
    /// <paramref name="graph"/> with the scalars it collected. False (nothing launched) when the step
    /// asked for other ops or buffers than the captured one; the caller then runs it eagerly.
    /// </summary>
    bool ReplayStep(IDisposable graph, Action record);
}
