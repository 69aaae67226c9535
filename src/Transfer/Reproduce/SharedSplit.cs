using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Reproduce;

/// <summary>
/// The one train/validation split of a data set that every method uses:
/// <c>&lt;results&gt;/&lt;set&gt;/splits.json</c>, carved once from the training file with the seed and
/// then only read, so methods run on different machines or days see the same rows. The test file
/// is never split and never selects anything.
/// </summary>
/// <remarks>
/// The file names the validation rows by line and the training file by its SHA-256 (a changed
/// file is refused) instead of listing every row as a run folder's splits.json does: the 41 sets
/// hold half a million rows, and these files are committed with the results.
/// </remarks>
public sealed record SharedSplit
{
    /// <summary>File name in the data set's results folder.</summary>
    public const string FileName = "splits.json";

    /// <summary>The file format's name and version.</summary>
    public const string CurrentFormat = "cpilgpu-reproduce-split/1";

    /// <summary>File format.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>Seed the validation rows were drawn with.</summary>
    public int Seed { get; init; }

    /// <summary>Share of the usable training rows held out for validation.</summary>
    public double ValidationFraction { get; init; }

    /// <summary>The training file, as given when the split was carved.</summary>
    public string TrainFile { get; init; } = "";

    /// <summary>SHA-256 of the training file (hex).</summary>
    public string TrainSha256 { get; init; } = "";

    /// <summary>Rows of the training file with usable elemental fractions: train + validation.</summary>
    public int UsableRows { get; init; }

    /// <summary>Rows of the test file with usable elemental fractions.</summary>
    public int TestRows { get; init; }

    /// <summary>Lines (header = 1) of training rows that elemental fractions cannot use; in neither split, for any method.</summary>
    public int[] UnusableLines { get; init; } = [];

    /// <summary>Lines (header = 1) of the validation rows, ascending; every other usable line is a training row.</summary>
    public int[] ValidationLines { get; init; } = [];

    /// <summary>The seed a results folder's existing split was carved with, or null when it has none yet.</summary>
    public static int? ExistingSeed(string setResults)
    {
        var path = Path.Combine(setResults, FileName);
        return File.Exists(path) ? Read(path).Seed : null;
    }

    /// <summary>
    /// Reads the set's split, or carves and writes it: <paramref name="fraction"/> of the usable rows
    /// of the training file (elemental fractions) drawn with <paramref name="seed"/>, the way
    /// <c>train --val-fraction</c> draws its split.
    /// </summary>
    /// <exception cref="UsageException">The existing split was carved with another seed, or from another version of the training file.</exception>
    public static SharedSplit LoadOrCreate(TargetDataset set, string setResults, int seed, double fraction, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(log);
        var path = Path.Combine(setResults, FileName);
        var sha = Sha256(set.TrainPath);
        if (File.Exists(path))
        {
            var existing = Read(path);
            if (existing.Seed != seed)
            {
                throw new OptionException(nameof(ReproduceOptions.Seed), seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    $"{path} was carved with seed {existing.Seed}; one results folder holds one split. Use the same seed or another results folder.");
            }
            if (existing.TrainSha256 != sha)
            {
                throw new UsageException(
                    $"{set.TrainPath} is not the file {path} was carved from (its SHA-256 differs); the results of that set belong to the old file. Move them aside to start the set afresh.");
            }
            return existing;
        }
        var train = DataLoading.Load(set.TrainPath, formulaColumn: null, targetColumn: null, requireTargets: true, log);
        var test = DataLoading.Load(set.TestPath, formulaColumn: null, targetColumn: null, requireTargets: true, TextWriter.Null);
        var n = train.Count;
        var validationCount = (int)Math.Round(n * fraction);
        if (validationCount < 1 || validationCount >= n)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"{set.TrainPath}: {n} usable rows cannot be split {1 - fraction:P0}/{fraction:P0} into non-empty train and validation sets."));
        }
        var order = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(order);
        var split = new SharedSplit
        {
            Seed = seed,
            ValidationFraction = fraction,
            TrainFile = set.TrainPath,
            TrainSha256 = sha,
            UsableRows = n,
            TestRows = test.Count,
            UnusableLines = [.. train.Skipped.Select(s => s.Line).Order()],
            ValidationLines = [.. order[..validationCount].Select(i => train.Records[i].Line).Order()],
        };
        Directory.CreateDirectory(setResults);
        CsvOutput.WriteAtomically(path, writer =>
        {
            writer.Write(JsonSerializer.Serialize(split, SplitJson.Default.SharedSplit));
            writer.WriteLine();
            return 0;
        });
        log.WriteLine($"{set.Name}: carved {n - validationCount} train / {validationCount} validation rows (seed {seed}) into {path}");
        return split;
    }

    /// <summary>Training rows of the split (usable rows less the validation rows).</summary>
    [JsonIgnore]
    public int TrainRows => UsableRows - ValidationLines.Length;

    /// <summary>
    /// The split's training and validation rows of <paramref name="data"/> (the training file loaded
    /// with some method's features); rows those features cannot represent are counted in
    /// <c>Dropped</c>, never replaced, and rows elemental fractions could not use stay out.
    /// </summary>
    public (int[] Train, int[] Validation, int Dropped) Select(FeaturizedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var validation = ValidationLines.ToHashSet();
        var unusable = UnusableLines.ToHashSet();
        var trainRows = new List<int>(data.Count);
        var validationRows = new List<int>(ValidationLines.Length);
        for (var i = 0; i < data.Count; i++)
        {
            var line = data.Records[i].Line;
            if (validation.Contains(line))
            {
                validationRows.Add(i);
            }
            else if (!unusable.Contains(line))
            {
                trainRows.Add(i);
            }
        }
        return ([.. trainRows], [.. validationRows], UsableRows - trainRows.Count - validationRows.Count);
    }

    /// <summary>The split as a run folder's <see cref="SplitsFile"/> over <paramref name="train"/> and <paramref name="validation"/>, loaded from <paramref name="trainPath"/> (for <see cref="TrainRunOptions.Splits"/>).</summary>
    public SplitsFile ToRunSplits(FeaturizedData train, FeaturizedData validation, string trainPath)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        SplitRows Rows(FeaturizedData data) => new()
        {
            Files = [trainPath],
            FileIndex = new int[data.Count],
            Lines = [.. data.Records.Select(r => r.Line)],
            Formulas = [.. data.Records.Select(r => r.Formula)],
        };
        return new SplitsFile
        {
            Seed = Seed,
            ValidationSource = string.Create(CultureInfo.InvariantCulture, $"reproduce split (fraction {ValidationFraction}, seed {Seed})"),
            Train = Rows(train),
            Validation = Rows(validation),
        };
    }

    /// <summary>SHA-256 of a file, lower-case hex.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static SharedSplit Read(string path)
    {
        try
        {
            var split = JsonSerializer.Deserialize(File.ReadAllText(path), SplitJson.Default.SharedSplit)
                ?? throw new DataFileException(path, "empty splits file");
            return split.Format == CurrentFormat ? split : throw new DataFileException(path, $"format '{split.Format}', expected '{CurrentFormat}'");
        }
        catch (JsonException e)
        {
            throw new DataFileException(path, $"not a reproduce splits.json ({e.Message})", innerException: e);
        }
    }
}

/// <summary>Source-generated JSON for the shared split: one line, since it holds thousands of line numbers.</summary>
[JsonSourceGenerationOptions(WriteIndented = false, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SharedSplit))]
internal sealed partial class SplitJson : JsonSerializerContext;
