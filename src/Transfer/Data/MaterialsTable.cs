namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>A materials data file as read by <see cref="MaterialsCsv.Read"/>: which columns were used, and the rows.</summary>
public sealed class MaterialsTable
{
    /// <summary>Creates a table.</summary>
    /// <param name="path">The file the rows came from, as the caller named it.</param>
    /// <param name="formulaColumn">The header name of the formula column.</param>
    /// <param name="targetColumn">The header name of the target column, or null when the file has none.</param>
    /// <param name="records">The data rows, in file order.</param>
    public MaterialsTable(string path, string formulaColumn, string? targetColumn, IReadOnlyList<MaterialsRecord> records)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(formulaColumn);
        ArgumentNullException.ThrowIfNull(records);
        Path = path;
        FormulaColumn = formulaColumn;
        TargetColumn = targetColumn;
        TargetColumns = targetColumn is null ? [] : [targetColumn];
        Records = records;
    }

    /// <summary>The file the rows came from, as the caller named it.</summary>
    public string Path { get; }

    /// <summary>The header name of the formula column, as written in the file (<c>pretty_comp</c>).</summary>
    public string FormulaColumn { get; }

    /// <summary>The header name of the target column, as written in the file (<c>gap expt</c>), or null when there is none.</summary>
    public string? TargetColumn { get; }

    /// <summary>
    /// Every target column, as written in the file: several when the file was read for several
    /// targets (each record's <see cref="MaterialsRecord.Targets"/> in this order, and
    /// <see cref="TargetColumn"/> their names joined by commas), else <see cref="TargetColumn"/> alone or none.
    /// </summary>
    public IReadOnlyList<string> TargetColumns { get; init; }

    /// <summary>The data rows, in file order.</summary>
    public IReadOnlyList<MaterialsRecord> Records { get; }
}
