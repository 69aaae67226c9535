namespace CrossPropertyILGPU.Transfer.Fit;

/// <summary>The blend's weights and what they score.</summary>
/// <param name="Weights">One non-negative weight per candidate, summing to 1.</param>
/// <param name="Mae">The blend's MAE on the rows it was learned on.</param>
/// <param name="Rounds">Greedy rounds of the chosen blend (candidates added, with repetition).</param>
public sealed record BlendResult(IReadOnlyList<double> Weights, double Mae, int Rounds);

/// <summary>
/// Caruana's greedy ensemble selection (Caruana et al., ICML 2004; auto-sklearn's ensemble builder):
/// start from the single best candidate, then repeatedly add — with repetition — the candidate whose
/// addition lowers the blend's MAE most, and keep the best blend seen. The weights are how often
/// each candidate was added: non-negative, summing to one, and the blend's MAE is never above the
/// best candidate's (round 1 is that candidate). It optimises the MAE itself, which least squares
/// (NNLS) would not, and its few, coarse weights over-fit a few hundred rows less than a free fit.
/// </summary>
public static class GreedyBlend
{
    /// <summary>Rounds: weights in steps of 1/50 at the finest.</summary>
    public const int MaxRounds = 50;

    /// <summary>
    /// Learns the weights on <paramref name="predictions"/> (one array per candidate, over the same
    /// rows as <paramref name="targets"/>); with <paramref name="clipAtZero"/> the blend is clipped
    /// at 0 before it is scored, as the saved model clips it.
    /// </summary>
    public static BlendResult Fit(IReadOnlyList<float[]> predictions, ReadOnlySpan<float> targets, bool clipAtZero)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        if (predictions.Count == 0 || targets.Length == 0)
        {
            throw new ArgumentException("Need at least one candidate and one row.", nameof(predictions));
        }
        var rows = targets.Length;
        if (predictions.Any(p => p.Length != rows))
        {
            throw new ArgumentException("Every candidate needs one prediction per row.", nameof(predictions));
        }
        var n = targets.Length;
        var sum = new double[n];
        var counts = new int[predictions.Count];
        var best = (Mae: double.PositiveInfinity, Counts: counts, Rounds: 0);
        for (var round = 1; round <= MaxRounds; round++)
        {
            var (chosen, chosenMae) = (-1, double.PositiveInfinity);
            for (var c = 0; c < predictions.Count; c++)
            {
                var mae = Mae(sum, predictions[c], round, targets, clipAtZero);
                // Strictly lower: ties go to the earlier candidate (the one of higher expected value).
                if (mae < chosenMae)
                {
                    (chosen, chosenMae) = (c, mae);
                }
            }
            counts[chosen]++;
            var p = predictions[chosen];
            for (var i = 0; i < n; i++)
            {
                sum[i] += p[i];
            }
            // Strictly lower, so among equal blends the one of fewest rounds (coarsest weights) stays.
            if (chosenMae < best.Mae)
            {
                best = (chosenMae, (int[])counts.Clone(), round);
            }
        }
        return new BlendResult([.. best.Counts.Select(c => (double)c / best.Rounds)], best.Mae, best.Rounds);
    }

    /// <summary>The blend Σ w_c p_c of each row (clipped at 0 when asked).</summary>
    public static float[] Combine(IReadOnlyList<double> weights, IReadOnlyList<float[]> predictions, bool clipAtZero)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(predictions);
        var n = predictions[0].Length;
        var blend = new float[n];
        for (var i = 0; i < n; i++)
        {
            double value = 0;
            for (var c = 0; c < predictions.Count; c++)
            {
                value += weights[c] * predictions[c][i];
            }
            blend[i] = clipAtZero && value < 0 ? 0f : (float)value;
        }
        return blend;
    }

    /// <summary>
    /// Per row, the weighted standard deviation of the candidates' predictions around the blend
    /// (√Σ w_c (p_c − p̄)²): how much the blended models disagree; 0 where one candidate carries all the weight.
    /// </summary>
    public static float[] Spread(IReadOnlyList<double> weights, IReadOnlyList<float[]> predictions)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(predictions);
        var n = predictions[0].Length;
        var spread = new float[n];
        for (var i = 0; i < n; i++)
        {
            double mean = 0;
            for (var c = 0; c < predictions.Count; c++)
            {
                mean += weights[c] * predictions[c][i];
            }
            double variance = 0;
            for (var c = 0; c < predictions.Count; c++)
            {
                var d = predictions[c][i] - mean;
                variance += weights[c] * d * d;
            }
            spread[i] = (float)Math.Sqrt(variance);
        }
        return spread;
    }

    /// <summary>Mean absolute error of <paramref name="predictions"/> against <paramref name="targets"/>.</summary>
    public static double Mae(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets)
    {
        double total = 0;
        for (var i = 0; i < targets.Length; i++)
        {
            total += Math.Abs((double)predictions[i] - targets[i]);
        }
        return total / targets.Length;
    }

    // The MAE of (sum + candidate) / rounds, clipped at 0 when asked; no array is allocated per try.
    private static double Mae(double[] sum, float[] candidate, int rounds, ReadOnlySpan<float> targets, bool clipAtZero)
    {
        double total = 0;
        for (var i = 0; i < targets.Length; i++)
        {
            var value = (sum[i] + candidate[i]) / rounds;
            if (clipAtZero && value < 0)
            {
                value = 0;
            }
            total += Math.Abs(value - targets[i]);
        }
        return total / targets.Length;
    }
}
