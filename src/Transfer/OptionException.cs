namespace CrossPropertyILGPU.Transfer;

/// <summary>
/// A usage error about one option: which option (<see cref="Option"/>, named as the options record
/// names it, e.g. <c>ValidationFraction</c>), the value given, and what is wrong with it. The library
/// never speaks in command-line flags; the CLI turns <see cref="Option"/> into its flag
/// (<c>--val-fraction</c>) when it shows the error.
/// </summary>
public sealed class OptionException : UsageException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="option">The option's property name (e.g. <c>nameof(TrainRunOptions.Patience)</c>).</param>
    /// <param name="value">The value as given, or null when the option itself is the problem.</param>
    /// <param name="problem">What is wrong and, where it helps, what would be right.</param>
    /// <param name="innerException">The cause, if any.</param>
    public OptionException(string option, string? value, string problem, Exception? innerException = null)
        : base(Format(option, value, problem), innerException)
    {
        Option = option;
        Value = value;
        Problem = problem;
    }

    /// <summary>The option's property name.</summary>
    public string Option { get; }

    /// <summary>The value as given, or null.</summary>
    public string? Value { get; }

    /// <summary>What is wrong, without the option's name.</summary>
    public string Problem { get; }

    /// <summary>"<c>name value: problem</c>", the form every option error takes; <paramref name="name"/> is the property or the flag.</summary>
    public static string Format(string name, string? value, string problem) =>
        value is null ? $"{name}: {problem}" : $"{name} {value}: {problem}";
}
