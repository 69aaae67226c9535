using System.Text;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Tests.Support;

namespace CrossPropertyILGPU.Transfer.Tests.Data;

public sealed class MaterialsCsvTests : ScratchTests
{
    private static DataFileException ReadFails(string path, string? formulaColumn = null, string? targetColumn = null, bool requireTarget = true)
    {
        var ex = Assert.Throws<DataFileException>(() => MaterialsCsv.Read(path, formulaColumn, targetColumn, requireTarget));
        Assert.That(ex!.Path, Is.EqualTo(path));
        Assert.That(ex.Message, Does.StartWith(path));
        return ex!;
    }

    // ---- the real JARVIS files -------------------------------------------------------------

    [TestCase("exfoliation_energy", "exfoliation_energy_training_set.csv", 501, "exfoliation_energy")]
    [TestCase("exfoliation_energy", "exfoliation_energy_test_set.csv", 56, "exfoliation_energy")]
    [TestCase("expt_bandgap", "expt_bandgap_training_set.csv", 4428, "gap expt")]
    [TestCase("expt_bandgap", "expt_bandgap_test_set.csv", 492, "gap expt")]
    [TestCase("expt_deltae", "expt_deltae_training_set.csv", 1479, "delta_e")]
    [TestCase("expt_deltae", "expt_deltae_test_set.csv", 164, "delta_e")]
    [TestCase("sample", "sample_train_set.csv", 451, "formation_energy_peratom")]
    public void Read_JarvisFile_ReadsEveryRowWithTheLastColumnAsTarget(string folder, string file, int rows, string target)
    {
        var table = MaterialsCsv.Read(TestFiles.Jarvis(folder, file));

        Assert.That(table.Records, Has.Count.EqualTo(rows));
        Assert.That(table.FormulaColumn, Is.EqualTo("pretty_comp"));
        Assert.That(table.TargetColumn, Is.EqualTo(target));
        Assert.That(table.Records.Select(r => r.Line), Is.EqualTo(Enumerable.Range(2, rows)).AsCollection);
        Assert.That(table.Records.Select(r => r.Target), Has.All.Not.Null);
        Assert.That(table.Records.Select(r => r.Formula), Has.None.Empty);
    }

    [Test]
    public void Read_ExfoliationTraining_FirstAndLastRowsAsInTheFile()
    {
        var table = MaterialsCsv.Read(TestFiles.Jarvis("exfoliation_energy", "exfoliation_energy_training_set.csv"));

        // ,pretty_comp,exfoliation_energy / 0,AgCNO,125.56512500000004 — the index column is not read.
        Assert.That(table.Records[0], Is.EqualTo(new MaterialsRecord(2, "AgCNO", 125.56512500000004f)));
        Assert.That(table.Records[1], Is.EqualTo(new MaterialsRecord(3, "AlTeI7", 95.51380555555555f)));
        Assert.That(table.Records[^1].Line, Is.EqualTo(502));
    }

    [Test]
    public void Read_ExptBandgap_TargetColumnWithSpaceIsFound()
    {
        var path = TestFiles.Jarvis("expt_bandgap", "expt_bandgap_training_set.csv");
        var byDefault = MaterialsCsv.Read(path);
        var byName = MaterialsCsv.Read(path, targetColumn: "gap expt");

        Assert.That(byDefault.Records[1], Is.EqualTo(new MaterialsRecord(3, "PbO2", 1.4f)));
        Assert.That(byName.Records, Is.EqualTo(byDefault.Records).AsCollection);
        Assert.That(byName.Path, Is.EqualTo(path));
    }

    // ---- column resolution -----------------------------------------------------------------

    [TestCase("formula,target\nFe2O3,1.5\n", "formula", "target")]
    [TestCase("Formula,Target\nFe2O3,1.5\n", "Formula", "Target")]
    [TestCase("id,COMPOSITION,x,y\n7,Fe2O3,2,1.5\n", "COMPOSITION", "y")]
    [TestCase("y,formula\n1.5,Fe2O3\n", "formula", "y")]
    [TestCase(",pretty_comp,gap expt\n0,Fe2O3,1.5\n", "pretty_comp", "gap expt")]
    [TestCase(" , pretty_comp , gap expt \n0, Fe2O3 , 1.5 \n", "pretty_comp", "gap expt")]
    public void Read_NoColumnsGiven_FindsFormulaByNameAndTargetLast(string csv, string formula, string target)
    {
        var table = MaterialsCsv.Read(Scratch.Write("data.csv", csv));

        Assert.That(table.FormulaColumn, Is.EqualTo(formula));
        Assert.That(table.TargetColumn, Is.EqualTo(target));
        Assert.That(table.Records, Is.EqualTo(new[] { new MaterialsRecord(2, "Fe2O3", 1.5f) }).AsCollection);
    }

