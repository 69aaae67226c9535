using CrossPropertyILGPU.Kernels.Backends.Cpu;

namespace CrossPropertyILGPU.Kernels.Tests.Backends.Cpu;

public sealed class CpuWorkerPoolTests
{
    [Test]
    public void Run_ExecutesEveryChunkExactlyOnce_AcrossManyJobs([Values(1, 2, 3)] int threads)
    {
        using var pool = new CpuWorkerPool(threads);
        var job = new CountingJob(64);
        for (var round = 1; round <= 2000; round++)
        {
            var chunks = 1 + (round % 64);
            job.Reset(chunks);
            pool.Run(job, chunks);
            Assert.That(job.Counts.Take(chunks), Is.All.EqualTo(1), $"round {round}");
            Assert.That(job.Counts.Skip(chunks), Is.All.EqualTo(0), $"round {round}");
            Assert.That(job.SeenChunks.Take(chunks), Is.All.EqualTo(chunks), $"round {round}");
        }
    }

    [Test]
    public void Run_UsesTheWorkers_AndWakesThemAfterTheySleep()
    {
        using var pool = new CpuWorkerPool(2);
        var job = new CountingJob(8);
        // A job long enough per chunk that the worker takes some, after the worker has gone to sleep.
        Thread.Sleep(CpuWorkerPool.SpinTime + TimeSpan.FromMilliseconds(50));
        var usedWorker = false;
        for (var attempt = 0; attempt < 50 && !usedWorker; attempt++)
        {
            job.Reset(8, spinPerChunk: TimeSpan.FromMilliseconds(2));
            pool.Run(job, 8);
            usedWorker = job.Workers.Contains(1);
            Assert.That(job.Counts.Take(8), Is.All.EqualTo(1));
        }
        Assert.That(usedWorker, Is.True, "the worker thread never ran a chunk");
    }

    [Test]
    public void Dispose_FinishesAndJoinsTheWorkers()
    {
        var pool = new CpuWorkerPool(3);
        var job = new CountingJob(4);
        job.Reset(4);
        pool.Run(job, 4);
        pool.Dispose();   // returns only once both workers have exited (it joins them)
        Assert.That(job.Counts.Take(4), Is.All.EqualTo(1));
    }

    private sealed class CountingJob(int capacity) : CpuJob
    {
        private TimeSpan _spin;

        public int[] Counts { get; } = new int[capacity];

        public int[] SeenChunks { get; } = new int[capacity];

        public HashSet<int> Workers { get; } = [];

        public void Reset(int chunks, TimeSpan spinPerChunk = default)
        {
            Array.Clear(Counts);
            Array.Clear(SeenChunks);
            Workers.Clear();
            _spin = spinPerChunk;
        }

        public override void Execute(int chunk, int chunks, int worker)
        {
            Interlocked.Increment(ref Counts[chunk]);
            SeenChunks[chunk] = chunks;
            lock (Workers)
            {
                Workers.Add(worker);
            }
            if (_spin > TimeSpan.Zero)
            {
                var until = DateTime.UtcNow + _spin;
                while (DateTime.UtcNow < until)
                {
                    Thread.SpinWait(100);
                }
            }
        }
    }
}
