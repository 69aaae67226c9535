using System.Globalization;

namespace CrossPropertyILGPU.Kernels.Tests.Support;

/// <summary>
/// Elementwise comparison with a per-element tolerance; the failure names the first offending
/// index, both values, the tolerance, and how many elements failed.
/// </summary>
public static class Close
{
    /// <summary>Unit roundoff of float32, 2^-24.</summary>
    public const double Unit = 1.0 / (1 << 24);

    /// <summary>
    /// Rigorous bound on a float32 dot product of <paramref name="terms"/> terms evaluated in any
    /// order, against the exact value (Higham, Accuracy and Stability, §3.1): γ_n·Σ|terms| with
    /// γ_n ≈ n·u. Two extra units cover the final rounding of the oracle and of an accumulate.
    /// </summary>
    public static double DotBound(int terms, double absoluteSum) => (terms + 2) * Unit * absoluteSum;

    /// <summary>Asserts |actual[i] − expected[i]| ≤ tolerance(i) for every i.</summary>
    public static void All(IReadOnlyList<float> actual, IReadOnlyList<double> expected, Func<int, double> tolerance, string what)
    {
        Assert.That(actual, Has.Count.EqualTo(expected.Count), $"{what}: length");
        var failures = 0;
        var first = -1;
        var worst = 0.0;
        for (var i = 0; i < actual.Count; i++)
        {
            var error = Math.Abs(actual[i] - expected[i]);
            var ok = error <= tolerance(i) && !double.IsNaN(actual[i]);
            if (!ok)
            {
                failures++;
                first = first < 0 ? i : first;
            }
            worst = Math.Max(worst, error);
        }
        if (failures > 0)
        {
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{what}: {failures} of {actual.Count} elements out of tolerance; first at [{first}]: actual {actual[first]:R}, expected {expected[first]:R}, tolerance {tolerance(first):E2}; max error {worst:E2}."));
        }
    }

    /// <summary>Asserts every element is within a fixed absolute tolerance.</summary>
    public static void All(IReadOnlyList<float> actual, IReadOnlyList<double> expected, double tolerance, string what) =>
        All(actual, expected, _ => tolerance, what);

    /// <summary>Asserts every element is within a fixed absolute tolerance of a float oracle.</summary>
    public static void All(IReadOnlyList<float> actual, IReadOnlyList<float> expected, double tolerance, string what) =>
        All(actual, expected.Select(v => (double)v).ToArray(), _ => tolerance, what);
}
