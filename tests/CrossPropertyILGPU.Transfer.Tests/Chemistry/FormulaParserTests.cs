using System.Globalization;
using CrossPropertyILGPU.Transfer.Chemistry;

namespace CrossPropertyILGPU.Transfer.Tests.Chemistry;

public sealed class FormulaParserTests
{
    /// <summary>"Fe:2 O:3": every element and amount in composition order.</summary>
    private static string Describe(Composition composition) =>
        string.Join(" ", composition.Amounts.Select(pair => $"{pair.Key}:{pair.Value.ToString(CultureInfo.InvariantCulture)}"));

    private static string Parse(string formula) => Describe(FormulaParser.Parse(formula));

    [TestCase("Fe", "Fe:1")]
    [TestCase("NaCl", "Na:1 Cl:1")]
    [TestCase("Fe2O3", "Fe:2 O:3")]
    [TestCase("CO", "C:1 O:1")]
    [TestCase("Co", "Co:1")]
    [TestCase("Te2I", "Te:2 I:1")]
    [TestCase("AlSeBr7", "Al:1 Se:1 Br:7")]
    [TestCase("Ba10P6O25", "Ba:10 P:6 O:25")]
    [TestCase("HeKr2", "He:1 Kr:2")]
    [TestCase("C1Pt1", "C:1 Pt:1")]
    public void Parse_SimpleFormula_GivesAmountsInOrder(string formula, string expected)
    {
        Assert.That(Parse(formula), Is.EqualTo(expected));
    }

    [TestCase("Fe0.62C0.01Mn0.37", "Fe:0.62 C:0.01 Mn:0.37")]
    [TestCase("Li1.5Fe.5O2", "Li:1.5 Fe:0.5 O:2")]
    [TestCase("Zn0.0001Se", "Zn:0.0001 Se:1")]
    [TestCase("Hg7.5As4Cl6", "Hg:7.5 As:4 Cl:6")]
    [TestCase("La5Cu6.33S7O4", "La:5 Cu:6.33 S:7 O:4")]
    [TestCase("Bi2Te0.03Se2.97", "Bi:2 Te:0.03 Se:2.97")]
    public void Parse_DecimalAmounts_ReadsThem(string formula, string expected)
    {
        Assert.That(Parse(formula), Is.EqualTo(expected));
    }

    [TestCase("S1e-1", "S:0.1")]
    [TestCase("Fe2.5E+0", "Fe:2.5")]
    [TestCase("Fe1E1O", "Fe:10 O:1")]
    [TestCase("Fe2e0O3", "Fe:2 O:3")]
    [TestCase("Fe.5e1Ni", "Fe:5 Ni:1")]
    [TestCase("(SiO2)1e-1", "Si:0.1 O:0.2")]
    [TestCase("Fe2Er3", "Fe:2 Er:3")]
    [TestCase("Fe2Eu", "Fe:2 Eu:1")]
    [TestCase("Fe2Es", "Fe:2 Es:1")]
    public void Parse_ScientificNotation_ReadsExponentOnlyBeforeADigit(string formula, string expected)
    {
        Assert.That(Parse(formula), Is.EqualTo(expected));
    }

    [TestCase("Mg1/3Ta2/3", "Mg", 1.0 / 3, "Ta", 2.0 / 3)]
    [TestCase("Fe1/2O3/2", "Fe", 0.5, "O", 1.5)]
    [TestCase("Fe1.5/3O1e1/20", "Fe", 0.5, "O", 0.5)]
    [TestCase("(FeO)1/4Ni", "Fe", 0.25, "Ni", 1.0)]
    [TestCase("1/2Fe2O", "Fe", 1.0, "O", 0.5)]
    public void Parse_Fractions_DivideExactly(string formula, string first, double firstAmount, string second, double secondAmount)
    {
        var composition = FormulaParser.Parse(formula);
        Assert.That(composition.AmountOf(first), Is.EqualTo(firstAmount).Within(1e-15));
        Assert.That(composition.AmountOf(second), Is.EqualTo(secondAmount).Within(1e-15));
    }

