using System.Globalization;
using CrossPropertyILGPU.Transfer.Training;
using Spectre.Console.Testing;

namespace CrossPropertyILGPU.Cli.Tests;

/// <summary>Result tables: drawn with Spectre.Console on a terminal, the unchanged plain text otherwise.</summary>
public sealed class ResultTableTests
{
    private static readonly RegressionMetrics[] Metrics =
    [
        new("train", 120, 0.123456789, 0.2345678, 0.876543, 0.5),
        new("validation", 30, 0.1357911, 0.24681, -0.25, 0.6125),
    ];

    [Test]
    public void Render_DrawsEveryHeaderAndCell()
    {
        var console = new TestConsole().Width(120);
        var table = new ResultTable(new("method", 10, LeftAligned: true), new("test MAE", 10), new("run folder", 0, LeftAligned: true, Separator: "  "))
            .Add("transfer", "0.1234", "runs/a")
            .Add("scratch", "0.5678", "runs/[b]");

        table.Render(console);

        var lines = console.Lines;
        Assert.That(lines.First(l => l.Contains("method", StringComparison.Ordinal)), Does.Contain("test MAE").And.Contain("run folder"));
        Assert.That(lines.Single(l => l.Contains("transfer", StringComparison.Ordinal)), Does.Contain("0.1234").And.Contain("runs/a"));
        // A cell is text, not markup: brackets in paths come out as they are.
        Assert.That(lines.Single(l => l.Contains("scratch", StringComparison.Ordinal)), Does.Contain("0.5678").And.Contain("runs/[b]"));
    }

    [Test]
    public void Write_NotATerminal_PadsEachColumnToItsWidthAfterItsSeparator()
    {
        using var output = new StringWriter();

        new ResultTable(new("a", 4, LeftAligned: true), new("b", 5), new("c", 0, Separator: "  "))
            .Add("x", "1.5", "folder")
            .Write(output);

        Assert.That(output.ToString(), Is.EqualTo($"a        b  c{Environment.NewLine}x      1.5  folder{Environment.NewLine}"));
    }

    [Test]
    public void Add_WrongNumberOfCells_Throws() =>
        Assert.Throws<ArgumentException>(() => new ResultTable(new("a", 1), new("b", 1)).Add("only one"));

    [Test]
    public void Metrics_Redirected_IsTheEarlierPlainTextByteForByte()
    {
        using var output = new StringWriter();

        Report.Metrics(output, Metrics);

        // The layout scripts have parsed since before the tables, spelled out the way it was written then.
        using var expected = new StringWriter();
        var width = Math.Max(10, Metrics.Max(m => m.Split.Length));
        expected.WriteLine($"{"split".PadRight(width)} {"n",7} {"MAE",12} {"RMSE",12} {"R2",8} {"mean-predictor MAE",19}");
        foreach (var m in Metrics)
        {
            expected.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{m.Split.PadRight(width)} {m.Count,7} {m.Mae,12:G6} {m.Rmse,12:G6} {m.R2,8:F4} {m.MeanPredictorMae,19:G6}"));
        }
        Assert.That(output.ToString(), Is.EqualTo(expected.ToString()));
    }

    [Test]
    public void Folds_Redirected_IsTheEarlierPlainTextByteForByte()
    {
        FoldResult[] folds = [new(1, 0.25, 0.3125, 40, "runs/f1"), new(2, 0.5, null, 7, "runs/f2")];
        using var output = new StringWriter();

        Report.Folds(output, folds);

        using var expected = new StringWriter();
        expected.WriteLine($"{"fold",5} {"val MAE",12} {"test MAE",12} {"epochs",7}  run folder");
        foreach (var fold in folds)
        {
            expected.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{fold.Fold,5} {fold.ValidationMae,12:G6} {(fold.TestMae is { } t ? t.ToString("G6", CultureInfo.InvariantCulture) : "-"),12} {fold.Epochs,7}  {fold.RunFolder}"));
        }
        Assert.That(output.ToString(), Does.StartWith(expected.ToString()));
    }
}
