using System.Globalization;
using System.Text.Json;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer.Data;
using CsvHelper;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>What a finished <c>--ensemble N</c> run reports.</summary>
/// <param name="OutputDirectory">The ensemble folder, holding <c>member-1</c> … <c>member-N</c>.</param>
/// <param name="Members">Each member's run.</param>
/// <param name="Metrics">Metrics of the ensemble mean, one entry per split.</param>
/// <param name="ErrorStdCorrelation">Per split, Pearson's r between |error| of the mean and the members' std.</param>
public sealed record EnsembleSummary(
    string OutputDirectory, IReadOnlyList<TrainRunSummary> Members, IReadOnlyList<RegressionMetrics> Metrics,
    IReadOnlyDictionary<string, double> ErrorStdCorrelation);

/// <summary><c>ensemble.json</c>: the member run folders, relative to the ensemble folder.</summary>
public sealed record EnsembleFile
{
    /// <summary>Member folders.</summary>
    public string[] Members { get; init; } = [];
}

/// <summary>
/// A deep ensemble (the uncertainty of Roost and MODNet): N networks trained alike but for the seed
/// of their initialisation, shuffling and dropout, on the same train/validation split (member 1
/// carves it, the others reuse its splits.json), so their spread reflects the model, not the data
/// split. A prediction is the members' mean with their sample standard deviation beside it.
/// </summary>
public static class Ensemble
{
    /// <summary>The file that marks an ensemble folder.</summary>
    public const string FileName = "ensemble.json";

    /// <summary>
    /// Trains members with seeds seed, seed+1, … in <c>member-k</c> folders of
    /// <see cref="TrainRunOptions.OutputDirectory"/>, then writes the ensemble's
    /// <c>predictions_&lt;split&gt;.csv</c> (<c>formula,target,prediction,std</c>), its parity plots and <c>ensemble.json</c>.
    /// </summary>
    public static EnsembleSummary Run(TrainRunOptions options, int members, TextWriter log, IProgress<Network.Training.EpochMetrics>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        if (members < 2)
        {
            throw new OptionException("Ensemble", members.ToString(System.Globalization.CultureInfo.InvariantCulture), "an ensemble needs at least 2 members.");
        }
        if (DataLoading.NamesSeveralTargets(options.TargetColumn))
        {
            throw new OptionException(nameof(TrainRunOptions.TargetColumn), options.TargetColumn,
                "an ensemble takes one target column in this version; several targets are trained by a single training run.");
        }
        // The ensemble folder is held for the whole ensemble, as a run holds its folder.
        var (ensembleFolder, held) = RunFolder.CreateLocked(options.OutputDirectory);
        using var ensembleLock = held;
        var folder = ensembleFolder.Path;
        var runs = new List<TrainRunSummary>();
        for (var k = 1; k <= members && !cancellation.IsCancellationRequested; k++)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ensemble member {k}/{members}, seed {options.Seed + k - 1}"));
            var memberOptions = options with
            {
                Seed = options.Seed + k - 1,
                OutputDirectory = Path.Combine(folder, MemberName(k)),
            };
            // A validation file or given splits already fix the split; otherwise member 1's is reused.
            if (k > 1 && options.Splits is null && options.SplitsPath is null && options.ValidationPath is null)
            {
                memberOptions = memberOptions with { SplitsPath = Path.Combine(runs[0].OutputDirectory, "splits.json") };
            }
            runs.Add(TrainingRun.Run(memberOptions, log, progress, cancellation));
        }
        var ensembleJson = JsonSerializer.Serialize(
            new EnsembleFile { Members = [.. Enumerable.Range(1, runs.Count).Select(MemberName)] }, TransferJson.Default.EnsembleFile);
        CsvOutput.WriteAtomically(Path.Combine(folder, FileName), writer =>
        {
            writer.Write(ensembleJson);
            return 0;
        });

