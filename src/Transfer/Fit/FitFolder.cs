using System.Text.Json;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Fit;

/// <summary>
/// A fit folder and the one owner of every file <c>fit</c> writes into it: <c>fit.json</c> (the
/// model: members, weights, scores), the report (<see cref="ReportFileName"/>), <c>fit.log</c>, the out-of-fold and test
/// predictions, the plots, and <c>candidates/&lt;name&gt;/</c> (one run folder or tree archive per
/// fold). <c>predict</c>, <c>evaluate</c> and <c>export</c> recognise the folder by its <c>fit.json</c>.
/// </summary>
public sealed class FitFolder
{
    /// <summary>The model file that marks a fit folder.</summary>
    public const string ModelFileName = "fit.json";

    /// <summary>The report.</summary>
    public const string ReportFileName = "report.md";

    /// <summary>The full log (every candidate's training lines).</summary>
    public const string LogFileName = "fit.log";

    /// <summary>The blend's out-of-fold predictions: <c>formula,target,prediction,std</c>.</summary>
    public const string OutOfFoldFileName = "predictions_oof.csv";

    /// <summary>Every candidate's out-of-fold prediction, one column each.</summary>
    public const string CandidatesOutOfFoldFileName = "candidates_oof.csv";

    /// <summary>The saved model's predictions on the test file.</summary>
    public const string TestFileName = "predictions_test.csv";

    /// <summary>The leaderboard plot.</summary>
    public const string LeaderboardPlotName = "leaderboard.png";

    /// <summary>The folder of the candidates' models.</summary>
    public const string CandidatesFolderName = "candidates";

