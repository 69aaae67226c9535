using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer.Baselines;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Fit;

/// <summary>A fit model's predictions for the usable rows of a file.</summary>
/// <param name="Data">The rows predicted (elemental fractions; their targets when the file has them).</param>
/// <param name="Predictions">The blend, clipped at 0 when the model says so.</param>
/// <param name="Std">The members' spread around it (<see cref="FitModel"/>).</param>
/// <param name="TargetName">The file's target column, or the model's target name when it has none.</param>
public sealed record FitPredictions(FeaturizedData Data, float[] Predictions, float[] Std, string TargetName);

/// <summary>
/// The model of a fit folder, ready to predict: Σ_c w_c · mean_k f_ck(x) over the blended candidates
/// c and their models k (one per fold, or one refitted on every row), clipped at 0 when every
/// training target was ≥ 0. The spread (<c>std</c>) treats the members as a mixture — candidate c
/// with weight w_c, its models alike — and is its standard deviation:
/// √Σ_c w_c (var_k f_ck + (mean_k f_ck − p̄)²), the disagreement of the fold models and of the
/// candidates. Members are loaded one at a time while predicting, so a blend of many networks needs
/// the memory of one.
/// </summary>
public sealed class FitModel
{
    private readonly FitFolder _folder;
    private readonly DeviceKind _device;

    private FitModel(FitFolder folder, FitModelFile file, DeviceKind device)
    {
        _folder = folder;
        File = file;
        _device = device;
    }

    /// <summary>What <c>fit.json</c> says.</summary>
    public FitModelFile File { get; }

    /// <summary>True when <paramref name="path"/> is a fit folder.</summary>
    public static bool IsFitFolder(string path) => FitFolder.IsFitFolder(path);

    /// <summary>Reads a fit folder's model and checks that every member's files are there.</summary>
    /// <exception cref="UsageException">Not a fit folder, or a member's file is missing.</exception>
    public static FitModel Load(string path, DeviceKind device = DeviceKind.Auto)
    {
        var folder = new FitFolder(path);
        var file = folder.ReadModel();
        foreach (var member in file.Members)
        {
            foreach (var model in member.Models)
            {
                var full = folder.Resolve(model);
                var present = member.Network ? System.IO.File.Exists(RunFolder.ResolveManifest(full))
                    : System.IO.File.Exists(full) && (!member.Gated || System.IO.File.Exists(FitFolder.GateModel(full)));
                if (!present)
                {
                    throw new UsageException($"{folder.ModelPath}: member {member.Candidate}'s model {model} is missing; copy the fit folder whole.");
                }
            }
            if (member.Source is { } source && !System.IO.File.Exists(RunFolder.ResolveManifest(source)))
            {
                throw new UsageException($"{folder.ModelPath}: member {member.Candidate} takes its features from the source model {source}, which is not there.");
            }
        }
        return new FitModel(folder, file, device);
    }

    /// <summary>
    /// Predicts every usable row of <paramref name="path"/>; with <paramref name="requireTargets"/> the
    /// file must hold a target for each (evaluate), else targets are optional (predict).
    /// </summary>
    public FitPredictions Predict(string path, string? formulaColumn, string? targetColumn, bool requireTargets, TextWriter log)
    {
        var data = DataLoading.OneTarget(
            DataLoading.Load(path, formulaColumn, targetColumn, requireTargets, log, out var targetName, FeatureSource.ElementalFractions),
            targetColumn, "a fit model");
        var (predictions, std) = Predict(data, path);
        return new FitPredictions(data, predictions, std, targetName ?? File.TargetName);
    }

    /// <summary>Predictions and spread for rows featurised as elemental fractions (their records are featurised again for each member's inputs).</summary>
    public (float[] Predictions, float[] Std) Predict(FeaturizedData rows, string path = "(rows)")
    {
        ArgumentNullException.ThrowIfNull(rows);
        var table = new MaterialsTable(path, "formula", null, rows.Records);
        var inputs = new Dictionary<string, FeaturizedData>(StringComparer.Ordinal) { ["ef"] = rows };
        var n = rows.Count;
        var means = new List<double[]>();
        var variances = new List<double[]>();
        foreach (var member in File.Members)
        {
            var (mean, variance) = (new double[n], new double[n]);
            var models = member.Models.Select(m => PredictOne(member, _folder.Resolve(m), table, inputs)).ToArray();
            for (var i = 0; i < n; i++)
            {
                double sum = 0;
                foreach (var p in models)
                {
                    sum += p[i];
                }
                mean[i] = sum / models.Length;
                double squares = 0;
                foreach (var p in models)
                {
                    squares += (p[i] - mean[i]) * (p[i] - mean[i]);
                }
                variance[i] = squares / models.Length;
            }
            means.Add(mean);
            variances.Add(variance);
        }
        var predictions = new float[n];
        var std = new float[n];
        for (var i = 0; i < n; i++)
        {
            double blend = 0;
            for (var c = 0; c < means.Count; c++)
            {
                blend += File.Members[c].Weight * means[c][i];
            }
            double spread = 0;
            for (var c = 0; c < means.Count; c++)
            {
                var d = means[c][i] - blend;
                spread += File.Members[c].Weight * (variances[c][i] + d * d);
            }
            predictions[i] = File.ClipAtZero && blend < 0 ? 0f : (float)blend;
            std[i] = (float)Math.Sqrt(spread);
        }
        return (predictions, std);
    }