    [Test]
    public void Read_ColumnsGiven_UsesThemIgnoringCase()
    {
        var path = Scratch.Write("data.csv", "name,Band Gap,other\nFe2O3,2.2,9\n");
        var table = MaterialsCsv.Read(path, formulaColumn: "NAME", targetColumn: "band gap");

        Assert.That(table.FormulaColumn, Is.EqualTo("name"));
        Assert.That(table.TargetColumn, Is.EqualTo("Band Gap"));
        Assert.That(table.Records[0].Target, Is.EqualTo(2.2f));
    }

    [Test]
    public void Read_IndexAndFormulaOnlyWithoutRequiredTarget_HasNoTargetColumn()
    {
        var table = MaterialsCsv.Read(Scratch.Write("predict.csv", ",formula\n0,Fe2O3\n1,NaCl\n"), requireTarget: false);

        Assert.That(table.TargetColumn, Is.Null);
        Assert.That(table.Records, Is.EqualTo(new[] { new MaterialsRecord(2, "Fe2O3", null), new MaterialsRecord(3, "NaCl", null) }).AsCollection);
    }

    [Test]
    public void Read_EmptyTargetWithoutRequiredTarget_IsNull()
    {
        var table = MaterialsCsv.Read(Scratch.Write("predict.csv", "formula,target\nFe2O3,\nNaCl,3.5\n"), requireTarget: false);

        Assert.That(table.Records.Select(r => r.Target), Is.EqualTo(new float?[] { null, 3.5f }).AsCollection);
    }

