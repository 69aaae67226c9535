using ILGPU;

namespace CrossPropertyILGPU.Kernels.Ops;

/// <summary>
/// Inverted dropout, forward and backward, elementwise over n floats: x, y, dy, dx all [n].
/// Element i is kept when <see cref="DropoutMask.Keeps"/>(key, i, threshold); kept values are
/// scaled by 1/keep so the expected activation is unchanged and inference needs no rescaling.
/// The mask is a pure function of (seed, step, i): nothing is stored between forward and backward,
/// and every backend — CPU reference, ILGPU CPU accelerator, CUDA — draws the same mask bit for bit.
/// </summary>
public static class DropoutKernels
{
    /// <summary>y[i] = keep(i) ? x[i]·scale : 0.</summary>
    public static void Forward(
        Index1D thread, WorkSplit split, ArrayView<float> x, ArrayView<float> y,
        ulong key, uint threshold, float scale)
    {
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            y[i] = DropoutMask.Keeps(key, i, threshold) ? x[i] * scale : 0f;
        }
    }

    /// <summary>dx[i] (+)= keep(i) ? dy[i]·scale : 0.</summary>
    public static void Backward(
        Index1D thread, WorkSplit split, ArrayView<float> dy, ArrayView<float> dx,
        ulong key, uint threshold, float scale, int accumulate)
    {
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            var g = DropoutMask.Keeps(key, i, threshold) ? dy[i] * scale : 0f;
            dx[i] = accumulate != 0 ? dx[i] + g : g;
        }
    }

    /// <summary>
    /// <see cref="Forward"/> with the mask key read from <paramref name="scalars"/>[slot] (low 32 bits)
    /// and [slot + 1] (high), for CUDA graphs, whose kernel arguments are frozen at capture.
    /// </summary>
    public static void ForwardDeviceKey(
        Index1D thread, WorkSplit split, ArrayView<float> x, ArrayView<float> y,
        ArrayView<uint> scalars, int slot, uint threshold, float scale)
    {
        var key = ((ulong)scalars[slot + 1] << 32) | scalars[slot];
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            y[i] = DropoutMask.Keeps(key, i, threshold) ? x[i] * scale : 0f;
        }
    }

    /// <summary><see cref="Backward"/> with the mask key read from device memory, as in <see cref="ForwardDeviceKey"/>.</summary>
    public static void BackwardDeviceKey(
        Index1D thread, WorkSplit split, ArrayView<float> dy, ArrayView<float> dx,
        ArrayView<uint> scalars, int slot, uint threshold, float scale, int accumulate)
    {
        var key = ((ulong)scalars[slot + 1] << 32) | scalars[slot];
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            var g = DropoutMask.Keeps(key, i, threshold) ? dy[i] * scale : 0f;
            dx[i] = accumulate != 0 ? dx[i] + g : g;
        }
    }

    /// <summary>Scalar reference of <see cref="Forward"/>.</summary>
    public static void ForwardReference(ReadOnlySpan<float> x, Span<float> y, float keepProbability, ulong seed, ulong step)
    {
        var key = DropoutMask.Key(seed, step);
        var threshold = DropoutMask.Threshold(keepProbability);
        for (var i = 0; i < x.Length; i++)
        {
            y[i] = DropoutMask.Keeps(key, i, threshold) ? (float)(x[i] / (double)keepProbability) : 0f;
        }
    }

    /// <summary>Scalar reference of <see cref="Backward"/>.</summary>
    public static void BackwardReference(
        ReadOnlySpan<float> dy, Span<float> dx, float keepProbability, ulong seed, ulong step, bool accumulate)
    {
        var key = DropoutMask.Key(seed, step);
        var threshold = DropoutMask.Threshold(keepProbability);
        for (var i = 0; i < dy.Length; i++)
        {
            var g = DropoutMask.Keeps(key, i, threshold) ? dy[i] / (double)keepProbability : 0.0;
            dx[i] = (float)(accumulate ? dx[i] + g : g);
        }
    }
}

/// <summary>
/// The counter-based random numbers behind dropout: a stateless hash of (seed, step, index), so a
/// mask can be recomputed anywhere, in any order, on any device. The mixer is SplitMix64's
/// finaliser (Steele, Lea &amp; Flood 2014), which passes BigCrush when fed a Weyl sequence — the
/// index times the 64-bit golden ratio here. Only integer multiply, xor and shift: identical
/// results on the host, ILGPU's CPU accelerator and PTX.
/// </summary>
public static class DropoutMask
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>2^24: uniforms are 24-bit integers, compared against a 24-bit threshold.</summary>
    public const uint Resolution = 1u << 24;

    /// <summary>The per-(seed, step) key, computed once on the host per launch.</summary>
    public static ulong Key(ulong seed, ulong step) => Mix(seed ^ Mix(step * Golden + Golden));

    /// <summary>
    /// Keep threshold in 1/2^24 units: element i is kept when its 24-bit uniform is below it, so the
    /// keep rate is threshold/2^24, within 2^-24 of <paramref name="keepProbability"/>; 1 keeps all.
    /// </summary>
    public static uint Threshold(float keepProbability)
    {
        if (!(keepProbability > 0f && keepProbability <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(keepProbability), keepProbability, "The keep probability must lie in (0, 1].");
        }
        return (uint)Math.Round(keepProbability * (double)Resolution);
    }

    /// <summary>The 24-bit uniform integer of element <paramref name="index"/>, in [0, 2^24).</summary>
    public static uint Uniform24(ulong key, int index) => (uint)(Mix(key + ((ulong)(uint)index + 1UL) * Golden) >> 40);

    /// <summary>
    /// <see cref="Uniform24(ulong, int)"/> for eight elements at once, given their indices plus one
    /// (the hash's counter), for the CPU backend's vector loop; the same bits as the scalar form.
    /// </summary>
    internal static System.Runtime.Intrinsics.Vector512<ulong> Uniform24(ulong key, System.Runtime.Intrinsics.Vector512<ulong> indexPlusOne)
    {
        var z = System.Runtime.Intrinsics.Vector512.Create(key) + (indexPlusOne * Golden);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (z ^ (z >> 31)) >> 40;
    }

    /// <summary>True when element <paramref name="index"/> is kept.</summary>
    public static bool Keeps(ulong key, int index, uint threshold) => Uniform24(key, index) < threshold;

    /// <summary>SplitMix64 finaliser: a bijective 64-bit mix with full avalanche.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
