using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Tests.Data;

public sealed class DataFileExceptionTests
{
    [Test]
    public void Message_LineColumnAndValue_NamesThemAll()
    {
        var ex = new DataFileException("data.csv", "'abc' is not a number", 7, "gap expt", "abc");

        Assert.That(ex.Message, Is.EqualTo("data.csv line 7, column 'gap expt': 'abc' is not a number"));
        Assert.That((ex.Path, ex.Line, ex.Column, ex.Value, ex.Problem),
            Is.EqualTo(("data.csv", (int?)7, "gap expt", "abc", "'abc' is not a number")));
    }

    [Test]
    public void Message_LineOnly_NamesLine()
    {
        Assert.That(new DataFileException("a.csv", "2 fields, but the header has 3", 4).Message,
            Is.EqualTo("a.csv line 4: 2 fields, but the header has 3"));
    }

    [Test]
    public void Message_ColumnOnly_NamesColumn()
    {
        Assert.That(new DataFileException("a.csv", "not found", column: "y").Message, Is.EqualTo("a.csv column 'y': not found"));
    }

    [Test]
    public void Message_FileOnly_NamesFile()
    {
        Assert.That(new DataFileException("a.csv", "file not found").Message, Is.EqualTo("a.csv: file not found"));
    }
}
