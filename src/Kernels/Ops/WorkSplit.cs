namespace CrossPropertyILGPU.Kernels.Ops;

/// <summary>
/// How a grid-stride kernel's <c>Threads</c> threads share <c>Total</c> work items. Every ILGPU
/// kernel here loops <c>for (i = Start(t); i &lt; End(t); i += Stride)</c>, so the same kernel runs
/// <list type="bullet">
/// <item>interleaved on a GPU (thread t takes t, t+T, t+2T, … so neighbouring threads touch
/// neighbouring floats and loads coalesce), and</item>
/// <item>blocked on ILGPU's CPU accelerator (thread t takes one contiguous chunk, because every
/// simulated thread there costs an OS-thread hand-off; docs/ILGPU.md §3: 2.6 ns per element blocked
/// against 1.5–3 µs auto-grouped).</item>
/// </list>
/// Built on the host by <see cref="Blocked"/> or <see cref="Interleaved"/>; a plain struct of ints so
/// it passes to a kernel by value.
/// </summary>
public readonly struct WorkSplit
{
    private WorkSplit(int total, int threads, int chunk, int span, int stride)
    {
        Total = total;
        Threads = threads;
        Chunk = chunk;
        Span = span;
        Stride = stride;
    }

    /// <summary>Number of work items.</summary>
    public int Total { get; }

    /// <summary>Number of threads to launch.</summary>
    public int Threads { get; }

    /// <summary>Thread t starts at t·Chunk.</summary>
    public int Chunk { get; }

    /// <summary>Thread t stops at min(t·Chunk + Span, Total).</summary>
    public int Span { get; }

    /// <summary>Step between the items one thread takes.</summary>
    public int Stride { get; }

    /// <summary>Contiguous chunks: at most <paramref name="maxThreads"/> threads, each taking ⌈Total/Threads⌉ items.</summary>
    public static WorkSplit Blocked(int total, int maxThreads)
    {
        var threads = ThreadCount(total, maxThreads);
        var chunk = (int)(((long)total + threads - 1) / threads);
        // Recount so that no thread is left with an empty chunk.
        threads = (int)(((long)total + chunk - 1) / chunk);
        return new WorkSplit(total, threads, chunk, chunk, 1);
    }

    /// <summary>Interleaved: at most <paramref name="maxThreads"/> threads, thread t taking t, t+T, ….</summary>
    public static WorkSplit Interleaved(int total, int maxThreads)
    {
        var threads = ThreadCount(total, maxThreads);
        return new WorkSplit(total, threads, 1, total, threads);
    }

    /// <summary>First item of thread <paramref name="thread"/>.</summary>
    public int Start(int thread) => thread * Chunk;

    /// <summary>One past the last item of thread <paramref name="thread"/>.</summary>
    public int End(int thread)
    {
        var start = thread * Chunk;
        // Written to avoid start + Span overflowing int when Span == Total.
        return Span >= Total - start ? Total : start + Span;
    }

    private static int ThreadCount(int total, int maxThreads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(total, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        return total < maxThreads ? total : maxThreads;
    }
}
