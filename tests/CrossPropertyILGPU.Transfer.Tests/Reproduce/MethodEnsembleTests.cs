using CrossPropertyILGPU.Transfer.Reproduce;

namespace CrossPropertyILGPU.Transfer.Tests.Reproduce;

/// <summary>The ensembles' choice of members, their checks and their scores, on results made by hand.</summary>
public sealed class MethodEnsembleTests
{
    private static MethodResult Result(string method, double validation, double test, float[]? validationPredictions = null, float[]? testPredictions = null) => new()
    {
        Dataset = "exfoliation_energy",
        Method = method,
        Group = ReproduceMethods.ParseList(method)[0].Group().Name(),
        TestMae = test,
        ValidationMae = validation,
        TrainRows = 40,
        ValidationRows = 3,
        TestRows = 2,
        Config = new ResultConfig(),
        Finished = "2026-01-02T03:04:05.0000000Z",
        Predictions = new ResultPredictions { Validation = validationPredictions ?? [1, 2, 3], Test = testPredictions ?? [4, 5] },
    };

    private static Dictionary<string, MethodResult> Set(params MethodResult[] results) => results.ToDictionary(r => r.Method, StringComparer.Ordinal);

    [Test]
    public void Combine_TwoMembers_ScoresTheMeanOfTheirPredictions()
    {
        // Validation: means 2, 2, 5 against 2, 3, 4 → |0| + |−1| + |1| = 2 over 3 rows.
        // Test: means 5, 5 against 5, 6 → 0.5. Each member alone scores worse on both.
        var finetune = Result("tl-finetune", 9, 9, [1, 2, 3], [10, 0]);
        var modfinetune = Result("tl-modfinetune", 9, 9, [3, 2, 7], [0, 10]);
        float[] validationTargets = [2, 3, 4];
        float[] testTargets = [5, 6];

        var scores = MethodEnsemble.Combine([finetune, modfinetune], validationTargets, testTargets);

        Assert.That(scores.ValidationMae, Is.EqualTo(2.0 / 3).Within(1e-12));
        Assert.That(scores.TestMae, Is.EqualTo(0.5).Within(1e-12));
        Assert.That(scores.Predictions.Validation, Is.EqualTo(new[] { 2f, 2f, 5f }).AsCollection);
        Assert.That(scores.Predictions.Test, Is.EqualTo(new[] { 5f, 5f }).AsCollection);
        Assert.That(scores.Predictions.IsComplete);
    }

    [Test]
    public void Combine_MembersThatCannotBeAveraged_IsAnArgumentError()
    {
        var finetune = Result("tl-finetune", 9, 9);
        Assert.Throws<ArgumentException>(() => MethodEnsemble.Combine([finetune, finetune with { Predictions = null }], [1, 2, 3], [1, 2]));
        Assert.Throws<ArgumentException>(() => MethodEnsemble.Combine([finetune], [1, 2], [1, 2]));
        Assert.Throws<ArgumentException>(() => MethodEnsemble.Combine([], [1, 2, 3], [1, 2]));
    }

    [Test]
    public void Choose_ScEnsemble_TakesTheBestMlAndTheBestDlOnValidation_NotOnTest()
    {
        // The lowest test MAE of each slot is not its lowest validation MAE: the choice must ignore the test.
        var set = Set(
            Result("sc-ml-ef", validation: 10, test: 1),
            Result("sc-ml-pa", validation: 8, test: 50),
            Result("sc-dl-ef", validation: 7, test: 60),
            Result("sc-dl-pa", validation: 9, test: 2),
            Result("tl-finetune", validation: 1, test: 1));

        var choice = MethodEnsemble.Choose(ReproduceMethod.ScratchEnsemble, set);

        Assert.That(choice.NotComputable, Is.Null);
        Assert.That(choice.Members.Select(m => m.Method), Is.EqualTo(new[] { "sc-ml-pa", "sc-dl-ef" }).AsCollection);
        Assert.That(choice.Candidates.Select(c => (c.Name, c.ValidationMae)), Is.EqualTo(new[]
        {
            ("sc-ml-ef", 10.0), ("sc-ml-pa", 8.0), ("sc-dl-ef", 7.0), ("sc-dl-pa", 9.0),
        }).AsCollection);
    }

    [Test]
    public void Choose_ScEnsemble_ATieGoesToTheFirstInGridOrder()
    {
        var set = Set(Result("sc-ml-ef", 5, 5), Result("sc-ml-pa", 5, 1), Result("sc-dl-ef", 6, 6), Result("sc-dl-pa", 6, 1));
        Assert.That(MethodEnsemble.Choose(ReproduceMethod.ScratchEnsemble, set).Members.Select(m => m.Method), Is.EqualTo(new[] { "sc-ml-ef", "sc-dl-ef" }).AsCollection);
    }

