using System.Diagnostics;
using System.Globalization;

namespace CrossPropertyILGPU.Kernels.Backends.Cpu;

/// <summary>The op families <see cref="CpuOpProfile"/> keeps apart.</summary>
public enum CpuOp
{
    /// <summary>y = x·w + b (+ ReLU): flops.</summary>
    DenseForward,

    /// <summary>dx = dy·wᵀ: flops.</summary>
    DenseInputGradient,

    /// <summary>dw = xᵀ·dy: flops.</summary>
    DenseWeightGradient,

    /// <summary>db = Σ dy: bytes.</summary>
    DenseBiasGradient,

    /// <summary>The ReLU mask on a gradient, where no fused op applied it: bytes.</summary>
    Relu,

    /// <summary>Dropout forward and backward: bytes.</summary>
    Dropout,

    /// <summary>Loss and its gradient: bytes.</summary>
    Loss,

    /// <summary>Adam over the flat buffer: bytes (16 read + 12 written per parameter).</summary>
    Adam,

    /// <summary>Fill and copy: bytes.</summary>
    FillCopy,
}

/// <summary>
/// Where a <see cref="ManagedCpuBackend"/>'s time goes: per op family, the calls, the seconds and the
/// work done (flops for the products, bytes moved for the rest), so a profile reads as GFLOP/s
/// against the FMA peak and GB/s against memory bandwidth. Attach one with
/// <see cref="ManagedCpuBackend.Profile"/>; with none attached the backend pays one null check per op.
/// </summary>
public sealed class CpuOpProfile
{
    private static readonly int Families = Enum.GetValues<CpuOp>().Length;
    private readonly long[] _calls = new long[Families];
    private readonly long[] _ticks = new long[Families];
    private readonly double[] _work = new double[Families];

    /// <summary>Adds one op's elapsed <paramref name="ticks"/> (<see cref="Stopwatch"/> ticks) and work.</summary>
    public void Add(CpuOp op, long ticks, double work)
    {
        _calls[(int)op]++;
        _ticks[(int)op] += ticks;
        _work[(int)op] += work;
    }

    /// <summary>Forgets everything recorded so far.</summary>
    public void Clear()
    {
        Array.Clear(_calls);
        Array.Clear(_ticks);
        Array.Clear(_work);
    }

    /// <summary>Seconds spent in <paramref name="op"/>.</summary>
    public double Seconds(CpuOp op) => (double)_ticks[(int)op] / Stopwatch.Frequency;

    /// <summary>One line per op family with calls, time, share of the total and GFLOP/s or GB/s, per <paramref name="steps"/> steps.</summary>
    public IEnumerable<string> Report(int steps)
    {
        var total = Enumerable.Range(0, Families).Sum(i => (double)_ticks[i]) / Stopwatch.Frequency;
        foreach (var op in Enum.GetValues<CpuOp>())
        {
            var i = (int)op;
            if (_calls[i] == 0)
            {
                continue;
            }
            var seconds = Seconds(op);
            var rate = op is CpuOp.DenseForward or CpuOp.DenseInputGradient or CpuOp.DenseWeightGradient
                ? $"{_work[i] / seconds / 1e9,7:F1} GFLOP/s"
                : $"{_work[i] / seconds / 1e9,7:F1} GB/s";
            yield return string.Create(CultureInfo.InvariantCulture,
                $"  {op,-20} {_calls[i] / (double)steps,6:F1} calls {seconds * 1e3 / steps,8:F3} ms/step {100 * seconds / total,5:F1} %  {rate}");
        }
    }
}
