using System.Globalization;
using CrossPropertyILGPU.Transfer.Chemistry;

namespace CrossPropertyILGPU.Transfer.Fit;

/// <summary>
/// Which rows validate which model: K folds (every row scored once by a model that never saw it)
/// or one validation split (fold 0 validates; fold 1 only trains). Rows are assigned in whole
/// composition groups (<see cref="CompositionKey"/>), so polymorphs of one reduced formula are never
/// on both sides of a split: a model would otherwise be scored on a composition it was trained on,
/// which flatters every composition-only model alike and most the ones that memorise.
/// </summary>
public sealed class FoldPlan
{
    private FoldPlan(int[] foldOfRow, int foldCount, int validatedFolds, string description)
    {
        FoldOfRow = foldOfRow;
        FoldCount = foldCount;
        ValidatedFolds = validatedFolds;
        Description = description;
    }

    /// <summary>The fold of each row.</summary>
    public IReadOnlyList<int> FoldOfRow { get; }

    /// <summary>Folds there are.</summary>
    public int FoldCount { get; }

    /// <summary>Folds that validate a model: all of them in cross-validation, fold 0 alone for one validation split.</summary>
    public int ValidatedFolds { get; }

    /// <summary>True for one validation split rather than cross-validation.</summary>
    public bool IsHoldout => ValidatedFolds == 1;

    /// <summary>"5-fold cross-validation grouped by reduced composition" and the like, for the report.</summary>
    public string Description { get; }

    /// <summary>Rows never scored out of fold (the training-only fold of a validation split).</summary>
    public bool IsOutOfFold(int row) => FoldOfRow[row] < ValidatedFolds;

    /// <summary>The rows of fold <paramref name="fold"/>, ascending.</summary>
    public int[] ValidationRows(int fold) => [.. Enumerable.Range(0, FoldOfRow.Count).Where(i => FoldOfRow[i] == fold)];

    /// <summary>The rows outside fold <paramref name="fold"/>, ascending.</summary>
    public int[] TrainRows(int fold) => [.. Enumerable.Range(0, FoldOfRow.Count).Where(i => FoldOfRow[i] != fold)];

    /// <summary>The rows some model scored out of fold, ascending.</summary>
    public int[] OutOfFoldRows() => [.. Enumerable.Range(0, FoldOfRow.Count).Where(IsOutOfFold)];

    /// <summary>
    /// K folds of whole groups: groups in a seeded random order, then largest first, each to the fold
    /// with the fewest rows so far (scikit-learn's GroupKFold, randomised), so fold sizes stay close.
    /// </summary>
    /// <exception cref="UsageException">Fewer groups than folds.</exception>
    public static FoldPlan CrossValidation(IReadOnlyList<string> groupOfRow, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(groupOfRow);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        var groups = Groups(groupOfRow, seed);
        if (groups.Count < folds)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"the training rows hold {groups.Count} distinct compositions; {folds}-fold cross-validation needs at least {folds}."));
        }
        var foldOfRow = new int[groupOfRow.Count];
        var sizes = new int[folds];
        foreach (var rows in groups.OrderByDescending(g => g.Count))
        {
            var fold = Array.IndexOf(sizes, sizes.Min());
            foreach (var row in rows)
            {
                foldOfRow[row] = fold;
            }
            sizes[fold] += rows.Count;
        }
        return new FoldPlan(foldOfRow, folds, folds, string.Create(CultureInfo.InvariantCulture,
            $"{folds}-fold cross-validation, folds grouped by reduced composition ({groups.Count} compositions in {groupOfRow.Count} rows)"));
    }

    /// <summary>One validation split: whole groups in a seeded random order until <paramref name="fraction"/> of the rows validate.</summary>
    /// <exception cref="UsageException">Too few groups to leave rows on both sides.</exception>
    public static FoldPlan Holdout(IReadOnlyList<string> groupOfRow, double fraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(groupOfRow);
        var groups = Groups(groupOfRow, seed);
        var wanted = Math.Max(1, (int)Math.Round(groupOfRow.Count * fraction));
        var foldOfRow = Enumerable.Repeat(1, groupOfRow.Count).ToArray();
        var taken = 0;
        foreach (var rows in groups)
        {
            if (taken >= wanted)
            {
                break;
            }
            foreach (var row in rows)
            {
                foldOfRow[row] = 0;
            }
            taken += rows.Count;
        }
        if (taken == 0 || taken == groupOfRow.Count)
        {
            throw new UsageException("the training rows hold too few distinct compositions for a validation split.");
        }
        return new FoldPlan(foldOfRow, 2, 1, string.Create(CultureInfo.InvariantCulture,
            $"one validation split of {taken} rows ({(double)taken / groupOfRow.Count:P0}; {groups.Count} compositions in {groupOfRow.Count} rows, whole compositions on one side)"));
    }

    // The rows of each group, the groups in a seeded random order (first occurrence order, then shuffled).
    private static List<List<int>> Groups(IReadOnlyList<string> groupOfRow, int seed)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var groups = new List<List<int>>();
        for (var row = 0; row < groupOfRow.Count; row++)
        {
            if (!index.TryGetValue(groupOfRow[row], out var g))
            {
                index[groupOfRow[row]] = g = groups.Count;
                groups.Add([]);
            }
            groups[g].Add(row);
        }
        var order = groups.ToArray();
        new Random(seed).Shuffle(order);
        return [.. order];
    }

    /// <summary>
    /// The reduced composition of a formula as a key: each element's share of the atoms, to six
    /// significant digits, in symbol order — so Fe2O3, Fe4O6 and O3Fe2 share one key, and so do the
    /// polymorphs a data set lists under one formula.
    /// </summary>
    /// <exception cref="FormulaException">The formula does not parse.</exception>
    public static string CompositionKey(string formula)
    {
        var composition = FormulaParser.Parse(formula);
        return string.Join(' ', composition.Amounts
            .OrderBy(a => a.Key, StringComparer.Ordinal)
            .Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Key}{a.Value / composition.Total:G6}")));
    }
}
