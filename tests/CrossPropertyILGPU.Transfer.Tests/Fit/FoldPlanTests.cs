using CrossPropertyILGPU.Transfer.Fit;
using CrossPropertyILGPU.Transfer.Tests.Support;

namespace CrossPropertyILGPU.Transfer.Tests.Fit;

/// <summary>Folds and validation splits grouped by reduced composition.</summary>
public sealed class FoldPlanTests
{
    [TestCase("Fe2O3", "Fe4O6")]
    [TestCase("Fe2O3", "O3Fe2")]
    [TestCase("NaCl", "Na1Cl1")]
    [TestCase("CuSO4", "Cu2S2O8")]
    public void CompositionKey_OfMultiplesAndReorderings_IsOne(string a, string b) =>
        Assert.That(FoldPlan.CompositionKey(a), Is.EqualTo(FoldPlan.CompositionKey(b)));

    [TestCase("Fe2O3", "FeO")]
    [TestCase("NaCl", "NaF")]
    public void CompositionKey_OfOtherCompositions_Differs(string a, string b) =>
        Assert.That(FoldPlan.CompositionKey(a), Is.Not.EqualTo(FoldPlan.CompositionKey(b)));

    [TestCase(3, 1)]
    [TestCase(5, 2)]
    [TestCase(5, 3)]
    public void CrossValidation_NeverSplitsAReducedComposition(int folds, int seed)
    {
        var groups = FitTestData.Rows(120, seed).Select(r => FoldPlan.CompositionKey(r.Formula)).ToArray();
        Assume.That(groups.Distinct().Count(), Is.LessThan(groups.Length), "the data hold polymorphs");

        var plan = FoldPlan.CrossValidation(groups, folds, seed);

        foreach (var group in groups.Distinct())
        {
            var foldsOfGroup = Enumerable.Range(0, groups.Length).Where(i => groups[i] == group).Select(i => plan.FoldOfRow[i]).Distinct();
            Assert.That(foldsOfGroup.Count(), Is.EqualTo(1), group);
        }
        var sizes = Enumerable.Range(0, folds).Select(k => plan.ValidationRows(k).Length).ToArray();
        Assert.That(sizes.Sum(), Is.EqualTo(groups.Length));
        Assert.That(sizes.Max() - sizes.Min(), Is.LessThanOrEqualTo(4), "folds of close size");
        Assert.That(plan.OutOfFoldRows(), Has.Length.EqualTo(groups.Length), "every row scored once");
    }

    [Test]
    public void Holdout_KeepsWholeCompositionsOnOneSide()
    {
        var groups = FitTestData.Rows(200, 4).Select(r => FoldPlan.CompositionKey(r.Formula)).ToArray();

        var plan = FoldPlan.Holdout(groups, 0.2, 4);

        var validation = plan.ValidationRows(0).Select(i => groups[i]).ToHashSet();
        var train = plan.TrainRows(0).Select(i => groups[i]).ToHashSet();
        Assert.That(validation.Overlaps(train), Is.False);
        Assert.That(plan.ValidationRows(0).Length, Is.InRange(40, 50));
        Assert.That(plan.IsHoldout && plan.OutOfFoldRows().SequenceEqual(plan.ValidationRows(0)), Is.True);
    }

    [Test]
    public void CrossValidation_FewerCompositionsThanFolds_IsAUsageError()
    {
        var error = Assert.Throws<UsageException>(() => FoldPlan.CrossValidation(["a", "a", "b", "b"], 3, 1));
        Assert.That(error!.Message, Does.Contain("2 distinct compositions"));
    }
}
