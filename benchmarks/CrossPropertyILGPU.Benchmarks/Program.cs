using BenchmarkDotNet.Running;

namespace CrossPropertyILGPU.Benchmarks;

/// <summary>
/// BenchmarkDotNet entry point. Examples:
/// <code>
/// dotnet run -c Release --project benchmarks/CrossPropertyILGPU.Benchmarks -- --filter '*Dense*' --job short
/// dotnet run -c Release --project benchmarks/CrossPropertyILGPU.Benchmarks -- --list flat
/// dotnet run -c Release --project benchmarks/CrossPropertyILGPU.Benchmarks -- steps --batches 32 256 1024
/// dotnet run -c Release --project benchmarks/CrossPropertyILGPU.Benchmarks -- gemm --m 32 256 1024
/// dotnet run -c Release --project benchmarks/CrossPropertyILGPU.Benchmarks -- large-file --rows 1000000
/// dotnet run -c Release --project benchmarks/CrossPropertyILGPU.Benchmarks -- gpu [--gemm custom|cublas] [--batches 32 256 1024] [--cuda-graph on|off]
/// dotnet run -c Release --project benchmarks/CrossPropertyILGPU.Benchmarks -- sgemm [--batches 32 256 1024] [--write-cache]
/// dotnet run -c Release --project benchmarks/CrossPropertyILGPU.Benchmarks -- launch
/// dotnet run -c Release --project benchmarks/CrossPropertyILGPU.Benchmarks -- opencl
/// </code>
/// <c>opencl</c> lists the OpenCL devices ILGPU sees, why its default filter refuses any, and
/// self-tests those it accepts (<see cref="OpenClProbe"/>).
/// <c>launch</c> times one kernel launch through each layer (<see cref="LaunchCost"/>) on CUDA,
/// else on ILGPU's CPU accelerator (there every launch is a synchronous hand-off to OS threads).
/// <c>gemm</c> prints the three dense products at 1024×1024 in the numpy/OpenBLAS ceiling
/// script's format, for <c>benchmarks/compare-blas.sh</c>.
/// <c>steps</c> times ElemNet train and inference steps the way the PyTorch peer's <c>bench</c>
/// does (same line format), for <c>benchmarks/compare-torch.sh</c>; <c>large-file</c> measures the
/// memory of reading and featurising a generated N-row file (<see cref="LargeFileReader"/>).
/// <c>gpu</c> runs the CUDA benchmarks (GEMM GFLOP/s custom vs cuBLAS, ElemNet samples/s, launches
/// per step); it skips with a message where there is no CUDA device. <c>sgemm</c> prints one table
/// of every SGEMM variant, the backend's choice and cuBLAS per dense product and shape
/// (<see cref="SgemmVariantBenchmarks"/>); it too skips without CUDA.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["steps", .. var rest])
        {
            StepTimer.Run(rest);
            return 0;
        }
        if (args is ["gpu", .. var gpuArgs])
        {
            return GpuBenchmarks.Run(gpuArgs);
        }
        if (args is ["sgemm", .. var sgemmArgs])
        {
            return SgemmVariantBenchmarks.Run(sgemmArgs);
        }
        if (args is ["opencl", ..])
        {
            return OpenClProbe.Run();
        }
        if (args is ["launch", ..])
        {
            return LaunchCost.Run();
        }
        if (args is ["gemm", .. var gemmArgs])
        {
            GemmTimer.Run(gemmArgs);
            return 0;
        }
        if (args is ["large-file", .. var options])
        {
            LargeFileReader.Run(options);
            return 0;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