    /// <summary>A folder that is, or will be, a fit folder.</summary>
    public FitFolder(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary><c>fit.json</c>'s path.</summary>
    public string ModelPath => Combine(ModelFileName);

    /// <summary>The report's path (<see cref="ReportFileName"/>).</summary>
    public string ReportPath => Combine(ReportFileName);

    /// <summary><c>fit.log</c>'s path.</summary>
    public string LogPath => Combine(LogFileName);

    /// <summary><c>predictions_oof.csv</c>'s path.</summary>
    public string OutOfFoldPath => Combine(OutOfFoldFileName);

    /// <summary><c>candidates_oof.csv</c>'s path.</summary>
    public string CandidatesOutOfFoldPath => Combine(CandidatesOutOfFoldFileName);

    /// <summary><c>predictions_test.csv</c>'s path.</summary>
    public string TestPath => Combine(TestFileName);

    /// <summary><c>leaderboard.png</c>'s path.</summary>
    public string LeaderboardPlotPath => Combine(LeaderboardPlotName);

    /// <summary>The parity plot of <c>predictions_&lt;split&gt;.csv</c>.</summary>
    public string ParityPlotPath(string split) => Combine($"parity_{split}.png");

    /// <summary>True when <paramref name="path"/> is a folder holding a <c>fit.json</c>.</summary>
    public static bool IsFitFolder(string path) => Directory.Exists(path) && File.Exists(System.IO.Path.Combine(path, ModelFileName));

    /// <summary>A candidate's folder, relative to the fit folder.</summary>
    public static string CandidateFolder(string candidate) => System.IO.Path.Combine(CandidatesFolderName, candidate);

    /// <summary>Fold <paramref name="fold"/>'s (0-based) model of a candidate, relative: a run folder, or <c>.zip</c> for trees.</summary>
    public static string FoldModel(string candidate, int fold, bool network) =>
        System.IO.Path.Combine(CandidateFolder(candidate), $"fold-{fold + 1}{(network ? "" : ".zip")}");

    /// <summary>The gate beside a gated member's tree model (<c>fold-1.zip</c> → <c>fold-1.gate.zip</c>).</summary>
    public static string GateModel(string treeModel) =>
        treeModel.EndsWith(".zip", StringComparison.Ordinal) ? treeModel[..^4] + ".gate.zip" : treeModel + ".gate.zip";

    /// <summary>A tree candidate refitted on every training row, relative.</summary>
    public static string RefitModel(string candidate) => System.IO.Path.Combine(CandidateFolder(candidate), "all-rows.zip");

    /// <summary>A path relative to the folder, made absolute.</summary>
    public string Resolve(string relative) => Combine(relative);

    private string Combine(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Creates the folder (refusing a non-empty one, see <see cref="RunFolder.CheckNew"/>) and its candidates folder, and takes its lock.</summary>
    public static (FitFolder Folder, IDisposable Lock) Create(string path)
    {
        var (run, held) = RunFolder.CreateLocked(path);
        Directory.CreateDirectory(System.IO.Path.Combine(run.Path, CandidatesFolderName));
        return (new FitFolder(run.Path), held);
    }

    /// <summary>Opens <c>fit.log</c> for the whole run (flushed line by line, so a killed fit leaves its log).</summary>
    public StreamWriter OpenLog() => new(LogPath) { AutoFlush = true };

    /// <summary>Writes <c>fit.json</c> atomically.</summary>
    public void WriteModel(FitModelFile model) =>
        CsvOutput.WriteAtomically(ModelPath, writer =>
        {
            writer.Write(JsonSerializer.Serialize(model, FitJson.Default.FitModelFile));
            return 0;
        });

    /// <summary>Reads <c>fit.json</c>.</summary>
    /// <exception cref="UsageException">Missing, damaged, or of another format.</exception>
    public FitModelFile ReadModel()
    {
        if (!File.Exists(ModelPath))
        {
            throw new UsageException($"{Path}: no {ModelFileName}; it is not a fit folder.");
        }
        FitModelFile? model;
        try
        {
            model = JsonSerializer.Deserialize(File.ReadAllText(ModelPath), FitJson.Default.FitModelFile);
        }
        catch (JsonException e)
        {
            throw new UsageException($"{ModelPath}: not a fit model ({e.Message}).", e);
        }
        if (model is null || model.Format != FitModelFile.CurrentFormat)
        {
            throw new UsageException($"{ModelPath}: format '{model?.Format}' is not {FitModelFile.CurrentFormat}, which this version reads.");
        }
        if (model.Members.Length == 0 || model.Members.Any(m => m.Models.Length == 0 || !(m.Weight > 0)))
        {
            throw new UsageException($"{ModelPath}: lists no member, or a member without models or weight.");
        }
        return model;
    }

    /// <summary>Writes the report (<see cref="ReportFileName"/>).</summary>
    public void WriteReport(string markdown) =>
        CsvOutput.WriteAtomically(ReportPath, writer =>
        {
            writer.Write(markdown);
            return 0;
        });

    /// <summary>Writes a <c>formula,target,prediction,std</c> file (the run folders' predictions format, with the spread).</summary>
    public static void WritePredictions(string path, FeaturizedData data, float[] predictions, string targetName, float[] std) =>
        CsvOutput.WriteAtomically(path, writer =>
        {
            PredictionsCsv.Write(writer, data, predictions, targetName, std);
            return data.Count;
        });

    /// <summary>Writes <c>candidates_oof.csv</c>: <c>formula,target,fold</c>, then one column per candidate (empty where it has no out-of-fold prediction).</summary>
    public void WriteCandidatesOutOfFold(FeaturizedData data, IReadOnlyList<int> foldOfRow, IReadOnlyList<(string Name, float[] Predictions)> candidates, string targetName) =>
        CsvOutput.WriteAtomically(CandidatesOutOfFoldPath, writer =>
        {
            writer.WriteLine($"formula,{CsvOutput.Escape(targetName)},fold{string.Concat(candidates.Select(c => "," + CsvOutput.Escape(c.Name)))}");
            var line = new System.Text.StringBuilder();
            for (var i = 0; i < data.Count; i++)
            {
                line.Clear()
                    .Append(CsvOutput.Escape(data.Records[i].Formula)).Append(',')
                    .Append(data.Targets![i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Append(',')
                    .Append((foldOfRow[i] + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                foreach (var (_, predictions) in candidates)
                {
                    line.Append(',');
                    if (!float.IsNaN(predictions[i]))
                    {
                        line.Append(predictions[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture));
                    }
                }
                writer.WriteLine(line.ToString());
            }
            return data.Count;
        });
}
