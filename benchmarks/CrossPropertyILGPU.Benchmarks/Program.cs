using BenchmarkDotNet.Running;

namespace CrossPropertyILGPU.Benchmarks;

/// <summary>
/// BenchmarkDotNet entry point. Examples:
/// <code>
/// dotnet run -c Release --project benchmarks/CrossPropertyILGPU.Benchmarks -- --filter '*Dense*' --job short
/// dotnet run -c Release --project benchmarks/CrossPropertyILGPU.Benchmarks -- --list flat
/// </code>
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