    [TestCase("Mg(SnN)2", "Mg:1 Sn:2 N:2")]
    [TestCase("AgBi(PSe3)2", "Ag:1 Bi:1 P:2 Se:6")]
    [TestCase("Ca[Fe(CN)6]2", "Ca:1 Fe:2 C:12 N:12")]
    [TestCase("K4{Fe(CN)6}", "K:4 Fe:1 C:6 N:6")]
    [TestCase("{[(Fe)2]3}2", "Fe:12")]
    [TestCase("Mn(BW)2", "Mn:1 B:2 W:2")]
    [TestCase("(NH4)2SO4", "N:2 H:8 S:1 O:4")]
    [TestCase("Ca(OH)", "Ca:1 O:1 H:1")]
    [TestCase("[(Fe)2]3", "Fe:6")]
    [TestCase("K(Al0.5Si1.5)2O8", "K:1 Al:1 Si:3 O:8")]
    [TestCase("Sr(TiO3)0.5", "Sr:1 Ti:0.5 O:1.5")]
    [TestCase("(SiO2).5", "Si:0.5 O:1")]
    public void Parse_NestedGroups_MultiplyByTheirAmount(string formula, string expected)
    {
        Assert.That(Parse(formula), Is.EqualTo(expected));
    }

    [Test]
    public void Parse_CoefficientInsideGroups_MultipliesThatGroup()
    {
        // The formula pymatgen cannot read and ElemNet's parser was written for.
        var composition = FormulaParser.Parse("(3InAs)0.95(In2Te3)0.05");
        Assert.That(composition.Amounts.Select(pair => pair.Key), Is.EqualTo(new[] { "In", "As", "Te" }).AsCollection);
        Assert.That(composition.AmountOf("In"), Is.EqualTo(3 * 0.95 + 2 * 0.05).Within(1e-12));
        Assert.That(composition.AmountOf("As"), Is.EqualTo(3 * 0.95).Within(1e-12));
        Assert.That(composition.AmountOf("Te"), Is.EqualTo(3 * 0.05).Within(1e-12));
    }

    [TestCase("2H2O", "H:4 O:2")]
    [TestCase(" 2 H2O ", "H:4 O:2")]
    [TestCase("0.5H2O", "H:1 O:0.5")]
    [TestCase(".5H2O", "H:1 O:0.5")]
    [TestCase("1e1H2O", "H:20 O:10")]
    [TestCase("3(NH4)2S", "N:6 H:24 S:3")]
    [TestCase("[2Fe]2O", "Fe:4 O:1")]
    public void Parse_LeadingCoefficient_MultipliesItsPart(string formula, string expected)
    {
        Assert.That(Parse(formula), Is.EqualTo(expected));
    }

    [Test]
    public void Parse_LeadingCoefficientOfWholeFormula_LeavesFractionsUnchanged()
    {
        var fractions = new float[ElementalFractions.Width];
        var doubled = new float[ElementalFractions.Width];
        ElementalFractions.TryCompute(FormulaParser.Parse("Fe2O3"), fractions, out _);
        ElementalFractions.TryCompute(FormulaParser.Parse("2Fe2O3"), doubled, out _);
        Assert.That(doubled, Is.EqualTo(fractions).AsCollection);
    }

