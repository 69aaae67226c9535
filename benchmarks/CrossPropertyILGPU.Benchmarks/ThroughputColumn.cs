using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace CrossPropertyILGPU.Benchmarks;

/// <summary>
/// A summary column derived from a case's mean time: GFLOP/s (work per op ÷ mean) or samples/s
/// (batch ÷ mean). The work of a case comes from its parameters, through <paramref name="perOp"/>.
/// </summary>
internal sealed class ThroughputColumn(string name, string legend, Func<BenchmarkCase, double> perOp, double unit) : IColumn
{
    public string Id => nameof(ThroughputColumn) + "." + name;

    public string ColumnName => name;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => legend;

    /// <summary>GFLOP/s from the flops one invocation performs.</summary>
    public static ThroughputColumn Gflops(Func<BenchmarkCase, double> flopsPerOp) =>
        new("GFLOP/s", "Floating-point operations per second, in billions (work per op / mean)", flopsPerOp, 1e9);

    /// <summary>Samples per second from the samples one invocation processes.</summary>
    public static ThroughputColumn SamplesPerSecond(Func<BenchmarkCase, double> samplesPerOp) =>
        new("samples/s", "Samples processed per second (batch / mean)", samplesPerOp, 1);

    /// <summary>An integer parameter of a case, by name.</summary>
    public static int Parameter(BenchmarkCase benchmarkCase, string parameter) =>
        Convert.ToInt32(benchmarkCase.Parameters[parameter], CultureInfo.InvariantCulture);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return mean is > 0 ? (perOp(benchmarkCase) / (mean.Value * 1e-9) / unit).ToString("N1", CultureInfo.InvariantCulture) : "-";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

/// <summary>Adds a <see cref="ThroughputColumn"/> to a benchmark class's summary.</summary>
internal abstract class ThroughputConfig : ManualConfig
{
    protected ThroughputConfig(params IColumn[] columns)
    {
        AddColumn(columns);
    }
}
