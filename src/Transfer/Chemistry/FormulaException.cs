namespace CrossPropertyILGPU.Transfer.Chemistry;

/// <summary>
/// A chemical formula that <see cref="FormulaParser"/> cannot read, with the place of the problem:
/// <c>Unknown element symbol 'Xx' at position 2 in formula 'FeXx2'</c>.
/// </summary>
public sealed class FormulaException : FormatException
{
    /// <summary>Creates an exception for a problem at <paramref name="position"/> of <paramref name="formula"/>.</summary>
    /// <param name="problem">What is wrong, without the place: <c>Unknown element symbol 'Xx'</c>.</param>
    /// <param name="formula">The whole formula as given.</param>
    /// <param name="position">The 0-based index of the character where the problem is.</param>
    public FormulaException(string problem, string formula, int position)
        : base($"{problem} at position {position} in formula '{formula}'")
    {
        Problem = problem;
        Formula = formula;
        Position = position;
    }

    /// <summary>Creates an exception with a message only (no formula, position 0).</summary>
    /// <param name="message">The message.</param>
    public FormulaException(string message)
        : this(message, innerException: null)
    {
    }

    /// <summary>Creates an exception with a message and a cause (no formula, position 0).</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public FormulaException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Problem = message;
        Formula = "";
    }

    /// <summary>Creates an exception with the default message.</summary>
    public FormulaException()
        : this("The chemical formula is not valid.")
    {
    }

    /// <summary>What is wrong, without the place (the start of <see cref="Exception.Message"/>).</summary>
    public string Problem { get; }

    /// <summary>The whole formula as it was given to the parser.</summary>
    public string Formula { get; }

    /// <summary>The 0-based index in <see cref="Formula"/> of the character where the problem is.</summary>
    public int Position { get; }
}
