using System.Globalization;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>
/// The training rows split into train and validation, with the file each row came from; made by
/// carving a seeded fraction, by reading a validation file, or by reusing the rows a
/// <c>splits.json</c> names. Also builds the <see cref="SplitsFile"/> a run folder records.
/// </summary>
internal sealed record ValidationSplit(FeaturizedData Train, FeaturizedData Validation, string Source, int[] TrainFileIndex, int[] ValidationFileIndex)
{
    /// <summary>Splits <paramref name="trainFile"/> (the concatenated training files; <paramref name="fileOfRow"/> gives each row's file) as <paramref name="options"/> say.</summary>
    public static ValidationSplit Make(FeaturizedData trainFile, int[] fileOfRow, TrainRunOptions options, FeatureSource features, TextWriter log)
    {
        if (options.Splits is not null || options.SplitsPath is not null)
        {
            return Reuse(trainFile, fileOfRow, options);
        }
        if (options.ValidationPath is { } path)
        {
            var validation = DataLoading.Load(path, options.FormulaColumn, options.TargetColumn, requireTargets: true, log, features);
            return new ValidationSplit(trainFile, validation, $"file {path}", fileOfRow, new int[validation.Count]);
        }
        return Carve(trainFile, fileOfRow, options);
    }

    // A seeded shuffle; the first round(n·fraction) rows of it validate. Both splits keep file order.
    private static ValidationSplit Carve(FeaturizedData trainFile, int[] fileOfRow, TrainRunOptions options)
    {
        var n = trainFile.Count;
        var validationCount = (int)Math.Round(n * options.ValidationFraction);
        if (validationCount < 1 || validationCount >= n)
        {
            throw new OptionException(nameof(TrainRunOptions.ValidationFraction), options.ValidationFraction.ToString(CultureInfo.InvariantCulture), string.Create(CultureInfo.InvariantCulture,
                $"{string.Join(", ", options.TrainPaths)}: {n} usable rows cannot be split {1 - options.ValidationFraction:P0}/{options.ValidationFraction:P0} into non-empty train and validation sets; give a validation file."));
        }
        var order = Enumerable.Range(0, n).ToArray();
        new Random(options.Seed).Shuffle(order);
        var validationRows = order[..validationCount].Order().ToArray();
        var trainRows = order[validationCount..].Order().ToArray();
        return new ValidationSplit(DataLoading.Subset(trainFile, trainRows), DataLoading.Subset(trainFile, validationRows),
            string.Create(CultureInfo.InvariantCulture, $"fraction {options.ValidationFraction} of the training files, seed {options.Seed}"),
            [.. trainRows.Select(i => fileOfRow[i])], [.. validationRows.Select(i => fileOfRow[i])]);
    }

    // The rows a splits file names, found by (training file, line) in the loaded data; the formula
    // at each line must match, so a split from other files fails loudly instead of silently.
    private static ValidationSplit Reuse(FeaturizedData trainFile, int[] fileOfRow, TrainRunOptions options)
    {
        var splits = options.Splits ?? RunFolder.ReadSplits(options.SplitsPath!);
        var source = options.SplitsPath ?? "cross-validation fold";
        var files = options.TrainPaths.Select(Path.GetFullPath).ToArray();
        var rowOf = new Dictionary<(int File, int Line), int>();
        for (var i = 0; i < trainFile.Count; i++)
        {
            rowOf[(fileOfRow[i], trainFile.Records[i].Line)] = i;
        }
        int[] Rows(SplitRows rows, string name)
        {
            var result = new int[rows.Lines.Length];
            for (var j = 0; j < rows.Lines.Length; j++)
            {
                var file = Array.IndexOf(files, Path.GetFullPath(rows.Files[rows.FileIndex[j]]));
                if (file < 0)
                {
                    throw new OptionException(nameof(TrainRunOptions.TrainPaths), null,
                        $"{source}: its {name} split uses {rows.Files[rows.FileIndex[j]]}, which is not among the training files.");
                }
                if (!rowOf.TryGetValue((file, rows.Lines[j]), out var row) || trainFile.Records[row].Formula != rows.Formulas[j])
                {
                    throw new UsageException(
                        $"{source}: {name} row '{rows.Formulas[j]}' at {options.TrainPaths[file]} line {rows.Lines[j]} is not in the training data as loaded (a different file, or a skipped formula).");
                }
                result[j] = row;
            }
            return result;
        }
        var trainRows = Rows(splits.Train, "train");
        var validationRows = Rows(splits.Validation, "validation");
        if (trainRows.Length == 0 || validationRows.Length == 0 || trainRows.Intersect(validationRows).Any())
        {
            throw new UsageException($"{source}: the train and validation splits must be non-empty and disjoint.");
        }
        return new ValidationSplit(DataLoading.Subset(trainFile, trainRows), DataLoading.Subset(trainFile, validationRows), $"splits from {source}",
            [.. trainRows.Select(i => fileOfRow[i])], [.. validationRows.Select(i => fileOfRow[i])]);
    }

