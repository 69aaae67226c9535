using System.Globalization;
using CrossPropertyILGPU.Transfer.Chemistry;
using CrossPropertyILGPU.Transfer.Tests.Support;

namespace CrossPropertyILGPU.Transfer.Tests.Chemistry;

public sealed class ElementalFractionsTests
{
    [Test]
    public void TryCompute_Fe2O3_PutsFractionsInElemNetSlots()
    {
        var fractions = new float[ElementalFractions.Width];
        var ok = ElementalFractions.TryCompute(FormulaParser.Parse("Fe2O3"), fractions, out var unsupported);

        Assert.That(ok, Is.True);
        Assert.That(unsupported, Is.Null);
        Assert.That(fractions[ElementTable.ElemNetIndex("Fe")], Is.EqualTo(0.4f));
        Assert.That(fractions[ElementTable.ElemNetIndex("O")], Is.EqualTo(0.6f));
        Assert.That(fractions.Count(f => f != 0), Is.EqualTo(2));
    }

    [Test]
    public void TryCompute_StaleDestination_IsClearedFirst()
    {
        var fractions = Enumerable.Repeat(7f, ElementalFractions.Width).ToArray();
        ElementalFractions.TryCompute(FormulaParser.Parse("NaCl"), fractions, out _);
        Assert.That(fractions.Sum(), Is.EqualTo(1f).Within(1e-6f));
        Assert.That(fractions.Count(f => f != 0), Is.EqualTo(2));
    }

    [TestCase("HeKr2", "He")]
    [TestCase("Fe2O3Po", "Po")]
    [TestCase("RaAmCl", "Ra")]
    [TestCase("Am", "Am")]
    public void TryCompute_ElementOutsideThe86_FailsNamingFirstAndLeavesZeros(string formula, string expected)
    {
        var fractions = Enumerable.Repeat(7f, ElementalFractions.Width).ToArray();
        var ok = ElementalFractions.TryCompute(FormulaParser.Parse(formula), fractions, out var unsupported);

        Assert.That(ok, Is.False);
        Assert.That(unsupported, Is.EqualTo(expected));
        Assert.That(fractions, Is.All.Zero);
    }

    [TestCase(85)]
    [TestCase(87)]
    public void TryCompute_DestinationNot86Long_Throws(int length)
    {
        Assert.That(
            () => ElementalFractions.TryCompute(FormulaParser.Parse("Fe"), new float[length], out _),
            Throws.ArgumentException.With.Property(nameof(ArgumentException.ParamName)).EqualTo("destination"));
    }

    /// <summary>
    /// The sample set ships ElemNet's own fractions (float32) beside each formula: every row of our
    /// fractions must agree, slot by slot.
    /// </summary>
    [TestCase("sample_train_set.csv", 451)]
    [TestCase("sample_validation_set.csv", 50)]
    [TestCase("sample_test_set.csv", 56)]
    public void TryCompute_EverySampleRow_MatchesElemNetFractions(string file, int rows)
    {
        // Read with plain string splitting, not MaterialsCsv: an independent path to the truth.
        var lines = File.ReadAllLines(TestFiles.Jarvis("sample", file));
        var header = lines[0].Split(',');
        Assert.That(header[0], Is.EqualTo("pretty_comp"));
        Assert.That(header[1..87], Is.EqualTo(ElementTable.ElemNetElements).AsCollection,
            "the sample file's fraction columns are ElemNet's elements in ElemNet's order");
        Assert.That(lines.Length - 1, Is.EqualTo(rows));

        var fractions = new float[ElementalFractions.Width];
        var worst = 0.0;
        foreach (var (line, number) in lines.Skip(1).Select((line, i) => (line, i + 2)))
        {
            var fields = line.Split(',');
            var ok = ElementalFractions.TryCompute(FormulaParser.Parse(fields[0]), fractions, out var unsupported);
            Assert.That(ok, Is.True, $"line {number} {fields[0]}: {unsupported}");
            for (var slot = 0; slot < ElementalFractions.Width; slot++)
            {
                var expected = float.Parse(fields[slot + 1], CultureInfo.InvariantCulture);
                var error = Math.Abs(fractions[slot] - expected);
                Assert.That(error, Is.LessThanOrEqualTo(1e-6),
                    $"line {number} {fields[0]}, {ElementTable.ElemNetElements[slot]}: {fractions[slot]} vs {expected}");
                worst = Math.Max(worst, error);
            }
        }
        TestContext.Out.WriteLine($"{file}: largest difference {worst:G3}");
    }
}
