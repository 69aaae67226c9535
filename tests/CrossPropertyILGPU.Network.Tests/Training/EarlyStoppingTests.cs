using CrossPropertyILGPU.Network.Training;

namespace CrossPropertyILGPU.Network.Tests.Training;

public sealed class EarlyStoppingTests
{
    [Test]
    public void Observe_StrictImprovementResetsTheCount_PatienceEpochsWithoutOneStop()
    {
        var stopping = new EarlyStopping(patience: 2);
        Assert.That(stopping.Observe(1, 0.5), Is.True, "anything beats +∞");
        Assert.That(stopping.Observe(2, 0.5), Is.False, "equal is no improvement");
        Assert.That(stopping.ShouldStop, Is.False);
        Assert.That(stopping.Observe(3, 0.4), Is.True);
        Assert.That((stopping.Best, stopping.BestEpoch, stopping.SinceBest), Is.EqualTo((0.4, 3, 0)));
        stopping.Observe(4, 0.6);
        Assert.That(stopping.ShouldStop, Is.False);
        stopping.Observe(5, 0.7);
        Assert.That(stopping.ShouldStop, Is.True);
        Assert.That((stopping.Best, stopping.BestEpoch, stopping.SinceBest), Is.EqualTo((0.4, 3, 2)));
    }

    [Test]
    public void Observe_NaN_NeverImproves()
    {
        var stopping = new EarlyStopping(patience: 5);
        Assert.That(stopping.Observe(1, double.NaN), Is.False);
        Assert.That((stopping.Best, stopping.BestEpoch, stopping.SinceBest), Is.EqualTo((double.PositiveInfinity, 0, 1)));
    }

    [Test]
    public void Restore_ContinuesTheSavedCount()
    {
        var stopping = new EarlyStopping(patience: 3);
        stopping.Restore(best: 0.2, bestEpoch: 7, sinceBest: 2);
        Assert.That(stopping.Observe(10, 0.3), Is.False);
        Assert.That(stopping.ShouldStop, Is.True);
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new EarlyStopping(0));
    }
}
