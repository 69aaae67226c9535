using System.Globalization;
using CrossPropertyILGPU.Transfer.Chemistry;

namespace CrossPropertyILGPU.Transfer.Tests.Chemistry;

public sealed class FormulaParserTests
{
    /// <summary>"Fe:2 O:3": every element and amount in composition order.</summary>
    private static string Describe(Composition composition) =>
        string.Join(" ", composition.Amounts.Select(pair => $"{pair.Key}:{pair.Value.ToString(CultureInfo.InvariantCulture)}"));

    [TestCase("Fe", "Fe:1")]
    [TestCase("NaCl", "Na:1 Cl:1")]
    [TestCase("Fe2O3", "Fe:2 O:3")]
    [TestCase("CO", "C:1 O:1")]
    [TestCase("Co", "Co:1")]
    [TestCase("Te2I", "Te:2 I:1")]
    [TestCase("AlSeBr7", "Al:1 Se:1 Br:7")]
    [TestCase("Ba10P6O25", "Ba:10 P:6 O:25")]
    [TestCase("HeKr2", "He:1 Kr:2")]
    public void Parse_SimpleFormula_GivesAmountsInOrder(string formula, string expected)
    {
        Assert.That(Describe(FormulaParser.Parse(formula)), Is.EqualTo(expected));
    }

    [TestCase("Fe0.62C0.01Mn0.37", "Fe:0.62 C:0.01 Mn:0.37")]
    [TestCase("Li1.5Fe.5O2", "Li:1.5 Fe:0.5 O:2")]
    [TestCase("Ti2.O", "Ti:2 O:1")]
    [TestCase("Zn0.0001Se", "Zn:0.0001 Se:1")]
    public void Parse_DecimalAmounts_ReadsThem(string formula, string expected)
    {
        Assert.That(Describe(FormulaParser.Parse(formula)), Is.EqualTo(expected));
    }

    [TestCase("Mg(SnN)2", "Mg:1 Sn:2 N:2")]
    [TestCase("AgBi(PSe3)2", "Ag:1 Bi:1 P:2 Se:6")]
    [TestCase("Ca[Fe(CN)6]2", "Ca:1 Fe:2 C:12 N:12")]
    [TestCase("Mn(BW)2", "Mn:1 B:2 W:2")]
    [TestCase("(NH4)2SO4", "N:2 H:8 S:1 O:4")]
    [TestCase("Ca(OH)", "Ca:1 O:1 H:1")]
    [TestCase("[(Fe)2]3", "Fe:6")]
    [TestCase("K(Al0.5Si1.5)2O8", "K:1 Al:1 Si:3 O:8")]
    [TestCase("Sr(TiO3)0.5", "Sr:1 Ti:0.5 O:1.5")]
    public void Parse_NestedGroups_MultiplyByTheirAmount(string formula, string expected)
    {
        Assert.That(Describe(FormulaParser.Parse(formula)), Is.EqualTo(expected));
    }

    [TestCase("CH3COOH", "C:2 H:4 O:2")]
    [TestCase("FeOFe", "Fe:2 O:1")]
    [TestCase("Ca3(PO4)2O", "Ca:3 P:2 O:9")]
    [TestCase("NH4(NO3)", "N:2 H:4 O:3")]
    public void Parse_RepeatedElement_SumsIntoFirstPosition(string formula, string expected)
    {
        var composition = FormulaParser.Parse(formula);
        Assert.That(Describe(composition), Is.EqualTo(expected));
        Assert.That(composition.ElementCount, Is.EqualTo(expected.Split(' ').Length));
    }

    [TestCase("  Fe2O3", "Fe:2 O:3")]
    [TestCase("Fe2O3 \t", "Fe:2 O:3")]
    [TestCase("\t Mg(SnN)2 \r\n", "Mg:1 Sn:2 N:2")]
    public void Parse_SurroundingWhitespace_IsIgnored(string formula, string expected)
    {
        Assert.That(Describe(FormulaParser.Parse(formula)), Is.EqualTo(expected));
    }

    [Test]
    public void Parse_Formula_TotalIsTheSumOfAmounts()
    {
        var composition = FormulaParser.Parse("Ca[Fe(CN)6]2");
        Assert.That(composition.Total, Is.EqualTo(27));
        Assert.That(composition.ElementCount, Is.EqualTo(4));
        Assert.That(composition.AmountOf("C"), Is.EqualTo(12));
        Assert.That(composition.AmountOf("O"), Is.Zero);
    }

