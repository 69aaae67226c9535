namespace CrossPropertyILGPU.Transfer;

/// <summary>
/// An invalid argument, configuration or file that the user must fix (the CLI exits with code 2).
/// The message says what was wrong and, where it helps, what would be right.
/// </summary>
public class UsageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UsageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public UsageException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public UsageException()
        : base("Invalid usage.")
    {
    }
}
