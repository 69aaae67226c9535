namespace CrossPropertyILGPU.Autograd.Ops;

/// <summary>
/// Base of the ops that record themselves on a tape: sizes the output to the input's rows before
/// the forward launch, and remembers the input for the backward pass (a field, not a closure, so
/// recording allocates nothing).
/// </summary>
public abstract class RecordedOp(Tensor output) : IBackwardStep
{
    private Tensor? _input;

    /// <inheritdoc />
    public Tensor Output { get; } = output ?? throw new ArgumentNullException(nameof(output));

    /// <summary>The input of the last forward.</summary>
    protected Tensor Input => _input ?? throw new InvalidOperationException($"Backward of {GetType().Name} before its forward.");

    /// <inheritdoc />
    public abstract void Backward(Tape tape);

    /// <summary>Checks the input and sizes the output to its rows; call before launching the forward.</summary>
    protected void BeginForward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Output.SetRows(input.Rows);
    }

    /// <summary>Remembers the input and records the op when a tape is given; call after launching the forward.</summary>
    protected Tensor EndForward(Tensor input, Tape? tape)
    {
        _input = input;
        tape?.Record(this);
        return Output;
    }
}
