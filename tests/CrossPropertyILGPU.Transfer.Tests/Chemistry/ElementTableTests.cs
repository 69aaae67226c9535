using CrossPropertyILGPU.Transfer.Chemistry;

namespace CrossPropertyILGPU.Transfer.Tests.Chemistry;

public sealed class ElementTableTests
{
    // docs/PAPER.md §3, elements_tl in ElemNet's data_utils.py.
    private const string ElemNetOrder =
        "H Li Be B C N O F Na Mg Al Si P S Cl K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr Rb Sr Y Zr Nb " +
        "Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os " +
        "Ir Pt Au Hg Tl Pb Bi Ac Th Pa U Np Pu";

    [Test]
    public void ElemNetElements_Always_AreThe86InElemNetOrder()
    {
        Assert.That(ElementTable.ElemNetElements, Is.EqualTo(ElemNetOrder.Split(' ')).AsCollection);
        Assert.That(ElementTable.ElemNetElements, Has.Count.EqualTo(86).And.Unique);
    }

    [TestCase("H", 0)]
    [TestCase("Li", 1)]
    [TestCase("O", 6)]
    [TestCase("Fe", 22)]
    [TestCase("Kr", 32)]
    [TestCase("Xe", 50)]
    [TestCase("Bi", 79)]
    [TestCase("Ac", 80)]
    [TestCase("Pu", 85)]
    public void ElemNetIndex_ElemNetElement_GivesItsSlot(string symbol, int slot)
    {
        Assert.That(ElementTable.ElemNetIndex(symbol), Is.EqualTo(slot));
        Assert.That(ElementTable.ElemNetElements[slot], Is.EqualTo(symbol));
    }

    [TestCase("He")]
    [TestCase("Ne")]
    [TestCase("Ar")]
    [TestCase("Po")]
    [TestCase("At")]
    [TestCase("Rn")]
    [TestCase("Fr")]
    [TestCase("Ra")]
    [TestCase("Am")]
    [TestCase("Og")]
    [TestCase("Xx")]
    [TestCase("fe")]
    [TestCase("")]
    public void ElemNetIndex_NotAnElemNetInput_GivesMinusOne(string symbol)
    {
        Assert.That(ElementTable.ElemNetIndex(symbol), Is.EqualTo(-1));
    }

    [Test]
    public void ElemNetElements_Always_AreH_ToPuWithoutTheEightExcluded()
    {
        var expected = ElementTable.AllElements.Take(94)
            .Except(["He", "Ne", "Ar", "Po", "At", "Rn", "Fr", "Ra"]);
        Assert.That(ElementTable.ElemNetElements, Is.EqualTo(expected).AsCollection);
    }

    [TestCase("H")]
    [TestCase("He")]
    [TestCase("Kr")]
    [TestCase("Po")]
    [TestCase("Pu")]
    [TestCase("Am")]
    [TestCase("Og")]
    public void IsElement_RealSymbol_IsTrue(string symbol)
    {
        Assert.That(ElementTable.IsElement(symbol), Is.True);
    }

    [TestCase("Xx")]
    [TestCase("fe")]
    [TestCase("FE")]
    [TestCase("Uuo")]
    [TestCase("D")]
    [TestCase("")]
    public void IsElement_NotASymbol_IsFalse(string symbol)
    {
        Assert.That(ElementTable.IsElement(symbol), Is.False);
    }

    [Test]
    public void AllElements_Always_Has118UniqueSymbolsHToOg()
    {
        Assert.That(ElementTable.AllElements, Has.Count.EqualTo(118).And.Unique);
        Assert.That(ElementTable.AllElements[0], Is.EqualTo("H"));
        Assert.That(ElementTable.AllElements[^1], Is.EqualTo("Og"));
    }

    [TestCase("H", 1)]
    [TestCase("Fe", 26)]
    [TestCase("Kr", 36)]
    [TestCase("Xe", 54)]
    [TestCase("Pu", 94)]
    [TestCase("Og", 118)]
    [TestCase("Xx", 0)]
    public void AtomicNumber_Symbol_GivesZ(string symbol, int z)
    {
        Assert.That(ElementTable.AtomicNumber(symbol), Is.EqualTo(z));
    }

    [Test]
    public void ElemNetIndex_Null_Throws()
    {
        Assert.That(() => ElementTable.ElemNetIndex(null!), Throws.ArgumentNullException);
    }
}