    /// <summary>
    /// The run folder of the model's one network, for ONNX export: a fit whose model is a single
    /// network trained once (one validation split). Anything else cannot be one ONNX graph of this
    /// exporter, and the message says what the model is instead.
    /// </summary>
    /// <exception cref="UsageException">The model is a blend, trees, or several fold networks.</exception>
    public string SingleNetwork()
    {
        var members = File.Members;
        if (members is [{ Network: true, Models: [var only] }])
        {
            return _folder.Resolve(only);
        }
        var what = string.Join(", ", members.Select(m =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{m.Candidate} {m.Weight:0.##} ({(m.Network ? "network" : "trees")}, {m.Models.Length} model{(m.Models.Length == 1 ? "" : "s")})")));
        var network = members.FirstOrDefault(m => m.Network);
        var hint = network is null
            ? "it holds no network; use predict instead."
            : $"ONNX export covers one network; export a member's run folder, e.g. --model {_folder.Resolve(network.Models[0])} (without the blend{(File.ClipAtZero ? " and the clipping at 0" : "")}).";
        throw new UsageException($"{_folder.Path}: the fit model is {what}, not one network: {hint}");
    }

    private float[] PredictOne(FitMemberRecord member, string modelPath, MaterialsTable table, Dictionary<string, FeaturizedData> inputs)
    {
        if (member.Network)
        {
            using var network = MaterialsModel.Load(modelPath, _device);
            var data = network.Features.Featurize(table);
            CheckRows(data, table, modelPath);
            return network.Predict(data);
        }
        var features = Inputs(member, table, inputs);
        var gate = member.Gated ? GateModel.Load(FitFolder.GateModel(modelPath), member.Width).Probabilities(features) : null;
        return FittedTrees.Combine(TreeModel.Load(modelPath, member.Width).Predict(features), gate, member.LogTarget);
    }

    private FeaturizedData Inputs(FitMemberRecord member, MaterialsTable table, Dictionary<string, FeaturizedData> inputs)
    {
        var key = member.Features == "extracted" ? $"extracted:{member.Source}:{member.Layer}" : member.Features;
        if (!inputs.TryGetValue(key, out var data))
        {
            data = member.Features switch
            {
                "pa" => FeatureSource.PhysicalAttributes.Featurize(table),
                "extracted" => ExtractedFeatures(member.Source!, member.Layer ?? 1, table, _device),
                _ => throw new UsageException($"{_folder.ModelPath}: member {member.Candidate} has features '{member.Features}', which this version does not know."),
            };
            CheckRows(data, table, member.Candidate);
            inputs[key] = data;
        }
        return data;
    }

    /// <summary>
    /// The activations of hidden layer <paramref name="layer"/> of <paramref name="source"/> for each
    /// row of <paramref name="table"/>: the inputs of an extracted-feature member, computed in memory.
    /// </summary>
    public static FeaturizedData ExtractedFeatures(string source, int layer, MaterialsTable table, DeviceKind device)
    {
        ArgumentNullException.ThrowIfNull(table);
        using var model = MaterialsModel.Load(source, device);
        var input = model.Features.Featurize(table);
        CheckRows(input, table, source);
        var width = model.Network.DenseLayers[layer - 1].OutputWidth;
        var activations = model.Network.Activations(input.Features, input.Count, [layer - 1])[0];
        return new FeaturizedData(input.Records, activations, width, input.Targets, []);
    }

    // Every member must see the rows the elemental fractions kept: physical attributes and the
    // source's inputs skip exactly those rows, so a difference means a model of another kind.
    private static void CheckRows(FeaturizedData data, MaterialsTable table, string what)
    {
        if (data.Count != table.Records.Count)
        {
            var lost = data.Skipped.Count > 0 ? data.Skipped[0] : null;
            throw new UsageException($"{what}: cannot use {table.Records.Count - data.Count} of the rows{(lost is null ? "" : $" (line {lost.Line}, '{lost.Formula}': {lost.Reason})")}.");
        }
    }

    /// <summary>Metrics of the model on a labelled file, and Pearson's r between |error| and the spread.</summary>
    public (RegressionMetrics Metrics, double ErrorStdCorrelation) Evaluate(string dataPath, string? formulaColumn, string? targetColumn, TextWriter log)
    {
        var result = Predict(dataPath, formulaColumn, targetColumn, requireTargets: true, log);
        var targets = result.Data.Targets!;
        return (RegressionMetrics.Compute(Path.GetFileName(dataPath), targets, result.Predictions, File.TrainTargetMean),
            Ensemble.ErrorStdCorrelation(targets, result.Predictions, result.Std));
    }

    /// <summary>Writes <c>formula[,target],prediction,std</c> for every usable row of <paramref name="inputPath"/>; returns the rows written.</summary>
    public int WritePredictions(string inputPath, string? formulaColumn, TextWriter output, TextWriter log)
    {
        var result = Predict(inputPath, formulaColumn, targetColumn: null, requireTargets: false, log);
        PredictionsCsv.Write(output, result.Data, result.Predictions, result.TargetName, result.Std);
        return result.Data.Count;
    }
}