    [Test]
    public void Read_ByteOrderMarkAndCrlf_AreHandled()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(",pretty_comp,gap expt\r\n0,Fe2O3,1.5\r\n1,NaCl,-2e-1\r\n")).ToArray();
        var table = MaterialsCsv.Read(Scratch.WriteBytes("bom.csv", bytes));

        Assert.That(table.FormulaColumn, Is.EqualTo("pretty_comp"));
        Assert.That(table.TargetColumn, Is.EqualTo("gap expt"));
        Assert.That(table.Records, Is.EqualTo(new[] { new MaterialsRecord(2, "Fe2O3", 1.5f), new MaterialsRecord(3, "NaCl", -0.2f) }).AsCollection);
    }

    [Test]
    public void Read_BlankLinesAndQuotes_KeepFileLineNumbers()
    {
        var table = MaterialsCsv.Read(Scratch.Write("data.csv", "formula,target\n\nFe2O3,1\n\n\n\"Ca(OH)2\",\"2.5\"\n"));

        Assert.That(table.Records, Is.EqualTo(new[] { new MaterialsRecord(3, "Fe2O3", 1f), new MaterialsRecord(6, "Ca(OH)2", 2.5f) }).AsCollection);
    }

    // ---- DataFileException, one case each -------------------------------------------------

    [Test]
    public void Read_MissingFile_Throws()
    {
        var path = Path.Combine(Scratch.FullName, "nowhere.csv");
        var ex = ReadFails(path);
        Assert.That(ex.Message, Is.EqualTo($"{path}: file not found"));
        Assert.That(ex.Line, Is.Null);
    }

    [Test]
    public void Read_Directory_Throws()
    {
        var ex = ReadFails(Scratch.FullName);
        Assert.That(ex.Message, Does.Contain("is a directory"));
    }

    [TestCase("")]
    [TestCase("\n\n")]
    public void Read_EmptyFile_Throws(string text)
    {
        var ex = ReadFails(Scratch.Write("empty.csv", text));
        Assert.That(ex.Message, Does.Contain("the file is empty"));
    }

    [TestCase(",pretty_comp,gap expt\n")]
    [TestCase(",pretty_comp,gap expt")]
    public void Read_HeaderOnly_Throws(string text)
    {
        var ex = ReadFails(Scratch.Write("header.csv", text));
        Assert.That(ex.Message, Does.EndWith("the file has a header but no data rows"));
    }

    [Test]
    public void Read_NoFormulaColumn_ThrowsListingColumns()
    {
        var path = Scratch.Write("data.csv", ",name,gap expt\n0,Fe2O3,1\n");
        var ex = ReadFails(path);
        Assert.That(ex.Message, Does.Contain("no formula column").And.Contain("'formula', 'pretty_comp', 'composition'"));
        Assert.That(ex.Message, Does.EndWith("the columns are '', 'name', 'gap expt'"));
    }

    [Test]
    public void Read_GivenFormulaColumnMissing_ThrowsListingColumns()
    {
        var ex = ReadFails(Scratch.Write("data.csv", "formula,y\nFe,1\n"), formulaColumn: "comp");
        Assert.That(ex.Column, Is.EqualTo("comp"));
        Assert.That(ex.Message, Does.Contain("formula column 'comp' not found").And.Contain("'formula', 'y'"));
    }

    [Test]
    public void Read_GivenTargetColumnMissing_ThrowsListingColumns()
    {
        var ex = ReadFails(Scratch.Write("data.csv", ",pretty_comp,gap expt\n0,Fe,1\n"), targetColumn: "gap");
        Assert.That(ex.Column, Is.EqualTo("gap"));
        Assert.That(ex.Line, Is.Null);
        Assert.That(ex.Message, Does.Contain("target column 'gap' not found; the columns are '', 'pretty_comp', 'gap expt'"));
    }

    [Test]
    public void Read_GivenTargetIsFormulaColumn_Throws()
    {
        var ex = ReadFails(Scratch.Write("data.csv", "formula,y\nFe,1\n"), targetColumn: "formula");
        Assert.That(ex.Message, Does.Contain("both the formula and the target"));
    }

    [Test]
    public void Read_OnlyFormulaColumnWithRequiredTarget_Throws()
    {
        var ex = ReadFails(Scratch.Write("data.csv", ",formula\n0,Fe\n"));
        Assert.That(ex.Message, Does.Contain("no target column"));
    }

    [Test]
    public void Read_NonNumericTarget_MessageNamesLineColumnAndValue()
    {
        var path = Scratch.Write("data.csv", ",pretty_comp,gap expt\n0,Fe,1\n1,Ni,2\n2,Cu,3\n3,Zn,4\n4,Ga,5\n5,Ge,abc\n6,As,7\n");
        var ex = ReadFails(path);

        Assert.That(ex.Message, Is.EqualTo($"{path} line 7, column 'gap expt': 'abc' is not a number"));
        Assert.That(ex.Line, Is.EqualTo(7));
        Assert.That(ex.Column, Is.EqualTo("gap expt"));
        Assert.That(ex.Value, Is.EqualTo("abc"));
    }

    [TestCase("NaN", "is not a finite number")]
    [TestCase("Infinity", "is not a finite number")]
    [TestCase("-Infinity", "is not a finite number")]
    [TestCase("1e40", "is too large for a 32-bit float")]
    [TestCase("1,5", "is not a number")]
    [TestCase("0x10", "is not a number")]
    public void Read_InvalidTarget_MessageNamesLineColumnAndValue(string value, string problem)
    {
        var path = Scratch.Write("data.csv", $"formula,target\nFe,1\n\"Ni\",\"{value}\"\n");
        var ex = ReadFails(path);

        Assert.That(ex.Message, Is.EqualTo($"{path} line 3, column 'target': '{value}' {problem}"));
        Assert.That(ex.Line, Is.EqualTo(3));
        Assert.That(ex.Column, Is.EqualTo("target"));
        Assert.That(ex.Value, Is.EqualTo(value));
    }

    [Test]
    public void Read_EmptyRequiredTarget_Throws()
    {
        var ex = ReadFails(Scratch.Write("data.csv", "formula,target\nFe,1\nNi,\n"));
        Assert.That(ex.Line, Is.EqualTo(3));
        Assert.That(ex.Column, Is.EqualTo("target"));
        Assert.That(ex.Value, Is.Empty);
        Assert.That(ex.Message, Does.Contain("line 3, column 'target': the target is empty"));
    }

    [Test]
    public void Read_NonNumericTargetWithoutRequiredTarget_StillThrows()
    {
        var ex = ReadFails(Scratch.Write("data.csv", "formula,target\nFe,x\n"), requireTarget: false);
        Assert.That(ex.Message, Does.EndWith("line 2, column 'target': 'x' is not a number"));
    }

    [TestCase(",pretty_comp,gap expt\n0,Fe,1\n1,Ni,2,9\n", 3, "4 fields, but the header has 3: '1,Ni,2,9'")]
    [TestCase(",pretty_comp,gap expt\n0,Fe,1\n\n1,Ni\n", 4, "2 fields, but the header has 3: '1,Ni'")]
    public void Read_WrongFieldCount_ThrowsNamingLine(string text, int line, string problem)
    {
        var path = Scratch.Write("data.csv", text);
        var ex = ReadFails(path);

        Assert.That(ex.Line, Is.EqualTo(line));
        Assert.That(ex.Column, Is.Null);
        Assert.That(ex.Message, Is.EqualTo($"{path} line {line}: {problem}"));
    }

    [Test]
    public void Read_UnterminatedQuote_ThrowsMalformed()
    {
        var ex = ReadFails(Scratch.Write("data.csv", "formula,target\nFe,1\n\"Ni,2\n"));
        Assert.That(ex.Line, Is.EqualTo(3));
        Assert.That(ex.Message, Does.Contain("never closed"));
    }

    [Test]
    public void Read_BlankColumnName_ThrowsArgumentException()
    {
        var path = Scratch.Write("data.csv", "formula,target\nFe,1\n");
        Assert.That(() => MaterialsCsv.Read(path, targetColumn: " "), Throws.ArgumentException);
    }
    [TestCase("formula;target\nFe;1,5\n", "semicolons", "formula;target")]
    [TestCase("formula\ttarget\nFe\t1.5\n", "tabs", "formula\\ttarget")]
    public void Read_OtherSeparator_SaysSoNamingTheHeader(string text, string separator, string column)
    {
        var ex = ReadFails(Scratch.Write("data.csv", text));
        Assert.That((ex.Line, ex.Column), Is.EqualTo((1, column)));
        Assert.That(ex.Message, Does.Contain($"separated by {separator}"));
    }

    [Test]
    public void Read_SemicolonInsideACommaSeparatedHeader_IsJustAName()
    {
        var table = MaterialsCsv.Read(Scratch.Write("data.csv", ",formula,gap;expt\n0,Fe,1\n"));
        Assert.That(table.TargetColumn, Is.EqualTo("gap;expt"));
    }

    [Test]
    public void Read_DuplicateHeaderName_NamesBothColumns()
    {
        var ex = ReadFails(Scratch.Write("data.csv", "formula,gap,formula\nFe,1,Ni\n"));
        Assert.That((ex.Line, ex.Column, ex.Value), Is.EqualTo((1, "formula", "formula")));
        Assert.That(ex.Message, Does.Contain("names 'formula' twice (columns 1 and 3)"));
    }

    [Test]
    public void Read_SameNameInAnotherCase_IsNotADuplicate()
    {
        var table = MaterialsCsv.Read(Scratch.Write("data.csv", "formula,Gap,gap\nFe,1,2\n"), targetColumn: "Gap");
        Assert.That(table.Records[0].Target, Is.EqualTo(1f));
    }

    [TestCase("formula,y\nFe,1\n", "formulas", null, "did you mean 'formula'?")]
    [TestCase(",pretty_comp,gap expt\n0,Fe,1\n", null, "Gap_Expt", "did you mean 'gap expt'?")]
    [TestCase(",pretty_comp,gap expt\n0,Fe,1\n", null, "gap", "did you mean 'gap expt'?")]
    [TestCase("Formulae,y\nFe,1\n", null, null, "did you mean 'Formulae'? (give --formula-column \"Formulae\")")]
    [TestCase("compositions,y\nFe,1\n", null, null, "did you mean 'compositions'? (give --formula-column \"compositions\")")]
    public void Read_ColumnNotFound_SuggestsTheClosestName(string text, string? formula, string? target, string suggestion)
    {
        var ex = ReadFails(Scratch.Write("data.csv", text), formula, target);
        Assert.That(ex.Message, Does.EndWith(suggestion));
    }

    [TestCase(",name,gap expt\n0,Fe,1\n", null, null)]
    [TestCase("formula,y\nFe,1\n", null, "bandgap")]
    public void Read_ColumnNotFoundNothingClose_SuggestsNothing(string text, string? formula, string? target)
    {
        var ex = ReadFails(Scratch.Write("data.csv", text), formula, target);
        Assert.That(ex.Message, Does.Not.Contain("did you mean"));
    }

    [TestCase("", "", 0)]
    [TestCase("gap", "gap", 0)]
    [TestCase("gap_expt", "gap expt", 1)]
    [TestCase("formula", "fromula", 2)]
    [TestCase("kitten", "sitting", 3)]
    [TestCase("", "abc", 3)]
    public void EditDistance_IsLevenshtein(string a, string b, int expected)
    {
        Assert.That(MaterialsCsv.EditDistance(a, b), Is.EqualTo(expected));
        Assert.That(MaterialsCsv.EditDistance(b, a), Is.EqualTo(expected));
    }
}
