using System.Globalization;
using CrossPropertyILGPU.Transfer.Reports;
using ScottPlot;

namespace CrossPropertyILGPU.Transfer.Fit;

/// <summary>
/// The figures of a fit folder: <c>leaderboard.png</c> (each candidate's out-of-fold MAE and the
/// blend's, lowest first) and the parity plots of the out-of-fold and test predictions, drawn from
/// the files the fit wrote (<see cref="RunPlots.WriteParity"/>).
/// </summary>
public static class FitPlots
{
    /// <summary>Width of the leaderboard in pixels.</summary>
    public const int LeaderboardWidth = 800;

    /// <summary>Draws the plots and never throws (a figure is worth less than the model): a failure is one warning.</summary>
    /// <returns>The file names written, relative to the folder.</returns>
    public static IReadOnlyList<string> TryWrite(FitFolder folder, FitModelFile model, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(log);
        try
        {
            var written = new List<string>();
            WriteLeaderboard(model, folder.LeaderboardPlotPath);
            written.Add(FitFolder.LeaderboardPlotName);
            foreach (var (split, path) in new[] { ("oof", folder.OutOfFoldPath), ("test", folder.TestPath) })
            {
                if (File.Exists(path) && RunPlots.WriteParity(path, split == "oof" ? "out-of-fold" : split, folder.ParityPlotPath(split)))
                {
                    written.Add(Path.GetFileName(folder.ParityPlotPath(split)));
                }
            }
            return written;
        }
#pragma warning disable CA1031 // Any failure, native-library ones included, must not lose the finished fit.
        catch (Exception e)
#pragma warning restore CA1031
        {
            log.WriteLine($"warning: the plots of {folder.Path} were not drawn ({e.GetType().Name}: {e.Message}); the model and report are unaffected.");
            return [];
        }
    }

    /// <summary>Horizontal bars of the out-of-fold MAE: the blend and every candidate that ran, best at the top.</summary>
    public static void WriteLeaderboard(FitModelFile model, string outputPath)
    {
        ArgumentNullException.ThrowIfNull(model);
        var bars = model.Candidates
            .Where(c => c.OutOfFoldMae is not null)
            .Select(c => (Label: c.Weight > 0 ? string.Create(CultureInfo.InvariantCulture, $"{c.Candidate} (w {c.Weight:0.00})") : c.Candidate, Mae: c.OutOfFoldMae!.Value, Blend: false))
            .Append((Label: "blend", Mae: model.OutOfFoldMae, Blend: true))
            .OrderByDescending(b => b.Mae)
            .ToArray();
        var plot = new Plot();
        var barPlot = plot.Add.Bars(Enumerable.Range(0, bars.Length).Select(i => new Bar
        {
            Position = i,
            Value = bars[i].Mae,
            FillColor = bars[i].Blend ? Colors.C1 : Colors.C0,
            Label = bars[i].Mae.ToString("G4", CultureInfo.InvariantCulture),
        }).ToList());
        barPlot.Horizontal = true;
        plot.Axes.Left.SetTicks([.. Enumerable.Range(0, bars.Length).Select(i => (double)i)], [.. bars.Select(b => b.Label)]);
        plot.Axes.Margins(left: 0, right: 0.15);
        plot.Title($"out-of-fold MAE ({model.TargetName}), lower is better");
        plot.XLabel($"MAE ({model.TargetName})");
        RunPlots.WritePng(plot, outputPath, LeaderboardWidth, 120 + 40 * bars.Length);
    }
}
