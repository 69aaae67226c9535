using System.Globalization;
using CrossPropertyILGPU.Transfer.Data;
using CsvHelper;
using ScottPlot;

namespace CrossPropertyILGPU.Transfer.Reports;

/// <summary>
/// The figures of a run folder, drawn from the files the run already wrote: <c>parity_&lt;split&gt;.png</c>
/// (predicted against true, the y = x line, the MAE in the title) for every
/// <c>predictions_&lt;split&gt;.csv</c> with targets, and <c>loss.png</c> (train loss and validation MAE
/// per epoch) from <c>metrics.csv</c>. Reading the files rather than the run's memory lets the same
/// code redraw any run folder, resumed or not.
/// </summary>
public static class RunPlots
{
    /// <summary>Width and height of a parity plot in pixels (square, so y = x is the diagonal).</summary>
    public const int ParitySize = 600;

    /// <summary>Width of the loss plot in pixels.</summary>
    public const int LossWidth = 800;

    /// <summary>Height of the loss plot in pixels.</summary>
    public const int LossHeight = 500;

    /// <summary>
    /// Draws the plots of <paramref name="folder"/> and never throws: a run's model and predictions
    /// are worth more than its figures, so a failure (a missing native library, a malformed file)
    /// is one warning on <paramref name="log"/>.
    /// </summary>
    /// <returns>The files written (none after a failure).</returns>
    public static IReadOnlyList<string> TryWrite(string folder, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        try
        {
            return Write(folder);
        }
#pragma warning disable CA1031 // Any failure, native-library ones included, must not lose the finished run.
        catch (Exception e)
#pragma warning restore CA1031
        {
            log.WriteLine($"warning: the plots of {folder} were not drawn ({e.GetType().Name}: {e.Message}); the model and predictions are unaffected.");
            return [];
        }
    }

    /// <summary>Draws every plot the folder's files allow; throws on unreadable files.</summary>
    /// <returns>The files written.</returns>
    public static IReadOnlyList<string> Write(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var written = new List<string>();
        foreach (var predictions in Directory.EnumerateFiles(folder, "predictions_*.csv").Order(StringComparer.Ordinal))
        {
            var split = Path.GetFileNameWithoutExtension(predictions)["predictions_".Length..];
            var output = Path.Combine(folder, $"parity_{split}.png");
            if (WriteParity(predictions, split, output))
            {
                written.Add(output);
            }
        }
        var metrics = new Training.RunFolder(folder).MetricsPath;
        if (File.Exists(metrics))
        {
            var output = Path.Combine(folder, "loss.png");
            WriteLoss(metrics, output);
            written.Add(output);
        }
        return written;
    }

