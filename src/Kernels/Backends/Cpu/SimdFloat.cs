using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CrossPropertyILGPU.Kernels.Backends.Cpu;

/// <summary>
/// The handful of float-vector operations the CPU kernels need, over one hardware vector width.
/// Kernels are generic over an implementing struct, so the JIT compiles one specialised copy per
/// width with every call inlined: one kernel source serves AVX-512, AVX2 and NEON, and the width is
/// picked once at run time (<see cref="SimdWidth"/>).
/// </summary>
/// <typeparam name="TVector">The vector type (<see cref="Vector512{T}"/>, <see cref="Vector256{T}"/>, <see cref="Vector128{T}"/>).</typeparam>
internal interface ISimdFloat<TVector>
    where TVector : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Lanes { get; }

    /// <summary>Every lane <paramref name="value"/>.</summary>
    static abstract TVector Broadcast(float value);

    /// <summary>Lanes source[offset .. offset + Lanes).</summary>
    static abstract TVector Load(ref float source, nuint offset);

    /// <summary>Writes the lanes to destination[offset .. offset + Lanes).</summary>
    static abstract void Store(TVector value, ref float destination, nuint offset);

    /// <summary>a·b + c per lane with one rounding (<see cref="MathF.FusedMultiplyAdd"/> lane by lane).</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

    /// <summary>value &lt; 0 ? 0 : value per lane (a select, so NaN passes through as in the scalar code).</summary>
    static abstract TVector Relu(TVector value);

    /// <summary>mask &gt; 0 ? value : 0 per lane (the backward ReLU: a NaN mask gives 0, as the scalar code).</summary>
    static abstract TVector KeepWherePositive(TVector mask, TVector value);
}

/// <summary>512-bit vectors (AVX-512: 16 floats).</summary>
internal readonly struct Simd512 : ISimdFloat<Vector512<float>>
{
    public static int Lanes => Vector512<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Relu(Vector512<float> value) =>
        Vector512.ConditionalSelect(Vector512.LessThan(value, Vector512<float>.Zero), Vector512<float>.Zero, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> KeepWherePositive(Vector512<float> mask, Vector512<float> value) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(mask, Vector512<float>.Zero), value, Vector512<float>.Zero);
}

/// <summary>256-bit vectors (AVX2 + FMA: 8 floats).</summary>
internal readonly struct Simd256 : ISimdFloat<Vector256<float>>
{
    public static int Lanes => Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Relu(Vector256<float> value) =>
        Vector256.ConditionalSelect(Vector256.LessThan(value, Vector256<float>.Zero), Vector256<float>.Zero, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> KeepWherePositive(Vector256<float> mask, Vector256<float> value) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(mask, Vector256<float>.Zero), value, Vector256<float>.Zero);
}

/// <summary>128-bit vectors (SSE/NEON: 4 floats); also the portable fallback.</summary>
internal readonly struct Simd128 : ISimdFloat<Vector128<float>>
{
    public static int Lanes => Vector128<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source, nuint offset) => Vector128.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Relu(Vector128<float> value) =>
        Vector128.ConditionalSelect(Vector128.LessThan(value, Vector128<float>.Zero), Vector128<float>.Zero, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> KeepWherePositive(Vector128<float> mask, Vector128<float> value) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(mask, Vector128<float>.Zero), value, Vector128<float>.Zero);
}

/// <summary>Which vector width the CPU kernels use on this machine.</summary>
internal static class SimdWidth
{
    /// <summary>
    /// Floats per vector of the widest width with hardware FMA: 16 (AVX-512), 8 (AVX2+FMA) or 4.
    /// Can be capped with the environment variable <c>CPILGPU_SIMD_BITS</c> (256 or 128) to compare widths.
    /// </summary>
    public static int Lanes { get; } = Choose();

    /// <summary>How the width is described in device details, e.g. "AVX-512 (16 floats)".</summary>
    public static string Name => Lanes switch
    {
        16 => "AVX-512 (16 floats)",
        8 => "AVX2 (8 floats)",
        _ => Vector128.IsHardwareAccelerated ? "128-bit (4 floats)" : "128-bit software (4 floats)",
    };

    private static int Choose()
    {
        var cap = int.TryParse(Environment.GetEnvironmentVariable("CPILGPU_SIMD_BITS"), out var bits) ? bits : 512;
        if (cap >= 512 && Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            return 16;
        }
        if (cap >= 256 && Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported)
        {
            return 8;
        }
        return 4;
    }
}
