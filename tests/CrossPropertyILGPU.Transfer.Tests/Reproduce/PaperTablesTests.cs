using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Reproduce;
using CrossPropertyILGPU.Transfer.Tests.Support;

namespace CrossPropertyILGPU.Transfer.Tests.Reproduce;

/// <summary>The transcribed Tables 4 and 5 in data/paper.</summary>
public sealed class PaperTablesTests
{
    private static PaperTables Shipped() => PaperTables.Load(Path.Combine(TestFiles.RepositoryRoot(), "data", "paper"));

    [Test]
    public void Shipped_CoverEveryJarvisSetOnce()
    {
        var tables = Shipped();
        Assert.That(tables.Computational, Has.Count.EqualTo(39));
        Assert.That(tables.Experimental.Select(r => r.Dataset), Is.EqualTo(new[] { "expt_deltae", "expt_bandgap" }).AsCollection);
        var jarvis = TargetDataset.All(Path.Combine(TestFiles.RepositoryRoot(), "data", "jarvis")).Select(s => s.Name);
        Assert.That(tables.Computational.Concat(tables.Experimental).Select(r => r.Dataset), Is.EquivalentTo(jarvis));
    }

    [Test]
    public void Shipped_Table4_GivesThePapersHeadline()
    {
        // The abstract: transfer beats scratch on 27 of 39 computational sets and on both experimental ones.
        var tables = Shipped();
        Assert.That(tables.Computational.Count(r => r.BestTransfer < r.BestScratch), Is.EqualTo(27));
        Assert.That(tables.Experimental.Count(r => r.BestTransfer < r.BestScratch), Is.EqualTo(2));
        Assert.That(tables.Computational.Concat(tables.Experimental), Has.All.Matches<PaperRow>(r => r.BestScratch < r.Base && r.BestTransfer < r.Base));
    }

    [Test]
    public void Load_BadNumber_NamesFileLineAndColumn()
    {
        using var scratch = new ScratchFolder();
        scratch.Write("table4.csv", "dataset,property,paper_rows,base,best_sc,best_tl\nklu,KLU,28056,18.77,ten,11.15\n");
        scratch.Write("table5.csv", "dataset,property,paper_rows,base,best_sc,best_tl\n");
        var error = Assert.Throws<DataFileException>(() => PaperTables.Load(scratch.FullName));
        Assert.That(error!.Message, Does.Contain("table4.csv").And.Contain("2").And.Contain("best_sc").And.Contain("'ten'"));
    }

    [Test]
    public void Shipped_Families_GroupEverySetOnce()
    {
        var tables = Shipped();
        var sets = tables.Computational.Concat(tables.Experimental).Select(r => r.Dataset).ToList();
        Assert.That(tables.Families.Keys, Is.EquivalentTo(sets));
        Assert.That(tables.FamilyOf("expt_bandgap"), Is.EqualTo("band gaps and optoelectronics"));
        Assert.That(tables.FamilyOf("etc66"), Is.EqualTo("elastic and vibrational"));
        Assert.That(tables.FamilyOf("my_own_set"), Is.EqualTo("other"));
    }

    [Test]
    public void Load_WithoutFamilies_HasNone_AndADuplicateFamilyLineIsNamed()
    {
        using var scratch = new ScratchFolder();
        scratch.Write("table4.csv", "dataset,property,paper_rows,base,best_sc,best_tl\nklu,KLU,28056,18.77,10.79,11.15\n");
        scratch.Write("table5.csv", "dataset,property,paper_rows,base,best_sc,best_tl\n");
        Assert.That(PaperTables.Load(scratch.FullName).Families, Is.Empty);

        scratch.Write("families.csv", "dataset,family\nklu,DFT settings\nklu,energetics\n");
        var error = Assert.Throws<DataFileException>(() => PaperTables.Load(scratch.FullName));
        Assert.That(error!.Message, Does.Contain("families.csv").And.Contain("3").And.Contain("'klu' is listed twice"));
    }
}