    [TestCase("CuSO4·5H2O", "Cu:1 S:1 O:9 H:10")]
    [TestCase("CuSO4.5H2O", "Cu:1 S:1 O:9 H:10")]
    [TestCase("CuSO4*5H2O", "Cu:1 S:1 O:9 H:10")]
    [TestCase("CuSO4•5H2O", "Cu:1 S:1 O:9 H:10")]
    [TestCase("CuSO4 · 5 H2O", "Cu:1 S:1 O:9 H:10")]
    [TestCase("CuSO4. 5H2O", "Cu:1 S:1 O:9 H:10")]
    [TestCase("Na2CO3*10H2O", "Na:2 C:1 O:13 H:20")]
    [TestCase("Na2CO3.10H2O", "Na:2 C:1 O:13 H:20")]
    [TestCase("CaSO4.0.5H2O", "Ca:1 S:1 O:4.5 H:1")]
    [TestCase("NaCl.2H2O", "Na:1 Cl:1 H:4 O:2")]
    [TestCase("KAl(SO4)2.12H2O", "K:1 Al:1 S:2 O:20 H:24")]
    [TestCase("(CuSO4.5H2O)2", "Cu:2 S:2 O:18 H:20")]
    [TestCase("Fe2O3.H2O", "Fe:2 O:4 H:2")]
    [TestCase("KCl.MgCl2", "K:1 Cl:3 Mg:1")]
    [TestCase("3CdSO4·8H2O", "Cd:3 S:3 O:20 H:16")]
    [TestCase("2CuSO4.5H2O", "Cu:2 S:2 O:13 H:10")]
    [TestCase("[CuSO4·5H2O]2", "Cu:2 S:2 O:18 H:20")]
    [TestCase("K2SO4*2MgSO4", "K:2 S:3 O:12 Mg:2")]
    [TestCase("(NH4)2SO4.FeSO4.6H2O", "N:2 H:20 S:2 O:14 Fe:1")]
    public void Parse_Adducts_AddTheirParts(string formula, string expected)
    {
        Assert.That(Parse(formula), Is.EqualTo(expected));
    }

    // How a dot is read when it could be a decimal point (see FormulaParser's remarks).
    [TestCase("Fe0.5H2O", "Fe:0.5 H:2 O:1")]           // after a zero: a decimal
    [TestCase("K2SO4.2MgSO4", "K:2 S:2 O:8.2 Mg:1")]  // not water: a decimal
    [TestCase("CuSO4.5H2O2", "Cu:1 S:1 O:6.5 H:2")]   // H2O2 is not water
    [TestCase("CuSO4.5H2Os", "Cu:1 S:1 O:4.5 H:2 Os:1")]
    [TestCase("Ti2.O", "Ti:2 O:1")]                   // not before a digit: an adduct, same amounts
    [TestCase("Fe2O3 .5H2O", "Fe:2 O:8 H:10")]        // cannot start an amount after a space
    [TestCase("Fe2.5.5O", "Fe:2.5 O:5")]
    [TestCase("Zn.Fe", "Zn:1 Fe:1")]                  // before a letter: a separator, as '·'
    [TestCase("ClSS.NaMg6", "Cl:1 S:2 Na:1 Mg:6")]
    [TestCase("Fe2O3.(H2O)3", "Fe:2 O:6 H:6")]        // before a bracket: a separator
    public void Parse_Dot_IsReadByTheDocumentedRules(string formula, string expected)
    {
        Assert.That(Parse(formula), Is.EqualTo(expected));
    }

    // The README's rule for '.' ("Data files"), example by example: the README names each of these
    // formulas and says how it reads, and the parser must read it so.
    [TestCase("Fe0.5", "Fe0.5")]                       // before a digit: a decimal point
    [TestCase("Hg7.5As4Cl6", "Hg7.5As4Cl6")]
    [TestCase("CuSO4.5H2O", "CuSO4·5H2O")]             // except water of crystallisation
    [TestCase("Na2CO3.10H2O", "Na2CO3·10H2O")]
    [TestCase("Fe2O3.H2O", "Fe2O3·H2O")]               // before a letter or bracket: a separator
    [TestCase("CaCO3.MgCO3", "CaCO3·MgCO3")]
    [TestCase("Zn.Fe", "Zn·Fe")]
    public void Parse_Dot_ReadsAsTheReadmeSays(string formula, string sameAs)
    {
        Assert.That(Parse(formula), Is.EqualTo(Parse(sameAs)));
        var readme = File.ReadAllText(Path.Combine(CrossPropertyILGPU.Tests.Shared.RepositoryFiles.Root(), "README.md"));
        Assert.That(readme, Does.Contain($"`{formula}`"), "the README states this example's reading");
    }

