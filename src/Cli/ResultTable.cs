using Spectre.Console;

namespace CrossPropertyILGPU.Cli;

/// <summary>
/// A table of results on stdout: a Spectre.Console <see cref="Table"/> when stdout is an interactive
/// terminal, otherwise plain aligned text — each cell padded to its column's width, columns joined by
/// their separators — which scripts and tests parse, so its layout must not change.
/// </summary>
internal sealed class ResultTable
{
    private readonly List<string[]> _rows = [];

    public ResultTable(params ResultColumn[] columns) => Columns = columns;

    public IReadOnlyList<ResultColumn> Columns { get; }

    /// <summary>Adds one row of already formatted cells, one per column.</summary>
    public ResultTable Add(params string[] cells)
    {
        if (cells.Length != Columns.Count)
        {
            throw new ArgumentException($"{cells.Length} cells for {Columns.Count} columns.", nameof(cells));
        }
        _rows.Add(cells);
        return this;
    }

    /// <summary>Writes the table to <paramref name="output"/>: a drawn table on the terminal's stdout, plain text elsewhere.</summary>
    public void Write(TextWriter output)
    {
        if (ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected)
        {
            // Only a terminal reaches here; Spectre's own detection also looks at stdin and stderr.
            Render(AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(Console.Out),
                Interactive = InteractionSupport.Yes,
                Ansi = AnsiSupport.Detect,
            }));
        }
        else
        {
            WritePlain(output);
        }
    }

    /// <summary>The drawn table on <paramref name="console"/>.</summary>
    public void Render(IAnsiConsole console)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in Columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape(column.Header)) { Alignment = column.LeftAligned ? Justify.Left : Justify.Right });
        }
        foreach (var row in _rows)
        {
            table.AddRow([.. row.Select(cell => new Text(cell))]);
        }
        console.Write(table);
    }

    /// <summary>The plain aligned text: header line, then one line per row.</summary>
    public void WritePlain(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(Line([.. Columns.Select(c => c.Header)]));
        foreach (var row in _rows)
        {
            output.WriteLine(Line(row));
        }
    }

    private string Line(string[] cells)
    {
        var line = new System.Text.StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            var column = Columns[i];
            if (i > 0)
            {
                line.Append(column.Separator);
            }
            line.Append(column.LeftAligned ? cells[i].PadRight(column.Width) : cells[i].PadLeft(column.Width));
        }
        return line.ToString();
    }
}

/// <summary>
/// A column of a <see cref="ResultTable"/>: in plain text, cells are padded to <paramref name="Width"/>
/// (0: not padded) and preceded by <paramref name="Separator"/> (not before the first column).
/// </summary>
internal sealed record ResultColumn(string Header, int Width, bool LeftAligned = false, string Separator = " ");
