namespace CrossPropertyILGPU.Transfer.Reproduce;

/// <summary>A target set laid out as data/jarvis holds them: <c>&lt;root&gt;/&lt;name&gt;/&lt;name&gt;_training_set.csv</c> and <c>_test_set.csv</c>.</summary>
/// <param name="Name">Folder name, e.g. <c>expt_deltae</c>.</param>
/// <param name="TrainPath">The training file (the validation split is carved out of it).</param>
/// <param name="TestPath">The test file, scored once per method.</param>
public sealed record TargetDataset(string Name, string TrainPath, string TestPath)
{
    /// <summary>The set <paramref name="name"/> under <paramref name="root"/>, or null when either file is missing.</summary>
    public static TargetDataset? Find(string root, string name)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(name);
        var folder = Path.Combine(root, name);
        var set = new TargetDataset(name, Path.Combine(folder, $"{name}_training_set.csv"), Path.Combine(folder, $"{name}_test_set.csv"));
        return File.Exists(set.TrainPath) && File.Exists(set.TestPath) ? set : null;
    }

    /// <summary>Every set under <paramref name="root"/>, smallest training file first (so results come early).</summary>
    public static IReadOnlyList<TargetDataset> All(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new OptionException(nameof(ReproduceOptions.DataRoot), root, "no such folder (it should hold one folder per data set, e.g. data/jarvis).");
        }
        return [.. Directory.EnumerateDirectories(root)
            .Select(folder => Find(root, Path.GetFileName(folder)))
            .OfType<TargetDataset>()
            .OrderBy(set => new FileInfo(set.TrainPath).Length)
            .ThenBy(set => set.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Parses a <c>--datasets</c> value: <c>all</c> (or null), or comma-separated folder names,
    /// kept in the order given.
    /// </summary>
    /// <exception cref="UsageException">A name that is not a data set folder under <paramref name="root"/>.</exception>
    public static IReadOnlyList<TargetDataset> Resolve(string root, IReadOnlyList<string>? names)
    {
        var all = All(root);
        if (names is null || names.Any(n => n.Equals("all", StringComparison.OrdinalIgnoreCase)))
        {
            if (all.Count == 0)
            {
                throw new OptionException(nameof(ReproduceOptions.DataRoot), root, "no data set folders (<name>/<name>_training_set.csv and <name>_test_set.csv) there.");
            }
            return all;
        }
        if (names.Count == 0)
        {
            throw new OptionException(nameof(ReproduceOptions.Datasets), null, "give 'all' or a comma-separated list of data set folder names.");
        }
        var chosen = new List<TargetDataset>();
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            // A path separator would let a name escape the data root (and the results folder).
            var set = name.IndexOfAny(['/', '\\']) < 0 && name is not ("." or "..") ? Find(root, name) : null;
            chosen.Add(set ?? throw new OptionException(nameof(ReproduceOptions.Datasets), null,
                $"unknown data set '{name}' (no {Path.Combine(root, name, name + "_training_set.csv")} and _test_set.csv). "
                + $"Valid names: all, {string.Join(", ", all.Select(s => s.Name).Order(StringComparer.Ordinal))}."));
        }
        return chosen;
    }

    /// <summary>Splits a comma-separated option value into names.</summary>
    public static IReadOnlyList<string> SplitNames(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }
}
