using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Tests.Support;

namespace CrossPropertyILGPU.Transfer.Tests.Data;

/// <summary>The one CSV writer helper: cells a spreadsheet would run are neutralised, and a failed write leaves nothing behind.</summary>
public sealed class CsvOutputTests
{
    [TestCase("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [TestCase("=1+2", "\"'=1+2\"")]
    [TestCase("+cmd", "\"'+cmd\"")]
    [TestCase("-2+3", "\"'-2+3\"")]
    [TestCase("@SUM(A1)", "\"'@SUM(A1)\"")]
    [TestCase("\tx", "\"'\tx\"")]
    [TestCase("\rx", "\"'\rx\"")]
    [TestCase("=a,b", "\"'=a,b\"")]
    public void Escape_CellASpreadsheetWouldRun_IsQuotedBehindASingleQuote(string field, string expected) =>
        Assert.That(CsvOutput.Escape(field), Is.EqualTo(expected));

    [TestCase("-1.5")]
    [TestCase("+2")]
    [TestCase("-3e-5")]
    [TestCase("Fe2O3")]
    [TestCase("gap_expt")]
    [TestCase("")]
    public void Escape_NumbersAndPlainText_AreLeftAsTheyAre(string field) =>
        Assert.That(CsvOutput.Escape(field), Is.EqualTo(field));

    [Test]
    public void Escape_CommaOrQuote_IsQuotedAsBefore() =>
        Assert.That(CsvOutput.Escape("a,\"b\""), Is.EqualTo("\"a,\"\"b\"\"\""));

    [Test]
    public void WriteAtomically_PathIsAFolder_UsageExceptionNamingItAndNoTemporaryLeft()
    {
        using var scratch = new ScratchFolder();
        var folder = Path.Combine(scratch.FullName, "out");
        Directory.CreateDirectory(folder);
        var e = Assert.Throws<UsageException>(() => CsvOutput.WriteAtomically(folder, w => { w.WriteLine("x"); return 0; }));
        Assert.That(e!.Message, Does.Contain(folder).And.Contain("folder"));
        Assert.That(Directory.EnumerateFileSystemEntries(scratch.FullName), Is.EqualTo(new[] { folder }));
    }

    [Test]
    public void WriteAtomically_WriterFails_RemovesTheTemporaryAndKeepsTheOldFile()
    {
        using var scratch = new ScratchFolder();
        var path = Path.Combine(scratch.FullName, "out.csv");
        File.WriteAllText(path, "old");
        Assert.Throws<InvalidOperationException>(() => CsvOutput.WriteAtomically<int>(path, w =>
        {
            w.WriteLine("partial");
            w.Flush();
            throw new InvalidOperationException("boom");
        }));
        Assert.That(Directory.EnumerateFileSystemEntries(scratch.FullName), Is.EqualTo(new[] { path }));
        Assert.That(File.ReadAllText(path), Is.EqualTo("old"));
    }

    [Test]
    public void WriteAtomically_FolderMissing_SaysTheFileCannotBeCreatedThere()
    {
        using var scratch = new ScratchFolder();
        var path = Path.Combine(scratch.FullName, "no", "such", "out.csv");
        var e = Assert.Throws<UsageException>(() => CsvOutput.WriteAtomically(path, w => 0));
        Assert.That(e!.Message, Does.Contain(path).And.Contain("cannot be created there").And.Not.Contain("Could not find"));
    }
}
