using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Autograd;

/// <summary>One recorded op: knows its inputs and output and how to push the output's gradient back.</summary>
public interface IBackwardStep
{
    /// <summary>
    /// Adds this op's contribution to the gradients of its inputs, reading its output's gradient.
    /// Called only when that gradient was written (an unused output contributes nothing).
    /// </summary>
    void Backward(Tape tape);

    /// <summary>The tensor the op produced; its gradient drives <see cref="Backward"/>.</summary>
    Tensor Output { get; }
}

/// <summary>
/// Reverse-mode autodiff in the micrograd manner: the forward pass records each op (an object that
/// holds its tensors and knows its backward), <see cref="Backward"/> walks the record in reverse.
/// Gradients accumulate: the first contribution to a tensor's gradient in a step overwrites it,
/// later ones add (so no zero-fill launch is needed, and fan-out just works).
/// <para>
/// Steps are preallocated op objects owned by the layers, and the record is a list whose capacity
/// is reached in the first step: recording, backward and <see cref="Reset"/> allocate nothing.
/// </para>
/// </summary>
public sealed class Tape
{
    private readonly List<IBackwardStep> _steps;
    private readonly List<Tensor> _written;

    /// <summary>Creates a tape recording ops that run on <paramref name="backend"/>.</summary>
    public Tape(IComputeBackend backend, int capacity = 64)
    {
        ArgumentNullException.ThrowIfNull(backend);
        Backend = backend;
        _steps = new List<IBackwardStep>(capacity);
        _written = new List<Tensor>(capacity * 4);
    }

    /// <summary>The backend every recorded op runs on.</summary>
    public IComputeBackend Backend { get; }

    /// <summary>Number of ops recorded since the last <see cref="Reset"/>.</summary>
    public int Count => _steps.Count;

    /// <summary>Appends an op that has just run forward.</summary>
    public void Record(IBackwardStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        _steps.Add(step);
    }

    /// <summary>
    /// Claims a gradient write into <paramref name="tensor"/>: returns true when an earlier op in this
    /// backward pass already wrote it (so the caller must accumulate), false when the caller writes first.
    /// <paramref name="masked"/> says the caller's contribution is masked by [value &gt; 0]; the
    /// tensor's gradient counts as masked only while every contribution was.
    /// </summary>
    public bool BeginGradientWrite(Tensor tensor, bool masked = false)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.GradientWritten)
        {
            tensor.GradientMasked &= masked;
            return true;
        }
        tensor.GradientWritten = true;
        tensor.GradientMasked = masked;
        _written.Add(tensor);
        return false;
    }

    /// <summary>Runs every recorded op's backward, last first. Some op (a loss) must have seeded a gradient.</summary>
    public void Backward()
    {
        for (var i = _steps.Count - 1; i >= 0; i--)
        {
            var step = _steps[i];
            if (step.Output.GradientWritten)
            {
                step.Backward(this);
            }
        }
    }

    /// <summary>Forgets the recorded ops and marks every gradient as unwritten, ready for the next step.</summary>
    public void Reset()
    {
        _steps.Clear();
        foreach (var tensor in _written)
        {
            tensor.GradientWritten = false;
            tensor.GradientMasked = false;
        }
        _written.Clear();
    }
}