    [Test]
    public void Parse_ZeroAmountOfOneElement_LeavesItOut()
    {
        var composition = FormulaParser.Parse("FeO0");
        Assert.That(Describe(composition), Is.EqualTo("Fe:1"));
    }

    // Each error kind, with the 0-based position of the character at fault.
    [TestCase("", 0, "Empty formula")]
    [TestCase("   ", 0, "Empty formula")]
    [TestCase("FeXx2", 2, "Unknown element symbol 'Xx'")]
    [TestCase("Xx", 0, "Unknown element symbol 'Xx'")]
    [TestCase("  Fe2Qq", 5, "Unknown element symbol 'Qq'")]
    [TestCase("Uuo", 0, "Unknown element symbol 'Uuo'")]
    [TestCase("2Fe", 0, "found the number '2'")]
    [TestCase("2-Feb", 0, "found the number '2'")]
    [TestCase("Fe(2)", 3, "found the number '2'")]
    [TestCase("Fe2.5.5", 5, "found the number '.5'")]
    [TestCase("Mg(SnN2", 2, "Bracket '(' is never closed")]
    [TestCase("Ca[Fe(CN)6", 2, "Bracket '[' is never closed")]
    [TestCase("Fe2)O3", 3, "Closing bracket ')' without an opening bracket")]
    [TestCase("]Fe", 0, "Closing bracket ']' without an opening bracket")]
    [TestCase("Ca[Fe(CN)6)2", 10, "Bracket ')' does not match '[' opened at position 2")]
    [TestCase("Mg(SnN]2", 6, "Bracket ']' does not match '(' opened at position 2")]
    [TestCase("Mg()2", 2, "Empty group '()'")]
    [TestCase("Fe[]", 2, "Empty group '[]'")]
    [TestCase("Fe(", 2, "Bracket '(' is never closed")]
    [TestCase("Mg(]", 3, "Bracket ']' does not match '(' opened at position 2")]
    [TestCase("Fe0", 0, "Total amount must be positive")]
    [TestCase(" (FeO)0", 1, "Total amount must be positive")]
    [TestCase("Fe2O3 x", 5, "Unexpected character ' '")]
    [TestCase("Fe2O3#", 5, "Unexpected character '#'")]
    [TestCase("Fe-O", 2, "Unexpected character '-'")]
    [TestCase("Fe{O}", 2, "Unexpected character '{'")]
    [TestCase("fe", 0, "Element symbols start with a capital letter, found 'f'")]
    public void Parse_InvalidFormula_ThrowsAtPosition(string formula, int position, string problem)
    {
        var ex = Assert.Throws<FormulaException>(() => FormulaParser.Parse(formula));
        Assert.That(ex!.Position, Is.EqualTo(position));
        Assert.That(ex.Formula, Is.EqualTo(formula));
        Assert.That(ex.Problem, Does.Contain(problem));
        Assert.That(ex.Message, Is.EqualTo($"{ex.Problem} at position {position} in formula '{formula}'"));
    }

    [Test]
    public void Parse_UnknownSymbol_MessageNamesSymbolPositionAndFormula()
    {
        var ex = Assert.Throws<FormulaException>(() => FormulaParser.Parse("FeXx2"));
        Assert.That(ex!.Message, Is.EqualTo("Unknown element symbol 'Xx' at position 2 in formula 'FeXx2'"));
        Assert.That(ex, Is.InstanceOf<FormatException>());
    }

    [Test]
    public void Parse_AmountTooLarge_Throws()
    {
        var huge = "Fe" + new string('9', 400);
        var ex = Assert.Throws<FormulaException>(() => FormulaParser.Parse(huge));
        Assert.That(ex!.Position, Is.EqualTo(2));
        Assert.That(ex.Problem, Does.Contain("too large"));
    }

    [Test]
    public void Parse_TotalOverflows_Throws()
    {
        var ex = Assert.Throws<FormulaException>(() => FormulaParser.Parse("(Fe1" + new string('0', 300) + ")" + new string('9', 300)));
        Assert.That(ex!.Problem, Does.Contain("too large"));
        Assert.That(ex.Position, Is.Zero);
    }

    [Test]
    public void Parse_Null_ThrowsArgumentNull()
    {
        Assert.That(() => FormulaParser.Parse(null!), Throws.ArgumentNullException);
    }
}