        var metrics = new List<RegressionMetrics>();
        var correlations = new Dictionary<string, double>(StringComparer.Ordinal);
        var trainMean = ModelManifest.Load(Path.Combine(runs[0].OutputDirectory, "model.json")).TrainTargetMean;
        foreach (var split in runs[0].Metrics.Select(m => m.Split))
        {
            var files = runs.Select(r => Path.Combine(r.OutputDirectory, $"predictions_{split}.csv")).ToArray();
            var (formulas, targetName, targets, predictions) = ReadMemberPredictions(files);
            var (mean, std) = MeanAndStd(predictions);
            CsvOutput.WriteAtomically(Path.Combine(folder, $"predictions_{split}.csv"), writer =>
            {
                writer.WriteLine($"formula,{CsvOutput.Escape(targetName)},prediction,std");
                for (var i = 0; i < formulas.Length; i++)
                {
                    writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{CsvOutput.Escape(formulas[i])},{targets[i]:R},{mean[i]:R},{std[i]:R}"));
                }
                return formulas.Length;
            });
            metrics.Add(RegressionMetrics.Compute(split, targets, mean, trainMean));
            correlations[split] = ErrorStdCorrelation(targets, mean, std);
        }
        Reports.RunPlots.TryWrite(folder, log);
        return new EnsembleSummary(folder, runs, metrics, correlations);
    }

    /// <summary>True when <paramref name="path"/> is an ensemble folder.</summary>
    public static bool IsEnsemble(string path) => File.Exists(Path.Combine(path, FileName));

    /// <summary>The member model folders of an ensemble folder.</summary>
    public static IReadOnlyList<string> MemberFolders(string path)
    {
        var file = Path.Combine(path, FileName);
        try
        {
            var ensemble = JsonSerializer.Deserialize(File.ReadAllText(file), TransferJson.Default.EnsembleFile);
            return ensemble is { Members.Length: > 0 }
                ? [.. ensemble.Members.Select(m => Path.Combine(path, m))]
                : throw new UsageException($"{file}: lists no members.");
        }
        catch (JsonException e)
        {
            throw new UsageException($"{file}: not an ensemble.json ({e.Message}).", e);
        }
    }

    /// <summary>Loads every member of an ensemble folder onto its own backend of <paramref name="device"/>.</summary>
    public static IReadOnlyList<MaterialsModel> Load(string path, DeviceKind device)
    {
        var models = new List<MaterialsModel>();
        try
        {
            foreach (var member in MemberFolders(path))
            {
                models.Add(MaterialsModel.Load(member, device));
            }
            return models;
        }
        catch
        {
            models.ForEach(m => m.Dispose());
            throw;
        }
    }

    /// <summary>Per row, the members' mean prediction and their sample standard deviation.</summary>
    public static (float[] Mean, float[] Std) Predict(IReadOnlyList<MaterialsModel> members, FeaturizedData data)
    {
        ArgumentNullException.ThrowIfNull(members);
        return MeanAndStd([.. members.Select(m => m.Predict(data))]);
    }

    /// <summary>Row-wise mean and sample standard deviation (N − 1) over the members' predictions.</summary>
    public static (float[] Mean, float[] Std) MeanAndStd(IReadOnlyList<float[]> predictions)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        var rows = predictions[0].Length;
        var mean = new float[rows];
        var std = new float[rows];
        for (var i = 0; i < rows; i++)
        {
            double sum = 0;
            foreach (var member in predictions)
            {
                sum += member[i];
            }
            var m = sum / predictions.Count;
            double squares = 0;
            foreach (var member in predictions)
            {
                squares += (member[i] - m) * (member[i] - m);
            }
            mean[i] = (float)m;
            std[i] = predictions.Count > 1 ? (float)Math.Sqrt(squares / (predictions.Count - 1)) : 0f;
        }
        return (mean, std);
    }

    /// <summary>
    /// Pearson's r between |prediction − target| and the members' std: how far the spread tells
    /// the large errors from the small ones (NaN when either is constant).
    /// </summary>
    public static double ErrorStdCorrelation(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, ReadOnlySpan<float> std)
    {
        var n = targets.Length;
        double meanError = 0, meanStd = 0;
        for (var i = 0; i < n; i++)
        {
            meanError += Math.Abs((double)predictions[i] - targets[i]);
            meanStd += std[i];
        }
        meanError /= n;
        meanStd /= n;
        double covariance = 0, errorVariance = 0, stdVariance = 0;
        for (var i = 0; i < n; i++)
        {
            var e = Math.Abs((double)predictions[i] - targets[i]) - meanError;
            var s = std[i] - meanStd;
            covariance += e * s;
            errorVariance += e * e;
            stdVariance += s * s;
        }
        return errorVariance > 0 && stdVariance > 0 ? covariance / Math.Sqrt(errorVariance * stdVariance) : double.NaN;
    }

    private static string MemberName(int k) => string.Create(CultureInfo.InvariantCulture, $"member-{k}");

    // The members' predictions_<split>.csv: the same rows in the same order (one split, one test
    // file), checked formula by formula.
    private static (string[] Formulas, string TargetName, float[] Targets, List<float[]> Predictions) ReadMemberPredictions(string[] files)
    {
        string[]? formulas = null;
        float[]? targets = null;
        var targetName = "";
        var predictions = new List<float[]>();
        foreach (var file in files)
        {
            using var reader = CsvReader.FromFile(file, MaterialsCsv.Options);
            targetName = reader.Headers[1];
            var (f, t, p) = (new List<string>(), new List<float>(), new List<float>());
            while (reader.Read())
            {
                f.Add(reader.GetString(0));
                t.Add(float.Parse(reader.GetString(1), NumberStyles.Float, CultureInfo.InvariantCulture));
                p.Add(float.Parse(reader.GetString(2), NumberStyles.Float, CultureInfo.InvariantCulture));
            }
            if (formulas is not null && !formulas.SequenceEqual(f))
            {
                throw new InvalidOperationException($"{file}: its rows differ from {files[0]}'s; the members did not share their splits.");
            }
            formulas ??= [.. f];
            targets ??= [.. t];
            predictions.Add([.. p]);
        }
        return (formulas!, targetName, targets!, predictions);
    }
}
