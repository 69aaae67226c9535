using System.Globalization;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Reproduce;

/// <summary>The members an ensemble combines, or why it cannot be derived.</summary>
/// <param name="Members">One result per slot (<see cref="MethodEnsemble.Slots"/>), in slot order; empty when <paramref name="NotComputable"/> is set.</param>
/// <param name="Candidates">Every candidate of the slots that had a choice, with its validation MAE (sc-ensemble); empty otherwise.</param>
/// <param name="NotComputable">Why the ensemble cannot be derived from the results as they are; null when it can.</param>
public sealed record EnsembleChoice(IReadOnlyList<MethodResult> Members, IReadOnlyList<ResultCandidate> Candidates, string? NotComputable);

/// <summary>An ensemble's mean predictions and their MAEs.</summary>
/// <param name="Predictions">The mean of the members' predictions, row by row.</param>
/// <param name="ValidationMae">MAE of the mean on the validation rows.</param>
/// <param name="TestMae">MAE of the mean on the test rows.</param>
public sealed record EnsembleScores(ResultPredictions Predictions, double ValidationMae, double TestMae);

/// <summary>
/// The two ensembles beside the paper's methods. They train nothing: each averages the predictions
/// its members' result files recorded (<see cref="MethodResult.Predictions"/>), row by row.
/// <c>tl-ensemble</c> is the mean of TL:FineTune and TL:ModFineTune; <c>sc-ensemble</c> the mean of
/// the best SC:ML (EF or PA) and the best SC:DL (EF or PA), each chosen on validation MAE. The
/// validation MAE of the mean is what the report selects on; the test MAE is only scored.
/// </summary>
/// <remarks>
/// An ensemble needs every candidate of its slots to have a usable result (so that its choice is
/// final, as the report's best SC and best TL are only once every method has a result) and its
/// members to have predicted every validation and test row. A member that dropped rows (features
/// that could not represent them) makes the ensemble not computable rather than scored on the rows
/// both members share: on fewer rows its MAE would not be comparable with the methods it competes
/// with, which are scored on all of them.
/// </remarks>
public static class MethodEnsemble
{
    /// <summary>
    /// The member slots of <paramref name="ensemble"/>, each a list of candidates: the candidate with
    /// the lowest validation MAE fills its slot (the first in grid order on a tie).
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<ReproduceMethod>> Slots(this ReproduceMethod ensemble) => ensemble switch
    {
        ReproduceMethod.ScratchEnsemble =>
        [
            [ReproduceMethod.ScratchMlElementalFractions, ReproduceMethod.ScratchMlPhysicalAttributes],
            [ReproduceMethod.ScratchDlElementalFractions, ReproduceMethod.ScratchDlPhysicalAttributes],
        ],
        ReproduceMethod.FineTuneEnsemble => [[ReproduceMethod.FineTune], [ReproduceMethod.ModFineTune]],
        _ => throw new ArgumentOutOfRangeException(nameof(ensemble), ensemble, "Not an ensemble."),
    };

    /// <summary>The result files of the paper's methods in a data set's results folder, by method name; absent files are left out.</summary>
    /// <exception cref="Data.DataFileException">A result file is malformed.</exception>
    public static IReadOnlyDictionary<string, MethodResult> ReadSetResults(string setFolder) =>
        ReproduceMethods.Paper
            .Select(m => Path.Combine(setFolder, m.Name() + ".json"))
            .Where(File.Exists)
            .Select(MethodResult.Load)
            .ToDictionary(r => r.Method, StringComparer.Ordinal);

    /// <summary>Chooses the members of <paramref name="ensemble"/> from a set's results (<see cref="ReadSetResults"/>): the slots' candidates, compared on validation MAE.</summary>
    public static EnsembleChoice Choose(ReproduceMethod ensemble, IReadOnlyDictionary<string, MethodResult> setResults)
    {
        ArgumentNullException.ThrowIfNull(setResults);
        var members = new List<MethodResult>();
        var candidates = new List<ResultCandidate>();
        foreach (var slot in ensemble.Slots())
        {
            foreach (var method in slot)
            {
                if (!setResults.TryGetValue(method.Name(), out var result))
                {
                    return NotComputable($"{method.Name()} has no result yet");
                }
                if (!result.IsUsable)
                {
                    return NotComputable($"{method.Name()} has no usable result ({result.Status}{(result.Error is { } e ? ": " + e.ReplaceLineEndings(" ") : "")})");
                }
                if (slot.Count > 1)
                {
                    candidates.Add(new ResultCandidate(method.Name(), result.ValidationMae!.Value, result.Epochs, result.Seconds));
                }
            }
            // Selection on validation only; MinBy keeps the first of equals, so grid order breaks a tie.
            members.Add(slot.Select(m => setResults[m.Name()]).MinBy(r => r.ValidationMae!.Value)!);
        }
        return new EnsembleChoice(members, candidates, null);
    }

