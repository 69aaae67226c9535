using CrossPropertyILGPU.Transfer.Reproduce;

namespace CrossPropertyILGPU.Transfer.Tests.Reproduce;

public sealed class ReproduceMethodsTests
{
    [Test]
    public void ParseList_All_GivesThePapersNineThenTheEnsembles_InGridOrder()
    {
        Assert.That(ReproduceMethods.ParseList("all"), Is.EqualTo(ReproduceMethods.All).AsCollection);
        Assert.That(ReproduceMethods.All.Select(m => m.Name()), Is.EqualTo(new[]
        {
            "base", "sc-ml-ef", "sc-ml-pa", "sc-dl-ef", "sc-dl-pa", "tl-finetune", "tl-modfinetune", "tl-ml-featextr", "tl-dl-featextr", "sc-ensemble", "tl-ensemble",
        }).AsCollection);
    }

    [Test]
    public void ParseList_Paper_GivesTheNineWithoutTheEnsembles()
    {
        Assert.That(ReproduceMethods.ParseList("paper"), Is.EqualTo(ReproduceMethods.Paper).AsCollection);
        Assert.That(ReproduceMethods.Paper, Has.Count.EqualTo(9));
        Assert.That(ReproduceMethods.Paper.Where(m => m.IsEnsemble()), Is.Empty);
        Assert.That(ReproduceMethods.ParseList("TL:Ensemble,paper"), Is.EqualTo(ReproduceMethods.Paper.Append(ReproduceMethod.FineTuneEnsemble)).AsCollection);
    }

    [Test]
    public void Ensembles_CompeteInTheirGroups_TrainNothing_AndNeedNoSourceModel()
    {
        Assert.That(ReproduceMethods.Ensembles.Select(m => (m.Name(), m.PaperName(), m.Group())), Is.EqualTo(new[]
        {
            ("sc-ensemble", "SC:Ensemble", MethodGroup.Scratch), ("tl-ensemble", "TL:Ensemble", MethodGroup.Transfer),
        }).AsCollection);
        Assert.That(ReproduceMethods.Ensembles.Select(m => (m.TrainsNetwork(), m.UsesSource(), m.ScratchFeatures())), Is.All.EqualTo((false, false, (string?)null)));
    }

    [Test]
    public void ParseList_EitherSpelling_AnyOrder_GivesGridOrderWithoutRepeats()
    {
        var methods = ReproduceMethods.ParseList(" TL:FineTune , sc-ml-ef,SC:ML(EF),tl_modfinetune");
        Assert.That(methods, Is.EqualTo(new[] { ReproduceMethod.ScratchMlElementalFractions, ReproduceMethod.FineTune, ReproduceMethod.ModFineTune }).AsCollection);
    }

    [TestCase("tl-finetuned")]
    [TestCase("base,sc")]
    [TestCase(",")]
    public void ParseList_UnknownOrEmpty_IsAUsageErrorListingTheValidNames(string text)
    {
        var error = Assert.Catch<UsageException>(() => ReproduceMethods.ParseList(text));
        Assert.That(error!.Message, Does.Contain("tl-dl-featextr"));
    }

    [Test]
    public void Groups_FollowThePaperNotation()
    {
        foreach (var method in ReproduceMethods.Paper)
        {
            var expected = method == ReproduceMethod.Base ? MethodGroup.Base : method.PaperName().StartsWith("SC:", StringComparison.Ordinal) ? MethodGroup.Scratch : MethodGroup.Transfer;
            Assert.That(method.Group(), Is.EqualTo(expected), method.PaperName());
            Assert.That(method.UsesSource(), Is.EqualTo(expected == MethodGroup.Transfer), method.PaperName());
        }
        Assert.That(ReproduceMethods.All.Where(m => m.ScratchFeatures() == "pa").Select(m => m.PaperName()), Is.EqualTo(new[] { "SC:ML(PA)", "SC:DL(PA)" }).AsCollection);
    }
}