    /// <summary>
    /// The parity plot of a <c>formula,target,prediction[,std]</c> file; false (nothing drawn) when the
    /// file has no target column, as predictions for unlabelled rows have none.
    /// </summary>
    public static bool WriteParity(string predictionsPath, string split, string outputPath)
    {
        var (header, columns) = ReadColumns(predictionsPath);
        if (header.Count < 3 || header[2] != "prediction")
        {
            return false;
        }
        var target = header[1];
        var (truth, predicted) = (columns[1], columns[2]);
        double absoluteError = 0;
        var lo = double.PositiveInfinity;
        var hi = double.NegativeInfinity;
        for (var i = 0; i < truth.Length; i++)
        {
            absoluteError += Math.Abs(predicted[i] - truth[i]);
            lo = Math.Min(lo, Math.Min(truth[i], predicted[i]));
            hi = Math.Max(hi, Math.Max(truth[i], predicted[i]));
        }
        var mae = absoluteError / truth.Length;
        // A margin of 5 % of the range (or 1 for a single point) keeps edge points off the frame.
        var margin = hi > lo ? 0.05 * (hi - lo) : 1;
        (lo, hi) = (lo - margin, hi + margin);

        var plot = new Plot();
        var identity = plot.Add.Line(lo, lo, hi, hi);
        identity.Color = Colors.Gray;
        identity.LinePattern = LinePattern.Dashed;
        identity.LegendText = "y = x";
        var points = plot.Add.ScatterPoints(truth, predicted);
        points.Color = Colors.C0.WithAlpha(0.55);
        points.MarkerSize = truth.Length > 2000 ? 3 : 6;
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"{split}: MAE {mae:G4} (n = {truth.Length})"));
        plot.XLabel($"true {target}");
        plot.YLabel($"predicted {target}");
        plot.Axes.SetLimits(lo, hi, lo, hi);
        WritePng(plot, outputPath, ParitySize, ParitySize);
        return true;
    }

    /// <summary>
    /// The loss plot of a <c>metrics.csv</c>: the training loss (its column names it, MAE or MSE)
    /// and the validation MAE against the epoch, both in target units.
    /// </summary>
    public static void WriteLoss(string metricsPath, string outputPath)
    {
        var (header, columns) = ReadColumns(metricsPath, columnCount: 3);
        var plot = new Plot();
        foreach (var (column, color) in new[] { (1, Colors.C0), (2, Colors.C1) })
        {
            // A diverged last epoch holds NaN or ∞; it is left out rather than stretching the axis.
            var finite = Enumerable.Range(0, columns[0].Length).Where(i => double.IsFinite(columns[column][i])).ToArray();
            var line = plot.Add.ScatterLine(finite.Select(i => columns[0][i]).ToArray(), finite.Select(i => columns[column][i]).ToArray(), color);
            line.LineWidth = 2;
            line.LegendText = LegendName(header[column]);
        }
        plot.Title("loss per epoch");
        plot.XLabel("epoch");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.YLabel("error (target units)");
        plot.ShowLegend(Alignment.UpperRight);
        WritePng(plot, outputPath, LossWidth, LossHeight);
    }

    /// <summary>
    /// Renders <paramref name="plot"/> as a PNG in memory and writes it beside and renamed into place
    /// (<see cref="CsvOutput.WriteBytesAtomically"/>): a failure never leaves half an image or a temporary.
    /// </summary>
    internal static void WritePng(Plot plot, string outputPath, int width, int height) =>
        CsvOutput.WriteBytesAtomically(outputPath, plot.GetImageBytes(width, height, ImageFormat.Png));

    // "train_mae" → "train MAE", "val_mae" → "validation MAE".
    private static string LegendName(string column)
    {
        var cut = column.LastIndexOf('_');
        var split = cut < 0 ? "" : column[..cut];
        return $"{(split == "val" ? "validation" : split)} {column[(cut + 1)..].ToUpperInvariant()}".Trim();
    }

    // The header and the first columnCount (default all) columns of a small CSV the run wrote
    // itself, as invariant numbers; a first column that is not a number reads as NaN.
    private static (IReadOnlyList<string> Header, double[][] Columns) ReadColumns(string path, int? columnCount = null)
    {
        using var reader = CsvReader.FromFile(path, MaterialsCsv.Options);
        var header = reader.Headers;
        if (header.Count == 0)
        {
            throw new DataFileException(path, "the file is empty; expected a header line and data rows");
        }
        var width = columnCount ?? header.Count;
        var values = Enumerable.Range(0, width).Select(_ => new List<double>()).ToArray();
        while (reader.Read())
        {
            var line = checked((int)reader.LineNumber);
            if (reader.FieldCount < width)
            {
                throw new DataFileException(path, $"{reader.FieldCount} fields, but {width} are needed", line);
            }
            // The epoch in metrics.csv; the formula in predictions, which no plot reads.
            values[0].Add(double.TryParse(reader.GetString(0), NumberStyles.Float, CultureInfo.InvariantCulture, out var first) ? first : double.NaN);
            for (var j = 1; j < width; j++)
            {
                var text = reader.GetString(j);
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    throw new DataFileException(path, $"column '{header[j]}' holds '{text}', not a number", line, value: text);
                }
                values[j].Add(value);
            }
        }
        if (values[0].Count == 0)
        {
            throw new DataFileException(path, "the file has a header but no data rows");
        }
        return (header, values.Select(v => v.ToArray()).ToArray());
    }
}
