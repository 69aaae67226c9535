using CrossPropertyILGPU.Kernels.Devices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace CrossPropertyILGPU.Kernels.Backends;

/// <summary>
/// The three dense products on cuBLAS SGEMM (ILGPU.Algorithms' <see cref="CuBlas"/>), on the
/// accelerator's default stream so they order with the backend's own kernels. cuBLAS is
/// column-major: a row-major R[r, c] is, read column-major, Rᵀ. So row-major C = A·B is computed as
/// the column-major Cᵀ = Bᵀ·Aᵀ — the operands swap places and no data moves.
/// </summary>
internal sealed class CuBlasGemm : IDisposable
{
    private readonly CuBlas _blas;

    private CuBlasGemm(CuBlas blas) => _blas = blas;

    /// <summary>Binds cuBLAS to <paramref name="accelerator"/>; a clear error when that cannot be done.</summary>
    /// <exception cref="DeviceUnavailableException">Not a CUDA device, or no loadable cuBLAS.</exception>
    public static CuBlasGemm Create(Accelerator accelerator)
    {
        if (accelerator is not CudaAccelerator cuda)
        {
            throw new DeviceUnavailableException(
                DeviceKind.Cuda,
                $"--gemm cublas needs a CUDA device, but the backend runs on {accelerator.AcceleratorType} ({accelerator.Name}). "
                + "Use --device cuda on an NVIDIA GPU, or --gemm custom.");
        }
        NativeLibraries.EnsureResolver();
        try
        {
            var blas = new CuBlas(cuda) { PointerMode = CuBlasPointerMode.Host };
            return new CuBlasGemm(blas);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or CuBlasException or TypeInitializationException)
        {
            throw new DeviceUnavailableException(
                DeviceKind.Cuda,
                $"--gemm cublas: cuBLAS could not be loaded ({e.Message}). It needs libcublas.so.12 (or .13) from the CUDA "
                + "toolkit on the loader path (LD_LIBRARY_PATH); --gemm custom needs none.");
        }
    }

    /// <summary>y[M,N] = x[M,K]·w[K,N] (no bias: the caller's epilogue adds it).</summary>
    public void Forward(ArrayView<float> x, ArrayView<float> w, ArrayView<float> y, int m, int k, int n) =>
        // yᵀ[N,M] = wᵀ[N,K]·xᵀ[K,M]: w's memory is wᵀ (ld N), x's is xᵀ (ld K).
        _blas.Gemm(CuBlasOperation.NonTranspose, CuBlasOperation.NonTranspose, n, m, k,
            1f, w, n, x, k, 0f, y, n);

    /// <summary>dx[M,K] (+)= dy[M,N]·wᵀ.</summary>
    public void BackwardInput(ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx, int m, int k, int n, bool accumulate) =>
        // dxᵀ[K,M] = w[K,N]·dyᵀ[N,M]: w's memory is wᵀ (ld N), transposed back; dy's is dyᵀ (ld N).
        _blas.Gemm(CuBlasOperation.Transpose, CuBlasOperation.NonTranspose, k, m, n,
            1f, w, n, dy, n, accumulate ? 1f : 0f, dx, k);

    /// <summary>dw[K,N] (+)= xᵀ·dy.</summary>
    public void BackwardWeight(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, int m, int k, int n, bool accumulate) =>
        // dwᵀ[N,K] = dyᵀ[N,M]·x[M,K]: dy's memory is dyᵀ (ld N); x's is xᵀ (ld K), transposed back.
        _blas.Gemm(CuBlasOperation.NonTranspose, CuBlasOperation.Transpose, n, k, m,
            1f, dy, n, x, k, accumulate ? 1f : 0f, dw, n);

    public void Dispose() => _blas.Dispose();
}
