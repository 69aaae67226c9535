using System.Diagnostics;

namespace CrossPropertyILGPU.Kernels.Backends.Cpu;

/// <summary>
/// A unit of parallel work: chunk <c>c</c> of <c>n</c>, run by worker <c>w</c>. Ops keep one
/// instance per kind, set its fields and hand it to <see cref="CpuWorkerPool.Run"/>, so a
/// training step allocates nothing (a lambda would allocate a closure per op).
/// </summary>
internal abstract class CpuJob
{
    /// <summary>Runs chunk <paramref name="chunk"/> of <paramref name="chunks"/> on worker <paramref name="worker"/> (0 = the calling thread).</summary>
    public abstract void Execute(int chunk, int chunks, int worker);
}

/// <summary>
/// Persistent worker threads for the managed CPU backend: <c>threads − 1</c> workers plus the calling
/// thread, which always takes part. Chunks are claimed dynamically, so a worker held up by another
/// process does not stall the op; results do not depend on which thread runs a chunk.
/// <para>
/// Between ops a worker spins for <see cref="SpinTime"/> before it sleeps: a training step issues
/// ~100 ops back to back, and waking a sleeping thread costs tens of microseconds, more than a
/// small op. A spinning worker uses a core only while ops keep coming.
/// </para>
/// <para>
/// One op at a time: concurrent callers are serialised (the backend, like a GPU stream, is used by
/// one training loop).
/// </para>
/// </summary>
internal sealed class CpuWorkerPool : IDisposable
{
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000;   // 200 µs

    private readonly Thread[] _workers;
    private readonly object _runGate = new();
    private readonly object _sleepGate = new();

    // The job in flight. _ticket packs (generation << 32) | next chunk; a worker claims a chunk with a
    // compare-exchange that also checks the generation, so it can never run a chunk of a later job
    // with the fields of an earlier one.
    private CpuJob? _job;
    private int _chunks;
    private long _ticket;
    private int _unfinished;
    private int _sleepers;
    private volatile bool _stopping;

    /// <summary>Creates a pool that runs ops on <paramref name="threads"/> threads (the caller and <c>threads − 1</c> workers).</summary>
    public CpuWorkerPool(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        _workers = new Thread[threads - 1];
        for (var i = 0; i < _workers.Length; i++)
        {
            var worker = i + 1;
            _workers[i] = new Thread(() => WorkerLoop(worker), 256 * 1024)
            {
                IsBackground = true,
                Name = $"cpilgpu-cpu-{worker}",
            };
            _workers[i].Start();
        }
    }

    /// <summary>How long an idle worker spins before it sleeps.</summary>
    public static TimeSpan SpinTime => TimeSpan.FromTicks(SpinTicks * TimeSpan.TicksPerSecond / Stopwatch.Frequency);

    /// <summary>Threads that run an op, the caller included.</summary>
    public int Threads { get; }

    /// <summary>Runs chunks 0 … <paramref name="chunks"/> − 1 of <paramref name="job"/> and returns when all have finished.</summary>
    public void Run(CpuJob job, int chunks)
    {
        if (chunks <= 1 || _workers.Length == 0)
        {
            for (var c = 0; c < chunks; c++)
            {
                job.Execute(c, chunks, 0);
            }
            return;
        }
        lock (_runGate)
        {
            _job = job;
            _chunks = chunks;
            Volatile.Write(ref _unfinished, chunks);
            var generation = (int)(Volatile.Read(ref _ticket) >> 32) + 1;
            Interlocked.Exchange(ref _ticket, (long)generation << 32);   // publishes the fields above
            if (Volatile.Read(ref _sleepers) > 0)
            {
                lock (_sleepGate)
                {
                    Monitor.PulseAll(_sleepGate);
                }
            }
            Work(generation, 0);
            var spin = default(SpinWait);
            while (Volatile.Read(ref _unfinished) > 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
            _job = null;
        }
    }

    /// <summary>Stops the workers (they finish the op in flight first).</summary>
    public void Dispose()
    {
        _stopping = true;
        lock (_sleepGate)
        {
            Monitor.PulseAll(_sleepGate);
        }
        foreach (var worker in _workers)
        {
            worker.Join();
        }
    }

    /// <summary>Claims and runs chunks of job <paramref name="generation"/> until none are left.</summary>
    private void Work(int generation, int worker)
    {
        while (true)
        {
            var ticket = Volatile.Read(ref _ticket);
            var chunk = (int)ticket;
            if ((int)(ticket >> 32) != generation)
            {
                return;
            }
            var (job, chunks) = (_job, _chunks);
            if (job is null || chunk >= chunks)
            {
                return;
            }
            if (Interlocked.CompareExchange(ref _ticket, ticket + 1, ticket) != ticket)
            {
                continue;
            }
            // The claim succeeded while the generation was current, and it cannot end before this
            // chunk finishes, so job and chunks were that generation's.
            job.Execute(chunk, chunks, worker);
            Interlocked.Decrement(ref _unfinished);
        }
    }

    private void WorkerLoop(int worker)
    {
        var seen = 0;
        while (!_stopping)
        {
            var generation = WaitForJob(seen);
            if (generation == seen)
            {
                continue;
            }
            seen = generation;
            Work(generation, worker);
        }
    }

    /// <summary>Spins, then sleeps, until a job newer than <paramref name="seen"/> is published or the pool stops.</summary>
    private int WaitForJob(int seen)
    {
        var start = Stopwatch.GetTimestamp();
        var spin = default(SpinWait);
        while (Stopwatch.GetTimestamp() - start < SpinTicks)
        {
            var generation = (int)(Volatile.Read(ref _ticket) >> 32);
            if (generation != seen || _stopping)
            {
                return generation;
            }
            spin.SpinOnce(sleep1Threshold: -1);
        }
        lock (_sleepGate)
        {
            Interlocked.Increment(ref _sleepers);
            try
            {
                // The publisher exchanges the ticket before it reads _sleepers, and this thread
                // increments _sleepers before it reads the ticket: one of the two sees the other.
                while (!_stopping && (int)(Interlocked.Read(ref _ticket) >> 32) == seen)
                {
                    Monitor.Wait(_sleepGate);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _sleepers);
            }
        }
        return (int)(Volatile.Read(ref _ticket) >> 32);
    }
}