    [Test]
    public void Choose_TlEnsemble_IsFineTuneAndModFineTune_WithoutCandidates()
    {
        var set = Set(Result("tl-finetune", 5, 5), Result("tl-modfinetune", 6, 6), Result("tl-ml-featextr", 1, 1));
        var choice = MethodEnsemble.Choose(ReproduceMethod.FineTuneEnsemble, set);
        Assert.That((choice.NotComputable, choice.Candidates.Count), Is.EqualTo(((string?)null, 0)));
        Assert.That(choice.Members.Select(m => m.Method), Is.EqualTo(new[] { "tl-finetune", "tl-modfinetune" }).AsCollection);
    }

    [Test]
    public void Choose_ACandidateMissingOrFailed_IsNotComputable_NamingIt()
    {
        var three = Set(Result("sc-ml-ef", 5, 5), Result("sc-ml-pa", 5, 1), Result("sc-dl-ef", 6, 6));
        Assert.That(MethodEnsemble.Choose(ReproduceMethod.ScratchEnsemble, three).NotComputable, Is.EqualTo("sc-dl-pa has no result yet"));

        three["sc-dl-pa"] = Result("sc-dl-pa", 0, 0) with { Status = MethodResult.FailedStatus, Error = "--features pa: not available", TestMae = null, ValidationMae = null };
        var choice = MethodEnsemble.Choose(ReproduceMethod.ScratchEnsemble, three);
        Assert.That(choice.NotComputable, Is.EqualTo("sc-dl-pa has no usable result (failed: --features pa: not available)"));
        Assert.That(choice.Members, Is.Empty);
    }

    [Test]
    public void Check_AMemberWithoutPredictions_AnOldResultFile_IsNotComputable_InOneLine()
    {
        var reason = MethodEnsemble.Check([Result("tl-finetune", 5, 5) with { Predictions = null }, Result("tl-modfinetune", 5, 5)], 3, 2);
        Assert.That(reason, Does.StartWith("tl-finetune's result has no predictions").And.Contain("run tl-finetune again"));
        Assert.That(reason, Does.Not.Contain("\n"));
    }

    [Test]
    public void Check_DroppedRowsOtherRowCountsOrOtherSources_AreNotComputable()
    {
        var finetune = Result("tl-finetune", 5, 5);
        var modfinetune = Result("tl-modfinetune", 5, 5);
        Assert.That(MethodEnsemble.Check([finetune, modfinetune], 3, 2), Is.Null);

        var dropped = modfinetune with
        {
            DroppedRows = 1,
            Predictions = new ResultPredictions { Validation = [1, 2], Test = [4, 5], ValidationDroppedLines = [17] },
        };
        Assert.That(MethodEnsemble.Check([finetune, dropped], 3, 2), Does.StartWith("tl-modfinetune has no prediction for 1 of the rows"));
        Assert.That(MethodEnsemble.Check([finetune, modfinetune], 4, 2), Is.EqualTo("tl-finetune recorded 3 validation predictions, but the shared split has 4 validation rows"));
        Assert.That(MethodEnsemble.Check([finetune, modfinetune], 3, 3), Is.EqualTo("tl-finetune recorded 2 test predictions, but the test file has 3 usable rows"));

        var otherSource = modfinetune with { Config = new ResultConfig { SourceSha256 = "0123456789abcdef" } };
        Assert.That(MethodEnsemble.Check([finetune, otherSource], 3, 2), Does.Contain("different source models"));
    }

    [Test]
    public void IsCurrent_OnlyWhileTheSameMembersInTheSameVersionsWouldBeChosen()
    {
        var set = Set(Result("sc-ml-ef", 5, 5), Result("sc-ml-pa", 6, 6), Result("sc-dl-ef", 7, 7), Result("sc-dl-pa", 8, 8));
        var ensemble = Result("sc-ensemble", 4, 4) with
        {
            Members = [new ResultMember("sc-ml-ef", "2026-01-02T03:04:05.0000000Z"), new ResultMember("sc-dl-ef", "2026-01-02T03:04:05.0000000Z")],
        };
        Assert.That(MethodEnsemble.IsCurrent(ensemble, set), Is.True);

        // A member run again.
        var rerun = new Dictionary<string, MethodResult>(set) { ["sc-dl-ef"] = set["sc-dl-ef"] with { Finished = "2026-02-01T00:00:00.0000000Z" } };
        Assert.That(MethodEnsemble.IsCurrent(ensemble, rerun), Is.False);
        // Another candidate now wins its slot on validation.
        var overtaken = new Dictionary<string, MethodResult>(set) { ["sc-ml-pa"] = set["sc-ml-pa"] with { ValidationMae = 1 } };
        Assert.That(MethodEnsemble.IsCurrent(ensemble, overtaken), Is.False);
        // A member gone; a result that is not an ensemble's.
        Assert.That(MethodEnsemble.IsCurrent(ensemble, Set(set["sc-ml-ef"], set["sc-ml-pa"], set["sc-dl-ef"])), Is.False);
        Assert.That(MethodEnsemble.IsCurrent(set["sc-ml-ef"], set), Is.False);
    }
}
