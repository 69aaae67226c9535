using CrossPropertyILGPU.Transfer.Chemistry;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Tests.Support;

namespace CrossPropertyILGPU.Transfer.Tests.Data;

public sealed class FeaturizerTests
{
    private static MaterialsTable Table(params MaterialsRecord[] records) => new("test.csv", "formula", "target", records);

    [Test]
    public void ElementalFractions_BadRows_AreSkippedWithLineAndReason()
    {
        var table = Table(
            new MaterialsRecord(2, "Fe2O3", 1f),
            new MaterialsRecord(3, "FeXx2", 2f),
            new MaterialsRecord(4, "HeO", 3f),
            new MaterialsRecord(5, "NaCl", 4f),
            new MaterialsRecord(6, "2-Feb", 5f),
            new MaterialsRecord(7, "", 6f));

        var data = Featurizer.ElementalFractions(table);

        Assert.That(data.Records.Select(r => r.Line), Is.EqualTo(new[] { 2, 5 }).AsCollection);
        Assert.That(data.Count, Is.EqualTo(2));
        Assert.That(data.Skipped, Is.EqualTo(new[]
        {
            new SkippedRow(3, "FeXx2", "Unknown element symbol 'Xx' at position 2 in formula 'FeXx2'", SkipKind.InvalidFormula),
            new SkippedRow(4, "HeO", "element 'He' is not among ElemNet's 86 inputs", SkipKind.UnsupportedElement),
            new SkippedRow(6, "2-Feb", "Unexpected character '-' at position 1 in formula '2-Feb'", SkipKind.InvalidFormula),
            new SkippedRow(7, "", "Empty formula at position 0 in formula ''", SkipKind.InvalidFormula),
        }).AsCollection);
    }

    [Test]
    public void ElementalFractions_KeptRows_HaveTheirFractionsAndTargetsInOrder()
    {
        var data = Featurizer.ElementalFractions(Table(
            new MaterialsRecord(2, "Fe2O3", 1.5f),
            new MaterialsRecord(3, "HeO", 9f),
            new MaterialsRecord(4, "NaCl", -2f)));

        Assert.That(data.Width, Is.EqualTo(ElementalFractions.Width));
        Assert.That(data.Features, Has.Length.EqualTo(2 * ElementalFractions.Width));
        Assert.That(data.Targets, Is.EqualTo(new[] { 1.5f, -2f }).AsCollection);

        var fe2o3 = data.Row(0).ToArray();
        Assert.That(fe2o3[ElementTable.ElemNetIndex("Fe")], Is.EqualTo(0.4f));
        Assert.That(fe2o3[ElementTable.ElemNetIndex("O")], Is.EqualTo(0.6f));
        Assert.That(fe2o3.Count(f => f != 0), Is.EqualTo(2));
        // The skipped HeO row must not leave anything behind in the NaCl row.
        var nacl = data.Row(1).ToArray();
        Assert.That(nacl[ElementTable.ElemNetIndex("Na")], Is.EqualTo(0.5f));
        Assert.That(nacl[ElementTable.ElemNetIndex("Cl")], Is.EqualTo(0.5f));
        Assert.That(nacl.Count(f => f != 0), Is.EqualTo(2));
    }

    [Test]
    public void ElementalFractions_NoTargets_TargetsIsNull()
    {
        var table = new MaterialsTable("predict.csv", "formula", null, [new MaterialsRecord(2, "Fe2O3", null)]);
        Assert.That(Featurizer.ElementalFractions(table).Targets, Is.Null);
    }

    [Test]
    public void ElementalFractions_SomeTargetsMissing_HoldsNaNForThem()
    {
        var data = Featurizer.ElementalFractions(Table(
            new MaterialsRecord(2, "Fe2O3", null),
            new MaterialsRecord(3, "NaCl", 4f)));

        Assert.That(data.Targets, Has.Length.EqualTo(2));
        Assert.That(data.Targets![0], Is.NaN);
        Assert.That(data.Targets[1], Is.EqualTo(4f));
    }

    [Test]
    public void ElementalFractions_EveryRowSkipped_GivesEmptyData()
    {
        var data = Featurizer.ElementalFractions(Table(new MaterialsRecord(2, "Ne", 1f)));

        Assert.That(data.Count, Is.Zero);
        Assert.That(data.Features, Is.Empty);
        Assert.That(data.Targets, Is.Null);
        Assert.That(data.Skipped, Has.Count.EqualTo(1));
    }

