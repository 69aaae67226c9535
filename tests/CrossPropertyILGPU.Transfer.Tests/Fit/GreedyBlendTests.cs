using CrossPropertyILGPU.Transfer.Fit;

namespace CrossPropertyILGPU.Transfer.Tests.Fit;

/// <summary>The blend: non-negative weights summing to 1, never worse than its best member.</summary>
public sealed class GreedyBlendTests
{
    [Test]
    public void Fit_TwoCandidatesWithOppositeErrors_BlendsThemAndBeatsBoth()
    {
        var random = new Random(3);
        var targets = Enumerable.Range(0, 200).Select(_ => (float)random.NextDouble()).ToArray();
        // One reads high where the other reads low: their mean is far better than either; the third is noise.
        var high = targets.Select((t, i) => t + (i % 2 == 0 ? 0.3f : 0.1f)).ToArray();
        var low = targets.Select((t, i) => t - (i % 2 == 0 ? 0.3f : 0.1f)).ToArray();
        var noise = targets.Select(_ => (float)random.NextDouble()).ToArray();

        var blend = GreedyBlend.Fit([high, low, noise], targets, clipAtZero: false);

        Assert.That(blend.Weights, Has.All.GreaterThanOrEqualTo(0.0));
        Assert.That(blend.Weights.Sum(), Is.EqualTo(1.0).Within(1e-12));
        Assert.That(blend.Weights[0], Is.EqualTo(0.5).Within(0.05));
        Assert.That(blend.Weights[2], Is.Zero, "noise gets no weight");
        var best = new[] { high, low, noise }.Min(p => GreedyBlend.Mae(p, targets));
        Assert.That(blend.Mae, Is.LessThan(best / 5));
        Assert.That(GreedyBlend.Mae(GreedyBlend.Combine(blend.Weights, [high, low, noise], false), targets), Is.EqualTo(blend.Mae).Within(1e-6));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Fit_AnyCandidates_NeverWorseThanTheBestMember(int seed)
    {
        var random = new Random(seed);
        var targets = Enumerable.Range(0, 50).Select(_ => (float)random.NextDouble()).ToArray();
        var candidates = Enumerable.Range(0, 4).Select(c => targets.Select(t => t + (float)((random.NextDouble() - 0.5) * (c + 1))).ToArray()).ToList();

        var blend = GreedyBlend.Fit(candidates, targets, clipAtZero: false);

        Assert.That(blend.Mae, Is.LessThanOrEqualTo(candidates.Min(p => GreedyBlend.Mae(p, targets))));
        Assert.That(blend.Weights, Has.All.GreaterThanOrEqualTo(0.0));
        Assert.That(blend.Weights.Sum(), Is.EqualTo(1.0).Within(1e-12));
    }

    [Test]
    public void Combine_WithClipping_PutsNegativeBlendsAtZero()
    {
        var blend = GreedyBlend.Combine([0.5, 0.5], [[-1f, 2f], [-3f, 4f]], clipAtZero: true);
        Assert.That(blend, Is.EqualTo(new[] { 0f, 3f }).AsCollection);
        Assert.That(GreedyBlend.Combine([0.5, 0.5], [[-1f, 2f], [-3f, 4f]], clipAtZero: false)[0], Is.EqualTo(-2f));
    }

    [Test]
    public void Spread_IsTheWeightedStdOfTheCandidates()
    {
        var spread = GreedyBlend.Spread([0.5, 0.5, 0], [[1f, 5f], [3f, 5f], [100f, 100f]]);
        Assert.That(spread, Is.EqualTo(new[] { 1f, 0f }).AsCollection);
    }
}
