using ILGPU;

namespace CrossPropertyILGPU.Kernels.Ops;

/// <summary>
/// Fill and copy over n floats (destination, source all [n]). Copy is a kernel, not
/// a driver memcpy, so a view-to-view copy inside one buffer costs one launch on any accelerator.
/// </summary>
public static class FillCopyKernels
{
    /// <summary>destination[i] = value.</summary>
    public static void Fill(Index1D thread, WorkSplit split, ArrayView<float> destination, float value)
    {
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            destination[i] = value;
        }
    }

    /// <summary>destination[i] = source[i].</summary>
    public static void Copy(Index1D thread, WorkSplit split, ArrayView<float> source, ArrayView<float> destination)
    {
        var end = split.End(thread);
        for (var i = split.Start(thread); i < end; i += split.Stride)
        {
            destination[i] = source[i];
        }
    }
}
