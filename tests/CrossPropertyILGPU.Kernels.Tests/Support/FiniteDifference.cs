namespace CrossPropertyILGPU.Kernels.Tests.Support;

/// <summary>Central finite differences in double precision.</summary>
public static class FiniteDifference
{
    /// <summary>
    /// ∂f/∂point[i] ≈ (f(p + h·eᵢ) − f(p − h·eᵢ)) / 2h for every i. Truncation error is O(h²·f''')
    /// (zero for the piecewise-linear functions tested here as long as no kink lies within h);
    /// rounding error is about ε_double·|f|/h ≈ 1e-16·|f|/h.
    /// </summary>
    public static double[] Gradient(Func<double[], double> f, double[] point, double h)
    {
        var gradient = new double[point.Length];
        var probe = (double[])point.Clone();
        for (var i = 0; i < point.Length; i++)
        {
            probe[i] = point[i] + h;
            var plus = f(probe);
            probe[i] = point[i] - h;
            var minus = f(probe);
            probe[i] = point[i];
            gradient[i] = (plus - minus) / (2 * h);
        }
        return gradient;
    }
}
