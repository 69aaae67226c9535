using CrossPropertyILGPU.Network.Training;

namespace CrossPropertyILGPU.Network.Tests.Training;

public sealed class LearningRateScheduleTests
{
    // The history of epochs 1…n as far as a schedule reads it: which epochs set a new best.
    private static List<EpochMetrics> History(params bool[] improved) =>
        [.. improved.Select((better, i) => new EpochMetrics(i + 1, 1.0, 1.0, i, better, 0))];

    // The rate of every epoch 1…epochs, each computed from the epochs before it only.
    private static float[] Rates(LearningRateSchedule schedule, float baseRate, int maxEpochs, IReadOnlyList<EpochMetrics> history, int epochs) =>
        [.. Enumerable.Range(1, epochs).Select(e => schedule.RateFor(e, baseRate, maxEpochs, [.. history.Take(e - 1)]))];

    [Test]
    public void Constant_IsTheBaseRateExactly_WhateverTheHistory()
    {
        var history = History(true, false, false, false, false);
        Assert.That(Rates(LearningRateSchedule.Constant, 1e-4f, 5, history, 5), Is.All.EqualTo(1e-4f));
    }

    [Test]
    public void Plateau_ReducesAfterPatienceEpochsWithoutABest_RestartsTheCount_StopsAtTheFloor()
    {
        var schedule = new LearningRateSchedule { Kind = LearningRateScheduleKind.Plateau, Factor = 0.5, Patience = 2, Floor = 0.2f };
        // Epochs 1 and 6 set a new best; every other epoch does not.
        var history = History(true, false, false, false, false, true, false, false, false, false, false, false);

        // Hand-computed: epochs 2–3 without a best → ×0.5 from epoch 4; the count restarts, so
        // epochs 4–5 → ×0.5 again from epoch 6; epoch 6 improves; epochs 7–8 → 0.125, held at the
        // floor 0.2 from epoch 9; at the floor no reduction happens any more.
        float[] expected = [1f, 1f, 1f, 0.5f, 0.5f, 0.25f, 0.25f, 0.25f, 0.2f, 0.2f, 0.2f, 0.2f];
        Assert.That(Rates(schedule, 1f, 100, history, 12), Is.EqualTo(expected).AsCollection);
    }

    [Test]
    public void Plateau_Defaults_AreKerasLikeAndReduceAfterTenEpochs()
    {
        var schedule = new LearningRateSchedule { Kind = LearningRateScheduleKind.Plateau };
        Assert.That((schedule.Factor, schedule.Patience, schedule.Floor), Is.EqualTo((0.3, 10, 1e-6f)));
        var history = History([true, .. Enumerable.Repeat(false, 10)]);
        var rates = Rates(schedule, 1e-3f, 100, history, 12);
        Assert.That(rates[..11], Is.All.EqualTo(1e-3f), "epochs 2–11 without a best: the 10th of them reduces the rate for epoch 12");
        Assert.That(rates[11], Is.EqualTo((float)(1e-3f * 0.3)));
    }

    [Test]
    public void Cosine_WarmsUpLinearly_ThenDecaysToTheFinalRateAtTheEpochLimit()
    {
        var schedule = new LearningRateSchedule { Kind = LearningRateScheduleKind.Cosine, WarmupEpochs = 2 };
        // base·1/2, base, then ½(1 + cos(π·k/3)) for k = 0…3 over epochs 3…6.
        Assert.That(Rates(schedule, 1f, 6, [], 6), Is.EqualTo(new[] { 0.5f, 1f, 1f, 0.75f, 0.25f, 0f }).Within(1e-7f).AsCollection);
        Assert.That(schedule.RateFor(6, 1f, 6, []), Is.Zero, "the final rate exactly at --max-epochs");

        var toFinal = schedule with { FinalRate = 0.1f };
        Assert.That(Rates(toFinal, 1f, 6, [], 6), Is.EqualTo(new[] { 0.5f, 1f, 1f, 0.775f, 0.325f, 0.1f }).Within(1e-7f).AsCollection);
    }

    [Test]
    public void Cosine_WithoutWarmup_StartsAtTheBaseRate()
    {
        var schedule = new LearningRateSchedule { Kind = LearningRateScheduleKind.Cosine };
        Assert.That(Rates(schedule, 2f, 5, [], 5), Is.EqualTo(new[] { 2f, 1.7071068f, 1f, 0.29289323f, 0f }).Within(1e-6f).AsCollection);
        Assert.That(schedule.RateFor(1, 2f, 1, []), Is.Zero, "a one-epoch run is at the end of its curve");
    }

    [Test]
    public void Validate_BadValues_ThrowNamingTheValue()
    {
        var plateau = new LearningRateSchedule { Kind = LearningRateScheduleKind.Plateau };
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => (plateau with { Factor = 1 }).Validate(1e-4f))!.ParamName, Is.EqualTo("Factor"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => (plateau with { Factor = 0 }).Validate(1e-4f))!.ParamName, Is.EqualTo("Factor"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => (plateau with { Patience = 0 }).Validate(1e-4f))!.ParamName, Is.EqualTo("Patience"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => (plateau with { Floor = -1e-6f }).Validate(1e-4f))!.ParamName, Is.EqualTo("Floor"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => (plateau with { WarmupEpochs = -1 }).Validate(1e-4f))!.ParamName, Is.EqualTo("WarmupEpochs"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => (plateau with { FinalRate = 1e-3f }).Validate(1e-4f))!.ParamName, Is.EqualTo("FinalRate"));
        Assert.DoesNotThrow(() => (plateau with { FinalRate = 1e-4f }).Validate(1e-4f), "the final rate may equal the base rate");
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainerOptions { Schedule = plateau with { Factor = 2 } }.Validate());
    }
}