    [Test]
    public void Readme_DotRule_SaysWhatTheParserDoes()
    {
        var readme = File.ReadAllText(Path.Combine(CrossPropertyILGPU.Tests.Shared.RepositoryFiles.Root(), "README.md"));
        Assert.That(readme, Does.Contain("before a letter or a bracket it can only be a separator"));
        Assert.That(readme, Does.Contain("so `Zn.Fe` is Zn + Fe"));
        Assert.That(readme, Does.Not.Contain("counts as a separator only before a"), "the old, wrong rule");
        Assert.That(readme, Does.Contain("`K2SO4.2MgSO4` is K2SO4.2 + MgSO4"));
        Assert.That(Parse("K2SO4.2MgSO4"), Is.EqualTo(Parse("K2SO4.2·MgSO4")));
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
    [TestCase("Fe2 O3", "Fe:2 O:3")]
    [TestCase(" Na Cl ", "Na:1 Cl:1")]
    [TestCase("Ca [ Fe ( C N )6 ]2", "Ca:1 Fe:2 C:12 N:12")]
    public void Parse_WhitespaceBetweenTokens_IsIgnored(string formula, string expected)
    {
        Assert.That(Parse(formula), Is.EqualTo(expected));
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

    [TestCase("FeO0", "Fe:1")]
    [TestCase("Fe·0H2O", "Fe:1")]
    [TestCase("FeO1e-400", "Fe:1")]
    public void Parse_ZeroAmountOfOneElement_LeavesItOut(string formula, string expected)
    {
        Assert.That(Parse(formula), Is.EqualTo(expected));
    }

    [Test]
    public void Parse_NestingAtTheLimit_IsRead()
    {
        var depth = FormulaParser.MaxNesting;
        var formula = new string('(', depth) + "Fe" + new string(')', depth) + "2";
        Assert.That(Parse(formula), Is.EqualTo("Fe:2"));
    }

    // Each error kind, with the 0-based position of the character at fault.
    [TestCase("", 0, "Empty formula")]
    [TestCase("   ", 0, "Empty formula")]
    [TestCase("FeXx2", 2, "Unknown element symbol 'Xx'")]
    [TestCase("Xx", 0, "Unknown element symbol 'Xx'")]
    [TestCase("  Fe2Qq", 5, "Unknown element symbol 'Qq'")]
    [TestCase("Uuo", 0, "Unknown element symbol 'Uuo'")]
    [TestCase("Fe2E+", 3, "Unknown element symbol 'E'")]
    [TestCase("Fe 2", 3, "found the number '2' (an amount is written directly after its element or bracket)")]
    [TestCase("Fe2 3", 4, "Expected an element symbol or a bracket, found the number '3'")]
    [TestCase("(Fe)2 1/2", 6, "found the number '1/2'")]
    [TestCase("2", 0, "Coefficient '2' is not followed by a formula")]
    [TestCase("Fe(2)", 3, "Coefficient '2' is not followed by a formula")]
    [TestCase("Fe·1e3", 3, "Coefficient '1e3' is not followed by a formula")]
    [TestCase("Fe2.5.5", 6, "Coefficient '5' is not followed by a formula")]
    [TestCase("2.H2O", 0, "Coefficient '2' is not followed by a formula")]
    [TestCase("2-Feb", 1, "Unexpected character '-'")]
    [TestCase("Fe·", 2, "Adduct separator '·' is not followed by a formula")]
    [TestCase("Fe2O3.", 5, "Adduct separator '.' is not followed by a formula")]
    [TestCase("Fe**O", 2, "Adduct separator '*' is not followed by a formula")]
    [TestCase("(Fe·)", 3, "Adduct separator '·' is not followed by a formula")]
    [TestCase("·Fe", 0, "Adduct separator '·' without a formula before it")]
    [TestCase(".Fe", 0, "Adduct separator '.' without a formula before it")]
    [TestCase("(*Fe)", 1, "Adduct separator '*' without a formula before it")]
    [TestCase("Mg1/", 3, "Fraction '1/' has no denominator")]
    [TestCase("Mg1/Ta", 3, "Fraction '1/' has no denominator")]
    [TestCase("Mg1/0", 2, "Fraction '1/0' has a zero denominator")]
    [TestCase("1/0.0Fe", 0, "Fraction '1/0.0' has a zero denominator")]
    [TestCase("Mg1/2/3", 5, "Unexpected character '/'")]
    [TestCase("Fe2e", 3, "Element symbols start with a capital letter, found 'e'")]
    [TestCase("Mg(SnN2", 2, "Bracket '(' is never closed")]
    [TestCase("Ca[Fe(CN)6", 2, "Bracket '[' is never closed")]
    [TestCase("Fe{O", 2, "Bracket '{' is never closed")]
    [TestCase("Fe2)O3", 3, "Closing bracket ')' without an opening bracket")]
    [TestCase("]Fe", 0, "Closing bracket ']' without an opening bracket")]
    [TestCase("Fe}", 2, "Closing bracket '}' without an opening bracket")]
    [TestCase("Ca[Fe(CN)6)2", 10, "Bracket ')' does not match '[' opened at position 2")]
    [TestCase("Mg(SnN]2", 6, "Bracket ']' does not match '(' opened at position 2")]
    [TestCase("{Fe]", 3, "Bracket ']' does not match '{' opened at position 0 (expected '}')")]
    [TestCase("Mg()2", 2, "Empty group '()'")]
    [TestCase("Fe[]", 2, "Empty group '[]'")]
    [TestCase("Fe{ }", 2, "Empty group '{}'")]
    [TestCase("Fe(", 2, "Bracket '(' is never closed")]
    [TestCase("Mg(]", 3, "Bracket ']' does not match '(' opened at position 2")]
    [TestCase("Fe0", 0, "Total amount must be positive")]
    [TestCase(" (FeO)0", 1, "Total amount must be positive")]
    [TestCase("0H2O", 0, "Total amount must be positive")]
    [TestCase("Fe2O3 x", 6, "Element symbols start with a capital letter, found 'x'")]
    [TestCase("Fe2O3#", 5, "Unexpected character '#'")]
    [TestCase("Fe-O", 2, "Unexpected character '-'")]
    [TestCase("Fe₂O₃", 2, "Unexpected character '₂'")]
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
    public void Parse_NestedTooDeep_ThrowsAtTheFirstBracketTooMany()
    {
        var depth = FormulaParser.MaxNesting + 1;
        var formula = new string('[', depth) + "Fe" + new string(']', depth);
        var ex = Assert.Throws<FormulaException>(() => FormulaParser.Parse(formula));
        Assert.That(ex!.Position, Is.EqualTo(FormulaParser.MaxNesting));
        Assert.That(ex.Problem, Is.EqualTo($"Brackets are nested more than {FormulaParser.MaxNesting} deep"));
    }

    [Test]
    public void Parse_AmountTooLarge_Throws()
    {
        var huge = "Fe" + new string('9', 400);
        var ex = Assert.Throws<FormulaException>(() => FormulaParser.Parse(huge));
        Assert.That(ex!.Position, Is.EqualTo(2));
        Assert.That(ex.Problem, Does.Contain("too large"));
    }

    [TestCase("Fe1e400", 2, "Amount '1e400' is too large")]
    [TestCase("1e400Fe", 0, "Coefficient '1e400' is too large")]
    [TestCase("Fe1e300/1e-300", 2, "Amount '1e300/1e-300' is too large")]
    [TestCase("(Fe1e300)1e300", 9, "Amount of Fe is too large after multiplying by '1e300'")]
    [TestCase("1e300(Fe1e300)", 0, "Amount of Fe is too large after multiplying by '1e300'")]
    [TestCase("Fe1e308Fe1e308", 0, "Total amount is too large")]
    public void Parse_NumberOverflows_Throws(string formula, int position, string problem)
    {
        var ex = Assert.Throws<FormulaException>(() => FormulaParser.Parse(formula));
        Assert.That(ex!.Problem, Is.EqualTo(problem));
        Assert.That(ex.Position, Is.EqualTo(position));
    }

    [Test]
    public void Parse_TotalOverflows_Throws()
    {
        var ex = Assert.Throws<FormulaException>(() => FormulaParser.Parse("(Fe1" + new string('0', 300) + ")" + new string('9', 300)));
        Assert.That(ex!.Problem, Does.Contain("too large"));
        Assert.That(ex.Position, Is.EqualTo(4 + 300 + 1));
    }

    [Test]
    public void Parse_Null_ThrowsArgumentNull()
    {
        Assert.That(() => FormulaParser.Parse(null!), Throws.ArgumentNullException);
    }
}