    [Test]
    public void ElementalFractions_ExfoliationTrainingFile_KeepsEveryRowWithFractionsSummingToOne()
    {
        var table = MaterialsCsv.Read(TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv"));
        var data = Featurizer.ElementalFractions(table);

        Assert.That(data.Skipped, Is.Empty);
        Assert.That(data.Count, Is.EqualTo(501));
        Assert.That(data.Targets, Is.EqualTo(table.Records.Select(r => r.Target!.Value)).AsCollection);
        for (var i = 0; i < data.Count; i++)
        {
            var sum = 0.0;
            foreach (var fraction in data.Row(i))
            {
                sum += fraction;
            }
            Assert.That(sum, Is.EqualTo(1.0).Within(1e-6), $"line {data.Records[i].Line} {data.Records[i].Formula}");
        }
    }

    [Test]
    public void ElementalFractions_FileWithBadRows_ReportsTheirFileLines()
    {
        using var scratch = new ScratchFolder();
        var path = scratch.Write("data.csv", ",pretty_comp,gap expt\n0,Fe2O3,1\n1,Xx2O,2\n\n2,ArCl,3\n3,NaCl,4\n");
        var data = Featurizer.ElementalFractions(MaterialsCsv.Read(path));

        Assert.That(data.Records.Select(r => r.Line), Is.EqualTo(new[] { 2, 6 }).AsCollection);
        Assert.That(data.Skipped.Select(s => (s.Line, s.Formula)), Is.EqualTo(new[] { (3, "Xx2O"), (5, "ArCl") }).AsCollection);
        Assert.That(data.Skipped[1].Reason, Is.EqualTo("element 'Ar' is not among ElemNet's 86 inputs"));
    }

    [Test]
    public void ElementalFractions_DefaultOptions_KeepSingleElementRows()
    {
        var table = Table(new MaterialsRecord(2, "Fe", 1f), new MaterialsRecord(3, "O2", 2f), new MaterialsRecord(4, "FeO", 3f));

        var plain = Featurizer.ElementalFractions(table);
        var defaults = Featurizer.ElementalFractions(table, FeaturizerOptions.Default);

        Assert.That(plain.Count, Is.EqualTo(3));
        Assert.That(plain.Skipped, Is.Empty);
        Assert.That(defaults.Features, Is.EqualTo(plain.Features).AsCollection);
        Assert.That(FeaturizerOptions.Default.OnUnsupported, Is.EqualTo(UnsupportedRowAction.Skip));
        Assert.That(FeaturizerOptions.Default.MinElements, Is.EqualTo(1));
    }

    [Test]
    public void ElementalFractions_MinElementsTwo_SkipsSingleElementRowsWithReason()
    {
        var table = Table(
            new MaterialsRecord(2, "Fe", 1f),
            new MaterialsRecord(3, "FeO", 2f),
            new MaterialsRecord(4, "O2O", 3f),
            new MaterialsRecord(5, "FeO0", 4f),
            new MaterialsRecord(6, "NaCl", 5f));

        var data = Featurizer.ElementalFractions(table, new FeaturizerOptions { MinElements = 2 });

        Assert.That(data.Records.Select(r => r.Line), Is.EqualTo(new[] { 3, 6 }).AsCollection);
        Assert.That(data.Targets, Is.EqualTo(new[] { 2f, 5f }).AsCollection);
        Assert.That(data.Skipped, Is.EqualTo(new[]
        {
            new SkippedRow(2, "Fe", "1 distinct element, fewer than the minimum of 2", SkipKind.TooFewElements),
            new SkippedRow(4, "O2O", "1 distinct element, fewer than the minimum of 2", SkipKind.TooFewElements),
            new SkippedRow(5, "FeO0", "1 distinct element, fewer than the minimum of 2", SkipKind.TooFewElements),
        }).AsCollection);
        // A skipped row's fractions must not leak into the next kept row.
        var nacl = data.Row(1).ToArray();
        Assert.That(nacl.Count(f => f != 0), Is.EqualTo(2));
        Assert.That(nacl[ElementTable.ElemNetIndex("Na")], Is.EqualTo(0.5f));
    }

    [Test]
    public void ElementalFractions_MinElementsThree_CountsDistinctElementsNotTerms()
    {
        var table = Table(new MaterialsRecord(2, "FeOFeO", 1f), new MaterialsRecord(3, "Ca[Fe(CN)6]2", 2f));

        var data = Featurizer.ElementalFractions(table, new FeaturizerOptions { MinElements = 3 });

        Assert.That(data.Records.Select(r => r.Line), Is.EqualTo(new[] { 3 }).AsCollection);
        Assert.That(data.Skipped.Single().Reason, Is.EqualTo("2 distinct elements, fewer than the minimum of 3"));
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void FeaturizerOptions_MinElementsBelowOne_Throws(int minElements)
    {
        Assert.That(() => new FeaturizerOptions { MinElements = minElements }, Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void ElementalFractions_OnUnsupportedError_ThrowsNamingFileLineFormulaAndElement()
    {
        var table = new MaterialsTable("data/set.csv", "pretty_comp", "gap", [
            new MaterialsRecord(2, "Fe2O3", 1f),
            new MaterialsRecord(3, "Fe", 2f),
            new MaterialsRecord(4, "NaPo", 3f),
            new MaterialsRecord(5, "HeO", 4f),
        ]);

        var ex = Assert.Throws<DataFileException>(
            () => Featurizer.ElementalFractions(table, new FeaturizerOptions { OnUnsupported = UnsupportedRowAction.Error, MinElements = 2 }));

        Assert.That(ex!.Message, Is.EqualTo(
            "data/set.csv line 4, column 'pretty_comp': formula 'NaPo': element 'Po' is not among ElemNet's 86 inputs"));
        Assert.That(ex.Path, Is.EqualTo("data/set.csv"));
        Assert.That(ex.Line, Is.EqualTo(4));
        Assert.That(ex.Column, Is.EqualTo("pretty_comp"));
        Assert.That(ex.Value, Is.EqualTo("NaPo"));
    }

    [Test]
    public void ElementalFractions_OnUnsupportedError_ThrowsForAnInvalidFormulaWithTheParserError()
    {
        var table = Table(new MaterialsRecord(2, "Fe2O3", 1f), new MaterialsRecord(3, "2-Feb", 2f));

        var ex = Assert.Throws<DataFileException>(
            () => Featurizer.ElementalFractions(table, new FeaturizerOptions { OnUnsupported = UnsupportedRowAction.Error }));

        Assert.That(ex!.Message, Is.EqualTo(
            "test.csv line 3, column 'formula': formula '2-Feb' cannot be read: Unexpected character '-' at position 1 in formula '2-Feb'"));
        Assert.That(ex.Line, Is.EqualTo(3));
        Assert.That(ex.Value, Is.EqualTo("2-Feb"));
        Assert.That(ex.InnerException, Is.InstanceOf<FormulaException>().With.Property(nameof(FormulaException.Position)).EqualTo(1));
    }

    [Test]
    public void ElementalFractions_OnUnsupportedErrorAndCleanRows_KeepsEveryRow()
    {
        var table = Table(new MaterialsRecord(2, "Fe2O3", 1f), new MaterialsRecord(3, "CuSO4·5H2O", 2f));

        var data = Featurizer.ElementalFractions(table, new FeaturizerOptions { OnUnsupported = UnsupportedRowAction.Error });

        Assert.That(data.Count, Is.EqualTo(2));
        Assert.That(data.Skipped, Is.Empty);
    }

    [Test]
    public void PhysicalAttributes_KeepAndSkipTheRowsElementalFractionsDo()
    {
        var table = Table(
            new MaterialsRecord(2, "Fe2O3", 1f),
            new MaterialsRecord(3, "FeXx2", 2f),
            new MaterialsRecord(4, "HeO", 3f),
            new MaterialsRecord(5, "NaCl", 4f),
            new MaterialsRecord(6, "2-Feb", 5f));

        var attributes = Featurizer.PhysicalAttributes(table);
        var fractions = Featurizer.ElementalFractions(table);

        Assert.That(attributes.Width, Is.EqualTo(PhysicalAttributes.Width));
        Assert.That(attributes.Records, Is.EqualTo(fractions.Records).AsCollection);
        Assert.That(attributes.Skipped, Is.EqualTo(fractions.Skipped).AsCollection);
        Assert.That(attributes.Targets, Is.EqualTo(new[] { 1f, 4f }).AsCollection);
        // The skipped rows in between leave nothing behind: each kept row is its own formula's vector.
        foreach (var (row, formula) in new[] { (0, "Fe2O3"), (1, "NaCl") })
        {
            var expected = new float[PhysicalAttributes.Width];
            Assert.That(PhysicalAttributes.TryCompute(FormulaParser.Parse(formula), expected, out _), Is.True);
            Assert.That(attributes.Row(row).ToArray(), Is.EqualTo(expected).AsCollection, formula);
        }
    }

    [Test]
    public void PhysicalAttributes_StrictOption_UnusableRowIsADataFileException()
    {
        var table = Table(new MaterialsRecord(2, "NaCl", 1f), new MaterialsRecord(3, "HeO", 2f));

        var ex = Assert.Throws<DataFileException>(() => Featurizer.PhysicalAttributes(table, new FeaturizerOptions { OnUnsupported = UnsupportedRowAction.Error }));
        Assert.That((ex!.Line, ex.Value), Is.EqualTo(((int?)3, "HeO")));
        Assert.That(ex.Message, Does.Contain("'He'"));
    }
}
