using CrossPropertyILGPU.Transfer.Chemistry;

namespace CrossPropertyILGPU.Transfer.Tests.Chemistry;

public sealed class CompositionTests
{
    private static KeyValuePair<string, double> Pair(string symbol, double amount) => KeyValuePair.Create(symbol, amount);

    [Test]
    public void Constructor_RepeatedElement_SumsIntoFirstPosition()
    {
        var composition = new Composition([Pair("O", 1), Pair("Fe", 2), Pair("O", 2)]);
        Assert.That(composition.Amounts, Is.EqualTo(new[] { Pair("O", 3), Pair("Fe", 2) }).AsCollection);
        Assert.That(composition.Total, Is.EqualTo(5));
        Assert.That(composition.ElementCount, Is.EqualTo(2));
    }

    [Test]
    public void Constructor_ZeroAmount_LeavesElementOut()
    {
        var composition = new Composition([Pair("Fe", 1), Pair("O", 0)]);
        Assert.That(composition.ElementCount, Is.EqualTo(1));
        Assert.That(composition.AmountOf("O"), Is.Zero);
    }

    [Test]
    public void Constructor_NotAnElement_Throws()
    {
        Assert.That(() => new Composition([Pair("Xx", 1)]), Throws.ArgumentException.With.Message.Contains("'Xx'"));
    }

    [TestCase(-1.0)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void Constructor_InvalidAmount_Throws(double amount)
    {
        Assert.That(() => new Composition([Pair("Fe", 1), Pair("O", amount)]), Throws.ArgumentException);
    }

    [Test]
    public void Constructor_ZeroTotal_Throws()
    {
        Assert.That(() => new Composition([Pair("Fe", 0)]), Throws.ArgumentException);
        Assert.That(() => new Composition([]), Throws.ArgumentException);
    }

    [Test]
    public void ToString_Composition_WritesFlatFormula()
    {
        Assert.That(FormulaParser.Parse("Ca[Fe(CN)6]2").ToString(), Is.EqualTo("CaFe2C12N12"));
        Assert.That(FormulaParser.Parse("Fe0.62C0.01Mn0.37").ToString(), Is.EqualTo("Fe0.62C0.01Mn0.37"));
    }
}
