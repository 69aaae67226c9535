using System.Diagnostics;
using System.Globalization;
using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Benchmarks;

/// <summary>
/// <c>gemm</c> mode: the three dense products on the managed CPU backend at the shapes of the
/// numpy/OpenBLAS ceiling script (M×1024 times 1024×1024 for M = 32, 256, 1024), printed in its
/// line format so <c>compare-blas.sh</c> can pair them: median of several timed repeats each.
/// </summary>
internal static class GemmTimer
{
    public static void Run(string[] args)
    {
        var sizes = StepTimer.Values(args, "--m", [32, 256, 1024]);
        var threads = StepTimer.Values(args, "--threads", [Environment.ProcessorCount])[0];
        foreach (var m in sizes)
        {
            var buffers = new List<Kernels.Backends.DeviceBuffer>();
            var operands = new GemmBenchmarks.Operands(new ManagedCpuBackend(threads), m, 1024, 1024, buffers);
            try
            {
                foreach (var (name, op) in new (string, Action)[]
                {
                    ("forward", operands.Forward), ("input-gradient", operands.InputGradient), ("weight-gradient", operands.WeightGradient),
                })
                {
                    var ms = Median(op, m);
                    var gflops = 2.0 * m * 1024 * 1024 / (ms * 1e6);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"threads={threads} sgemm ({m,5}x1024)x(1024x1024) {name,-15}: {gflops,7:F1} GFLOP/s  ({ms:F3} ms)"));
                }
            }
            finally
            {
                foreach (var buffer in buffers)
                {
                    buffer.Dispose();
                }
                operands.Backend.Dispose();
            }
        }
    }

    private static double Median(Action op, int m) => StepTimer.MedianMilliseconds(op, Math.Max(3, 8192 / m), 9);
}
