using CrossPropertyILGPU.Kernels.Ops;

namespace CrossPropertyILGPU.Kernels.Tests.Ops;

/// <summary>Every work item is visited by exactly one thread, in both layouts.</summary>
public sealed class WorkSplitTests
{
    [TestCase(1, 1)]
    [TestCase(7, 3)]
    [TestCase(9, 4)]
    [TestCase(10, 4)]
    [TestCase(100, 1000)]
    [TestCase(65, 8)]
    public void BothLayouts_CoverEveryItemExactlyOnce(int total, int maxThreads)
    {
        foreach (var split in new[] { WorkSplit.Blocked(total, maxThreads), WorkSplit.Interleaved(total, maxThreads) })
        {
            var visits = new int[total];
            Assert.That(split.Threads, Is.InRange(1, Math.Min(total, maxThreads)));
            for (var t = 0; t < split.Threads; t++)
            {
                var end = split.End(t);
                Assert.That(end, Is.LessThanOrEqualTo(total));
                for (var i = split.Start(t); i < end; i += split.Stride)
                {
                    visits[i]++;
                }
            }
            Assert.That(visits, Is.All.EqualTo(1), $"stride {split.Stride}");
        }
    }

    [Test]
    public void Blocked_DropsThreadsThatWouldGetNoWork()
    {
        // 9 items over 4 threads: chunks of 3, so only 3 threads are launched.
        var split = WorkSplit.Blocked(9, 4);
        Assert.That((split.Threads, split.Chunk), Is.EqualTo((3, 3)));
    }

    [Test]
    public void Interleaved_NearIntMax_DoesNotOverflow()
    {
        var split = WorkSplit.Interleaved(int.MaxValue, 1024);
        Assert.That(split.End(1023), Is.EqualTo(int.MaxValue));
    }
}
