namespace CrossPropertyILGPU.Kernels.Backends;

/// <summary>
/// The one map between an enum's values and the names users type and files record: every
/// enum-valued option (device, GEMM, and the training options of the transfer layer) is a table of
/// (value, name) pairs, from which printing, parsing and the list of names all come, so the three
/// can never drift apart.
/// </summary>
/// <typeparam name="T">The enum.</typeparam>
public sealed class NameTable<T>
    where T : struct, Enum
{
    private readonly (T Value, string Name)[] _entries;
    private readonly bool _ignoreCase;

    /// <summary>Creates the table; <paramref name="ignoreCase"/> also trims what is parsed.</summary>
    public NameTable(bool ignoreCase, params (T Value, string Name)[] entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = entries;
        _ignoreCase = ignoreCase;
        Names = [.. entries.Select(e => e.Name)];
    }

    /// <summary>Every name, in the order help texts list them.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>"<c>a, b or c</c>".</summary>
    public string Listing => Names.Count == 1 ? Names[0] : $"{string.Join(", ", Names.Take(Names.Count - 1))} or {Names[^1]}";

    /// <summary>The name of <paramref name="value"/>.</summary>
    public string ToName(T value)
    {
        foreach (var (v, name) in _entries)
        {
            if (EqualityComparer<T>.Default.Equals(v, value))
            {
                return name;
            }
        }
        throw new ArgumentOutOfRangeException(nameof(value), value, $"No name for {typeof(T).Name} {value}.");
    }

    /// <summary>The value <paramref name="text"/> names; false (and the default value) when none.</summary>
    public bool TryParse(string? text, out T value)
    {
        var key = _ignoreCase ? text?.Trim() : text;
        var comparison = _ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        foreach (var (v, name) in _entries)
        {
            if (string.Equals(name, key, comparison))
            {
                value = v;
                return true;
            }
        }
        value = default;
        return false;
    }
}