    /// <summary>
    /// Why <paramref name="members"/> cannot be averaged on these rows — a member without
    /// predictions (a result file older than them), with dropped rows, or with other rows than the
    /// shared split's <paramref name="validationRows"/> and the test file's <paramref name="testRows"/>,
    /// or transfer members made from different source models — or null when they can.
    /// </summary>
    public static string? Check(IReadOnlyList<MethodResult> members, int validationRows, int testRows)
    {
        ArgumentNullException.ThrowIfNull(members);
        foreach (var member in members)
        {
            if (member.Predictions is not { } predictions)
            {
                return $"{member.Method}'s result has no predictions (written before results recorded them); run {member.Method} again (delete its result file) to record them";
            }
            var dropped = Math.Max(member.DroppedRows, (predictions.ValidationDroppedLines?.Length ?? 0) + (predictions.TestDroppedLines?.Length ?? 0));
            if (dropped > 0)
            {
                return Invariant($"{member.Method} has no prediction for {dropped} of the rows (its features could not represent them); an ensemble is scored on every row, like the methods it competes with");
            }
            if (predictions.Validation.Length != validationRows)
            {
                return Invariant($"{member.Method} recorded {predictions.Validation.Length} validation predictions, but the shared split has {validationRows} validation rows");
            }
            if (predictions.Test.Length != testRows)
            {
                return Invariant($"{member.Method} recorded {predictions.Test.Length} test predictions, but the test file has {testRows} usable rows");
            }
        }
        var sources = members.Select(m => m.Config.SourceSha256).Distinct().ToList();
        return sources.Count > 1
            ? $"{string.Join(" and ", members.Select(m => m.Method))} were made from different source models (sha256 {string.Join(", ", sources.Select(s => s?[..Math.Min(12, s.Length)] ?? "none"))})"
            : null;
    }

    /// <summary>
    /// The mean of <paramref name="members"/>' predictions, row by row (in double, then rounded to
    /// float as every method's predictions are), scored against the targets of the same rows.
    /// </summary>
    /// <exception cref="ArgumentException">The members' predictions and the targets differ in length (see <see cref="Check"/>).</exception>
    public static EnsembleScores Combine(IReadOnlyList<MethodResult> members, float[] validationTargets, float[] testTargets)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(validationTargets);
        ArgumentNullException.ThrowIfNull(testTargets);
        if ((members.Count == 0 ? "there are none" : Check(members, validationTargets.Length, testTargets.Length)) is { } problem)
        {
            throw new ArgumentException($"These members cannot be averaged: {problem}.", nameof(members));
        }
        float[] Mean(Func<ResultPredictions, float[]> split, int rows)
        {
            var mean = new float[rows];
            for (var i = 0; i < rows; i++)
            {
                var sum = 0.0;
                foreach (var member in members)
                {
                    sum += split(member.Predictions!)[i];
                }
                mean[i] = (float)(sum / members.Count);
            }
            return mean;
        }
        var validation = Mean(p => p.Validation, validationTargets.Length);
        var test = Mean(p => p.Test, testTargets.Length);
        // The mean-predictor column of these metrics is not used: 0 stands in for the training mean.
        return new EnsembleScores(
            new ResultPredictions { Validation = validation, Test = test },
            RegressionMetrics.Compute("validation", validationTargets, validation, 0).Mae,
            RegressionMetrics.Compute("test", testTargets, test, 0).Mae);
    }

    /// <summary>
    /// True when <paramref name="ensemble"/> (a result of an ensemble method) still describes the
    /// set's results: the same members would be chosen now, and each is the version (finish time)
    /// it averaged. A member run again, or a candidate that now wins its slot, makes it stale.
    /// </summary>
    public static bool IsCurrent(MethodResult ensemble, IReadOnlyDictionary<string, MethodResult> setResults)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        var method = ReproduceMethods.All.FirstOrDefault(m => m.Name() == ensemble.Method);
        if (!method.IsEnsemble() || ensemble.Members is not { } recorded)
        {
            return false;
        }
        var choice = Choose(method, setResults);
        return choice.NotComputable is null
            && choice.Members.Select(m => new ResultMember(m.Method, m.Finished)).SequenceEqual(recorded);
    }

    private static EnsembleChoice NotComputable(string reason) => new([], [], reason);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
