namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>
/// A data file that cannot be used, with where the problem is: the file, and when it concerns one
/// cell, its line, column and value, as in
/// <c>data.csv line 7, column 'gap expt': 'abc' is not a number</c>.
/// </summary>
public sealed class DataFileException : Exception
{
    /// <summary>Creates an exception for a problem in <paramref name="path"/>.</summary>
    /// <param name="path">The file, as the caller named it.</param>
    /// <param name="problem">What is wrong, without the place: <c>'abc' is not a number</c>.</param>
    /// <param name="line">The 1-based line of the file (the header is line 1), when the problem is on one line.</param>
    /// <param name="column">The column name, when the problem is in one column.</param>
    /// <param name="value">The offending cell's text, when there is one.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public DataFileException(
        string path, string problem, int? line = null, string? column = null, string? value = null, Exception? innerException = null)
        : base(FormatMessage(path, problem, line, column), innerException)
    {
        Path = path;
        Problem = problem;
        Line = line;
        Column = column;
        Value = value;
    }

    /// <summary>Creates an exception with a message only (empty <see cref="Path"/>).</summary>
    /// <param name="message">The message.</param>
    public DataFileException(string message)
        : this(message, innerException: null)
    {
    }

    /// <summary>Creates an exception with a message and a cause (empty <see cref="Path"/>).</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public DataFileException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Path = "";
        Problem = message;
    }

    /// <summary>Creates an exception with the default message.</summary>
    public DataFileException()
        : this("The data file cannot be used.")
    {
    }

    /// <summary>The file, as the caller named it.</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the place (the end of <see cref="Exception.Message"/>).</summary>
    public string Problem { get; }

    /// <summary>The 1-based line of the file (the header is line 1), or null when the problem is not on one line.</summary>
    public int? Line { get; }

    /// <summary>The column name, or null when the problem is not in one column.</summary>
    public string? Column { get; }

    /// <summary>The offending cell's text, or null when the problem is not one cell.</summary>
    public string? Value { get; }

    private static string FormatMessage(string path, string problem, int? line, string? column)
    {
        var place = path;
        if (line is { } number)
        {
            place += $" line {number}";
        }
        if (column is not null)
        {
            place += $"{(line is null ? "" : ",")} column '{column}'";
        }
        return $"{place}: {problem}";
    }
}
