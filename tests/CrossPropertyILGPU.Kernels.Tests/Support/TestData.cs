namespace CrossPropertyILGPU.Kernels.Tests.Support;

/// <summary>Seeded test inputs.</summary>
public static class TestData
{
    /// <summary>n floats uniform in [lo, hi).</summary>
    public static float[] Uniform(int n, int seed, float lo = -1f, float hi = 1f)
    {
        var random = new Random(seed);
        var data = new float[n];
        for (var i = 0; i < n; i++)
        {
            data[i] = lo + (hi - lo) * random.NextSingle();
        }
        return data;
    }

    /// <summary>
    /// n floats uniform in ±[margin, 1): no value within <paramref name="margin"/> of zero, so a
    /// central difference of width 2h &lt; margin never straddles a kink (ReLU at 0, |e| at 0).
    /// </summary>
    public static float[] AwayFromZero(int n, int seed, float margin = 0.05f)
    {
        var random = new Random(seed);
        var data = new float[n];
        for (var i = 0; i < n; i++)
        {
            var magnitude = margin + (1f - margin) * random.NextSingle();
            data[i] = random.Next(2) == 0 ? -magnitude : magnitude;
        }
        return data;
    }

    /// <summary>Elementwise |v|.</summary>
    public static float[] Abs(float[] values) => values.Select(MathF.Abs).ToArray();

    /// <summary>Elementwise a + b.</summary>
    public static float[] Add(float[] a, float[] b) => a.Select((v, i) => v + b[i]).ToArray();

    /// <summary>Widens to double.</summary>
    public static double[] ToDouble(float[] values) => values.Select(v => (double)v).ToArray();
}