    /// <summary>The <c>splits.json</c> record of this split and the test rows.</summary>
    public SplitsFile ToFile(TrainRunOptions options, FeaturizedData? test)
    {
        static SplitRows Rows(string[] files, FeaturizedData data, int[] fileIndex) => new()
        {
            Files = files,
            FileIndex = fileIndex,
            Lines = [.. data.Records.Select(r => r.Line)],
            Formulas = [.. data.Records.Select(r => r.Formula)],
            Targets = data.Targets is null ? null : [.. data.Targets],
        };
        return new SplitsFile
        {
            Seed = options.Seed,
            ValidationSource = Source,
            Train = Rows([.. options.TrainPaths], Train, TrainFileIndex),
            Validation = options.ValidationPath is { } path
                ? Rows([path], Validation, ValidationFileIndex)
                : Rows([.. options.TrainPaths], Validation, ValidationFileIndex),
            Test = test is null ? null : Rows([options.TestPath!], test, new int[test.Count]),
        };
    }

    /// <summary>
    /// Checks that the data a run resumes on are the data it started on: every split's rows, in
    /// order, with the same formulas and — where <paramref name="recorded"/> holds them — the same
    /// targets (an edited target value would otherwise be trained on silently).
    /// </summary>
    /// <exception cref="UsageException">The first row that differs, with its file, line and both values.</exception>
    public static void CheckUnchanged(SplitsFile recorded, SplitsFile now, string recordedPath)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(now);
        foreach (var (name, before, after) in new[] { ("train", recorded.Train, now.Train), ("validation", recorded.Validation, now.Validation), ("test", recorded.Test, now.Test) })
        {
            if (before is null || after is null)
            {
                continue;
            }
            if (before.Lines.Length != after.Lines.Length)
            {
                throw new UsageException($"{recordedPath}: the {name} split had {before.Lines.Length} rows when the run started; the files now give {after.Lines.Length}. Resume only on the data the run started with.");
            }
            for (var j = 0; j < before.Lines.Length; j++)
            {
                var where = $"{after.Files[after.FileIndex[j]]} line {after.Lines[j]}";
                if (before.Lines[j] != after.Lines[j] || before.Formulas[j] != after.Formulas[j])
                {
                    throw new UsageException($"{recordedPath}: {name} row {j + 1} was '{before.Formulas[j]}' (line {before.Lines[j]}) when the run started; {where} is now '{after.Formulas[j]}'. Resume only on the data the run started with.");
                }
            }
            if (before.Targets is not { } was || after.Targets is not { } now2)
            {
                continue;
            }
            var perRow = Math.Max(1, was.Length / Math.Max(1, before.Lines.Length));
            for (var k = 0; k < Math.Min(was.Length, now2.Length); k++)
            {
                // Bitwise, so NaN (unlabelled) equals NaN and nothing else.
                if (BitConverter.SingleToInt32Bits(was[k]) != BitConverter.SingleToInt32Bits(now2[k]))
                {
                    var j = k / perRow;
                    throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                        $"{after.Files[after.FileIndex[j]]} line {after.Lines[j]} ('{after.Formulas[j]}'): its target is {now2[k]:R} now but was {was[k]:R} when the run started ({recordedPath}); a resumed run must train on the data it started with."));
                }
            }
        }
    }
}
