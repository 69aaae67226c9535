using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Baselines;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Reproduce;

/// <summary>
/// Runs one method on one data set and returns its result: loads the method's features for the
/// shared split, fits or trains each candidate (model kind, feature layer), keeps the one with the
/// lowest validation MAE and scores the test file with it. Networks train through
/// <see cref="TrainingRun"/> in run folders under the work folder; a network that finished is
/// remembered there (<see cref="CandidateFile"/>) and one that was interrupted resumes from its
/// checkpoint.
/// </summary>
internal sealed class MethodRunner : IDisposable
{
    /// <summary>Written into a network's run folder once it has finished: its scores, so a rerun need not train it again.</summary>
    public const string CandidateFile = "reproduce-candidate.json";

    private readonly ReproduceOptions _options;
    private readonly TextWriter _log;
    private readonly CancellationToken _cancellation;
    private MaterialsModel? _source;
    private string? _sourceSha256;
    private string[]? _sourcesSha256;

    public MethodRunner(ReproduceOptions options, TextWriter log, CancellationToken cancellation)
    {
        _options = options;
        _log = log;
        _cancellation = cancellation;
    }

    /// <summary>The machine, as every result records it.</summary>
    public string Hardware { get; } = DescribeHardware();

    /// <summary>SHA-256 of the source model's weights (hex), computed once.</summary>
    public string SourceSha256 => _sourceSha256 ??= SharedSplit.Sha256(SourceWeightsPath(_options.SourceModel));

    /// <summary>SHA-256 of the weights of each of the zoo's sources (<see cref="ReproduceOptions.Sources"/>), in their order, computed once.</summary>
    public IReadOnlyList<string> SourcesSha256 => _sourcesSha256 ??= [.. (_options.Sources ?? []).Select(s => SharedSplit.Sha256(SourceWeightsPath(s)))];

    /// <summary>True when a zoo result's config was screened from the sources and with the budget the options give now.</summary>
    public bool SameZoo(ResultConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.SourcesSha256 is { } hashes && hashes.SequenceEqual(SourcesSha256) && config.Screening == _options.Screening.ToString();
    }

    // The zoo's identity for its run folders: a new set of sources or screening budget never resumes or reuses an old one's.
    private string ZooKey => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        System.Text.Encoding.UTF8.GetBytes(string.Join("\n", SourcesSha256.Append(_options.Screening.ToString())))));

    /// <summary>Runs <paramref name="method"/> on <paramref name="set"/> with the shared split.</summary>
    public MethodResult Run(TargetDataset set, SharedSplit splits, string splitsPath, ReproduceMethod method)
    {
        var clock = Stopwatch.StartNew();
        var (budget, large) = _options.BudgetFor(splits.UsableRows);
        var classical = _options.ClassicalModelsFor(splits.UsableRows);
        var layers = _options.FeatureLayers;
        var (fitted, features, model) = method switch
        {
            ReproduceMethod.Base => (Classical(set, splits, "ef", [BaselineModel.Mean], prefix: ""), "ef", BaselineModels.Describe(BaselineModel.Mean)),
            ReproduceMethod.ScratchMlElementalFractions or ReproduceMethod.ScratchMlPhysicalAttributes =>
                (Classical(set, splits, method.ScratchFeatures()!, classical, prefix: ""), method.ScratchFeatures()!, DescribeClassical(classical)),
            ReproduceMethod.ScratchDlElementalFractions or ReproduceMethod.ScratchDlPhysicalAttributes =>
                ([Network(set, splits, method, method.ScratchFeatures()!, budget, candidate: "")], method.ScratchFeatures()!, _options.Architecture ?? "ElemNet"),
            ReproduceMethod.FineTune or ReproduceMethod.ModFineTune or ReproduceMethod.FineTuneZoo or ReproduceMethod.ModFineTuneZoo =>
                ([Network(set, splits, method, "ef", budget, candidate: "")], "ef", "the source model's architecture"),
            ReproduceMethod.MlFeatureExtraction =>
                ([.. layers.SelectMany(k => Classical(set, splits, ExtractedFeatures(set, k), classical, prefix: $"layer {k}, "))],
                    LayerFeatures(layers), DescribeClassical(classical)),
            ReproduceMethod.DlFeatureExtraction =>
                ([.. layers.Select(k => Network(set, splits, method, ExtractedFeatures(set, k), budget, candidate: $"layer {k}"))],
                    LayerFeatures(layers), _options.Architecture ?? "ElemNet"),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown method."),
        };
        // Selection on the validation split only; the first candidate wins a tie.
        var best = fitted.MinBy(f => f.ValidationMae)!;
        var trains = method.TrainsNetwork();
        return new MethodResult
        {
            Dataset = set.Name,
            Method = method.Name(),
            PaperMethod = method.PaperName(),
            Group = method.Group().Name(),
            TestMae = best.TestMae,
            ValidationMae = best.ValidationMae,
            TrainMae = best.TrainMae,
            TrainRows = best.TrainRows,
            ValidationRows = best.ValidationRows,
            TestRows = best.TestRows,
            DroppedRows = best.DroppedRows,
            Epochs = best.Epochs,
            BestEpoch = best.BestEpoch,
            StopReason = best.StopReason,
            Seconds = clock.Elapsed.TotalSeconds + fitted.Sum(f => f.SecondsBefore),
            Seed = _options.Seed,
            // A zoo method chose among sources: its candidates are the screened sources (a source
            // whose screening diverged has no score to record), each with its screening's scores.
            Selected = best.Screening?.Chosen ?? (fitted.Count > 1 ? best.Name : null),
            Candidates = best.Screening is { } screening
                ? [.. screening.Sources.Where(c => c.ValidationMae is not null).Select(c => new ResultCandidate(c.Source, c.ValidationMae!.Value, c.Epochs, c.Seconds))]
                : fitted.Count > 1 ? [.. fitted.Select(f => new ResultCandidate(f.Name, f.ValidationMae, f.Epochs, f.Seconds))] : [],
            Budget = trains ? Budget(budget, large, method) : null,
            Config = best.Screening is { } chosen
                ? Config(set, splitsPath, method, features, model) with
                {
                    Source = chosen.Chosen,
                    SourceSha256 = chosen.Sources.Single(c => c.Chosen).WeightsSha256,
                }
                : Config(set, splitsPath, method, features, model),
            Run = best.Run,
            Hardware = Hardware,
            Device = best.Device,
            Finished = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            Predictions = best.Predictions,
            History = best.History,
        };
    }

    /// <summary>
    /// Derives the ensemble <paramref name="ensemble"/> from its members' result files in
    /// <paramref name="setFolder"/> (<see cref="MethodEnsemble"/>), scored against the shared
    /// split's validation targets and the test file's; or says, in one line, why it cannot.
    /// </summary>
    public (MethodResult? Result, string? NotComputable) Ensemble(TargetDataset set, SharedSplit? splits, string splitsPath, ReproduceMethod ensemble, string setFolder)
    {
        var clock = Stopwatch.StartNew();
        var choice = MethodEnsemble.Choose(ensemble, MethodEnsemble.ReadSetResults(setFolder));
        if (choice.NotComputable is { } reason)
        {
            return (null, reason);
        }
        if (splits is null)
        {
            return (null, $"{splitsPath} is missing, so the rows its members were scored on are unknown");
        }
        // The targets of the rows every method is scored on: elemental fractions use them all.
        var data = Load(set, splits, FeatureSource.ElementalFractions, TextWriter.Null);
        var (validationTargets, testTargets) = (data.Validation.Targets!, data.Test.Targets!);
        if (MethodEnsemble.Check(choice.Members, validationTargets.Length, testTargets.Length) is { } problem)
        {
            return (null, problem);
        }
        var scores = MethodEnsemble.Combine(choice.Members, validationTargets, testTargets);
        var members = choice.Members;
        var names = string.Join(" and ", members.Select(m => m.Method));
        return (new MethodResult
        {
            Dataset = set.Name,
            Method = ensemble.Name(),
            PaperMethod = ensemble.PaperName(),
            Group = ensemble.Group().Name(),
            TestMae = scores.TestMae,
            ValidationMae = scores.ValidationMae,
            TrainRows = members[0].TrainRows,
            ValidationRows = validationTargets.Length,
            TestRows = testTargets.Length,
            // Its own time only: the members' time is in their results, and the report sums results.
            Seconds = clock.Elapsed.TotalSeconds,
            Seed = members[0].Seed,
            Selected = choice.Candidates.Count > 0 ? string.Join(" + ", members.Select(m => m.Method)) : null,
            Candidates = choice.Candidates,
            Config = Config(set, splitsPath, ensemble, string.Join(" + ", members.Select(m => m.Config.Features).Distinct()), $"the mean of the predictions of {names}") with
            {
                // Check() made sure transfer members share one source model.
                Source = members[0].Config.Source,
                SourceSha256 = members[0].Config.SourceSha256,
            },
            Hardware = Hardware,
            Device = "cpu (the mean of recorded predictions)",
            Finished = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            Predictions = scores.Predictions,
            Members = [.. members.Select(m => new ResultMember(m.Method, m.Finished))],
        }, null);
    }

    /// <summary>The record of a method that could not run.</summary>
    public MethodResult Failed(TargetDataset set, string splitsPath, ReproduceMethod method, Exception error, int trainingRows) => new()
    {
        Dataset = set.Name,
        Method = method.Name(),
        PaperMethod = method.PaperName(),
        Group = method.Group().Name(),
        Status = MethodResult.FailedStatus,
        Error = error.Message,
        Seed = _options.Seed,
        Budget = method.TrainsNetwork() && _options.BudgetFor(trainingRows) is var (budget, large) ? Budget(budget, large, method) : null,
        Config = Config(set, splitsPath, method, method.ScratchFeatures() ?? (method is ReproduceMethod.MlFeatureExtraction or ReproduceMethod.DlFeatureExtraction ? LayerFeatures(_options.FeatureLayers) : method.IsEnsemble() ? "" : "ef"), ""),
        Hardware = Hardware,
        Finished = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
    };

    public void Dispose() => _source?.Dispose();

    private ResultConfig Config(TargetDataset set, string splitsPath, ReproduceMethod method, string features, string model) => new()
    {
        TrainFile = set.TrainPath,
        TestFile = set.TestPath,
        Splits = splitsPath,
        Features = features,
        Model = model,
        Source = method.UsesSource() ? _options.SourceModel : null,
        SourceSha256 = method.UsesSource() ? SourceSha256 : null,
        FeatureLayers = method is ReproduceMethod.MlFeatureExtraction or ReproduceMethod.DlFeatureExtraction ? _options.FeatureLayers : null,
        DeviceRequested = _options.Device.ToName(),
        Sources = method.IsZoo() ? _options.Sources : null,
        SourcesSha256 = method.IsZoo() ? SourcesSha256 : null,
        Screening = method.IsZoo() ? _options.Screening.ToString() : null,
    };

    private ResultBudget Budget(TrainingBudget budget, bool large, ReproduceMethod method) =>
        new(budget.MaxEpochs, budget.Patience, budget.TimeLimit?.TotalSeconds, large ? "large" : "standard", ResultSchedule.Of(_options.Schedule),
            method.IsFineTuned() ? _options.FineTuning.ToResult() : null);

    // The recipe a network of this method trains with: the fine-tuning recipe for the fine-tuned two (and their zoo methods), the paper's otherwise.
    private FineTuneRecipe RecipeOf(ReproduceMethod method) => method.IsFineTuned() ? _options.FineTuning : FineTuneRecipe.Paper;

    private static string LayerFeatures(IReadOnlyList<int> layers) =>
        $"source layer {string.Join(", ", layers.Select(k => k.ToString(CultureInfo.InvariantCulture)))}";

    private static string DescribeClassical(IReadOnlyList<BaselineModel> models) =>
        $"the best on validation of: {string.Join("; ", models.Select(BaselineModels.Describe))}";

    // ---- classical models (Base, SC:ML, TL:ML(FeatExtr)) ----------------------------------------

    private List<Fitted> Classical(TargetDataset set, SharedSplit splits, string features, IReadOnlyList<BaselineModel> models, string prefix)
    {
        var data = Load(set, splits, FeatureSource.Resolve(features), _log);
        var trainMean = data.Train.Targets!.Average(t => (double)t);
        var fitted = new List<Fitted>();
        foreach (var model in models)
        {
            _cancellation.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            var predictions = BaselineModels.FitPredict(model, data.Train, [data.Train, data.Validation, data.Test], _options.Seed, _cancellation);
            double Mae(FeaturizedData split, float[] predicted) => RegressionMetrics.Compute("", split.Targets!, predicted, trainMean).Mae;
            fitted.Add(new Fitted
            {
                Name = prefix + BaselineModels.Name(model),
                TrainMae = Mae(data.Train, predictions[0]),
                ValidationMae = Mae(data.Validation, predictions[1]),
                TestMae = Mae(data.Test, predictions[2]),
                TrainRows = data.Train.Count,
                ValidationRows = data.Validation.Count,
                TestRows = data.Test.Count,
                DroppedRows = data.Dropped,
                Seconds = clock.Elapsed.TotalSeconds,
                Device = $"cpu ({Environment.ProcessorCount} logical cores)",
                Predictions = data.PredictionsOf(predictions[1], predictions[2]),
            });
        }
        return fitted;
    }

    // The method's rows of the shared split; the lines of the validation and test rows its features
    // could not represent (null when none), which its predictions do not cover.
    private sealed record SplitData(FeaturizedData Train, FeaturizedData Validation, FeaturizedData Test, int Dropped, int[]? ValidationDroppedLines, int[]? TestDroppedLines)
    {
        public ResultPredictions PredictionsOf(float[] validation, float[] test) => new()
        {
            Validation = validation,
            Test = test,
            ValidationDroppedLines = ValidationDroppedLines,
            TestDroppedLines = TestDroppedLines,
        };
    }

    // The shared split's rows with this method's features; rows the features cannot represent are
    // dropped (and counted), never replaced.
    private static SplitData Load(TargetDataset set, SharedSplit splits, FeatureSource features, TextWriter log)
    {
        if (SharedSplit.Sha256(set.TrainPath) != splits.TrainSha256)
        {
            throw new UsageException($"{set.TrainPath} changed since its split was carved (SHA-256 differs); move that set's results aside to start it afresh.");
        }
        var trainFile = DataLoading.Load(set.TrainPath, formulaColumn: null, targetColumn: null, requireTargets: true, log, features);
        var test = DataLoading.Load(set.TestPath, formulaColumn: null, targetColumn: null, requireTargets: true, log, features);
        var (trainRows, validationRows, dropped) = splits.Select(trainFile);
        var validation = DataLoading.Subset(trainFile, validationRows);
        int[]? DroppedLines(IEnumerable<int> all, FeaturizedData kept)
        {
            var lines = all.Except(kept.Records.Select(r => r.Line)).Order().ToArray();
            return lines.Length > 0 ? lines : null;
        }
        // Every method's rows are among those elemental fractions can use (physical attributes and
        // extracted features keep only rows they keep: Featurizer, FeatureExtraction), so the test
        // file is read again with them only when this method's features dropped some.
        var testDropped = test.Count < splits.TestRows
            ? DroppedLines(DataLoading.Load(set.TestPath, formulaColumn: null, targetColumn: null, requireTargets: true, TextWriter.Null).Records.Select(r => r.Line), test)
            : null;
        return new SplitData(DataLoading.Subset(trainFile, trainRows), validation, test,
            dropped + Math.Max(0, splits.TestRows - test.Count), DroppedLines(splits.ValidationLines, validation), testDropped);
    }

    // ---- networks (SC:DL, TL:FineTune, TL:ModFineTune, TL:DL(FeatExtr)) -------------------------

    private Fitted Network(TargetDataset set, SharedSplit splits, ReproduceMethod method, string features, TrainingBudget budget, string candidate)
    {
        var transfer = method.IsFineTuned();
        // Transfer runs depend on the source's weights: their folder names the weights, so a new
        // source model never resumes or reuses a run of the old one (the zoo's: all its sources' and the screening's).
        var name = method.Name()
            + (candidate.Length > 0 ? "-" + candidate.Replace(" ", "", StringComparison.Ordinal) : "")
            + (method.UsesSource() ? "@" + SourceSha256[..12] : method.IsZoo() ? "@" + ZooKey[..12] : "");
        var folder = Path.Combine(_options.WorkDirectory, set.Name, name);
        var done = Path.Combine(folder, CandidateFile);
        var run = new RunFolder(folder);
        // Loaded here only to learn which rows of the shared split these features represent (and
        // so which rows the run's predictions are of); TrainingRun reads the files itself.
        var data = Load(set, splits, FeatureSource.Resolve(features), TextWriter.Null);
        // Reused only when trained with the same budget (learning-rate schedule included); otherwise trained again.
        if (File.Exists(done) && ReadCandidate(done) is { } previous && previous.Budget == Budget(budget, large: false, method))
        {
            _log.WriteLine($"{set.Name} {method.Name()}: {folder} finished earlier; its scores are reused");
            return previous.Fitted with
            {
                SecondsBefore = previous.Fitted.Seconds,
                Screening = previous.Fitted.Screening ?? run.ReadScreening(),
                Predictions = RunPredictions(run, data, set.Name, method),
                History = RunHistory(run),
            };
        }

        var restricted = splits.ToRunSplits(data.Train, data.Validation, set.TrainPath);
        // An interrupted run resumes only under the schedule and recipe it started with; under others it starts afresh.
        var recipe = RecipeOf(method);
        var resume = Directory.Exists(folder) && run.HasCheckpoint && SameRecipe(folder, recipe);
        // The run's cumulative training seconds before this session: the last epoch metrics.csv holds.
        var secondsBefore = resume ? run.ReadMetrics() is [.., var last] ? last.Seconds : 0 : 0;
        if (!resume && Directory.Exists(folder))
        {
            // A run stopped before its first checkpoint (at most half a minute of work), or one
            // whose result was deleted to run it again: start it afresh.
            Directory.Delete(folder, recursive: true);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
        if (resume)
        {
            _log.WriteLine($"{set.Name} {method.Name()}: resuming {folder} from its checkpoint");
        }
        var options = new TrainRunOptions
        {
            TrainPaths = [set.TrainPath],
            TestPath = set.TestPath,
            Splits = restricted,
            Features = features,
            // A zoo method's source: chosen by its screening below, or by the one it resumes.
            SourceModel = method.IsZoo() ? (resume ? run.ReadScreening()?.Chosen : null) : transfer ? _options.SourceModel : null,
            ReinitializeLast = method.ReinitializesLast(),
            Architecture = transfer ? null : _options.Architecture,
            MaxEpochs = budget.MaxEpochs,
            Patience = budget.Patience,
            TimeLimit = budget.TimeLimit,
            Device = _options.Device,
            Seed = _options.Seed,
            OutputDirectory = folder,
            Resume = resume,
            // Small sets train sub-second epochs and a checkpoint of ElemNet is ~74 MB: one a
            // minute keeps the grid resumable without checkpointing dominating it.
            CheckpointInterval = TimeSpan.FromSeconds(60),
            KeepProbabilities = recipe.KeepProbabilities,
            BatchSize = recipe.BatchSize,
            LearningRate = recipe.LearningRate,
        }.WithSchedule(_options.Schedule).WithRegularization(recipe.Regularization);
        var clock = Stopwatch.StartNew();
        var progress = new PeriodicProgress(_log, $"{set.Name} {method.Name()}{(candidate.Length > 0 ? " " + candidate : "")}");
        // A zoo method screens its sources on this split's training and validation rows (never
        // its test rows), then fine-tunes the chosen one in the same folder; resumed, it continues that.
        var summary = method.IsZoo() && !resume
            ? SourceScreening.Run(options, _options.Sources!, _options.Screening, _log, progress, _cancellation).Final
            : TrainingRun.Run(options, _log, progress, _cancellation);
        // A cancelled run keeps its checkpoint and gets no result: the next run resumes it.
        _cancellation.ThrowIfCancellationRequested();
        var metric = (string split) => summary.Metrics.Single(m => m.Split == split);
        var fitted = new Fitted
        {
            Name = candidate.Length > 0 ? candidate : method.Name(),
            TrainMae = metric("train").Mae,
            ValidationMae = metric("validation").Mae,
            TestMae = metric("test").Mae,
            TrainRows = metric("train").Count,
            ValidationRows = metric("validation").Count,
            TestRows = metric("test").Count,
            DroppedRows = data.Dropped,
            Epochs = summary.Training.Epochs,
            BestEpoch = summary.Training.BestEpoch,
            StopReason = summary.Training.StopReason,
            Seconds = clock.Elapsed.TotalSeconds + secondsBefore,
            SecondsBefore = secondsBefore,
            Device = summary.Device.ToString(),
            Run = summary.Config,
            Predictions = RunPredictions(run, data, set.Name, method),
            History = RunHistory(run),
            Screening = method.IsZoo() ? run.ReadScreening() : null,
        };
        CsvOutput.WriteAtomically(done, writer =>
        {
            writer.Write(JsonSerializer.Serialize(new TrainedCandidate(fitted with { SecondsBefore = 0 }, Budget(budget, large: false, method)), ReproduceJson.Default.TrainedCandidate));
            return 0;
        });
        // The 74 MB checkpoint is only for resuming; the weights only for inspection.
        run.DeleteCheckpoint();
        if (!_options.KeepModels)
        {
            run.DeleteWeights();
        }
        return fitted;
    }

    // The run's predictions_validation.csv and predictions_test.csv, checked row by row against the
    // rows this method's features represent. Predictions only feed ensembles and audits: a run
    // folder without them (or with other rows) leaves them out of the result, said in the log.
    private ResultPredictions? RunPredictions(RunFolder run, SplitData data, string dataset, ReproduceMethod method)
    {
        float[]? Read(string split, FeaturizedData rows)
        {
            var predicted = run.ReadPredictions(split);
            if (predicted is null || !predicted.Formulas.SequenceEqual(rows.Records.Select(r => r.Formula)))
            {
                _log.WriteLine($"{dataset} {method.Name()}: {run.PredictionsPath(split)} is missing or holds other rows than the {split} split; the result records no predictions");
                return null;
            }
            return predicted.Predictions;
        }
        return Read("validation", data.Validation) is { } validation && Read("test", data.Test) is { } test ? data.PredictionsOf(validation, test) : null;
    }

    private static ResultHistory? RunHistory(RunFolder run) => run.ReadMetrics() is { Count: > 0 } rows ? ResultHistory.Of(rows) : null;

    private bool SameRecipe(string folder, FineTuneRecipe recipe)
    {
        try
        {
            var saved = TrainRunOptions.FromRunFolder(folder);
            // config.json records the dropout that ran; a recipe without its own keeps whatever the source had.
            return saved.ToSchedule() == _options.Schedule && saved.ToRegularization() == recipe.Regularization
                && saved.BatchSize == recipe.BatchSize && saved.LearningRate == recipe.LearningRate
                && (recipe.KeepProbabilities is null || (saved.KeepProbabilities?.SequenceEqual(recipe.KeepProbabilities) ?? false));
        }
        catch (Exception e) when (e is UsageException or DataFileException or JsonException or IOException)
        {
            return false;
        }
    }

    private static TrainedCandidate? ReadCandidate(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), ReproduceJson.Default.TrainedCandidate);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // ---- the source model's features (TL:ML(FeatExtr), TL:DL(FeatExtr)) ------------------------

    private string ExtractedFeatures(TargetDataset set, int layer)
    {
        var folder = Path.Combine(_options.WorkDirectory, set.Name, "features@" + SourceSha256[..12]);
        var path = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"layer_{layer:D2}.csv"));
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(folder);
            _source ??= MaterialsModel.Load(_options.SourceModel, _options.Device);
            FeatureExtraction.Run(_source, [set.TrainPath, set.TestPath], [layer], path, formulaColumn: null, TextWriter.Null);
            _log.WriteLine($"{set.Name}: source layer {layer} activations written to {path}");
        }
        return path;
    }

    private static string DescribeHardware()
    {
        string? cpu = null;
        if (File.Exists("/proc/cpuinfo"))
        {
            cpu = File.ReadLines("/proc/cpuinfo")
                .FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?
                .Split(':', 2)[1].Trim();
        }
        cpu ??= RuntimeInformation.ProcessArchitecture.ToString();
        return $"{cpu}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }

    /// <summary>The weights file a source path names (run folder, model.json or model.safetensors).</summary>
    private static string SourceWeightsPath(string source)
    {
        var manifest = RunFolder.ResolveManifest(source);
        return ModelManifest.Load(manifest).WeightsPath(manifest);
    }

    /// <summary>One line to the log per minute of training, so a long grid shows it is alive.</summary>
    private sealed class PeriodicProgress(TextWriter log, string label) : IProgress<EpochMetrics>
    {
        private static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);
        private readonly Stopwatch _sinceLine = Stopwatch.StartNew();
        private (int Epoch, double Mae) _best = (0, double.PositiveInfinity);

        public void Report(EpochMetrics value)
        {
            if (value.Improved)
            {
                _best = (value.Epoch, value.ValidationMae);
            }
            if (_sinceLine.Elapsed >= Interval)
            {
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {label}: epoch {value.Epoch}, validation MAE {value.ValidationMae:G4} (best {_best.Mae:G4} at epoch {_best.Epoch}), {value.Seconds:F0} s"));
                _sinceLine.Restart();
            }
        }
    }
}

/// <summary>One fitted or trained candidate of a method, with its scores on every split.</summary>
internal sealed record Fitted
{
    public string Name { get; init; } = "";

    public double TrainMae { get; init; }

    public double ValidationMae { get; init; }

    public double TestMae { get; init; }

    public int TrainRows { get; init; }

    public int ValidationRows { get; init; }

    public int TestRows { get; init; }

    public int DroppedRows { get; init; }

    public int? Epochs { get; init; }

    public int? BestEpoch { get; init; }

    public string? StopReason { get; init; }

    /// <summary>Its whole training time, earlier sessions included.</summary>
    public double Seconds { get; init; }

    /// <summary>Time spent on it by earlier grid runs (a resumed or reused network), which this run's clock did not see.</summary>
    public double SecondsBefore { get; init; }

    public string Device { get; init; } = "";

    public RunConfig? Run { get; init; }

    /// <summary>Its validation and test predictions; not in the candidate file (a network's run folder keeps them as predictions_&lt;split&gt;.csv).</summary>
    [JsonIgnore]
    public ResultPredictions? Predictions { get; init; }

    /// <summary>A network's validation MAE per epoch; not in the candidate file (its run folder's metrics.csv has it).</summary>
    [JsonIgnore]
    public ResultHistory? History { get; init; }

    /// <summary>A zoo method's screening of its sources (its run folder's screening.json); null for the others.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ScreeningFile? Screening { get; init; }
}

/// <summary>A finished network's record in its run folder, with the budget it had.</summary>
internal sealed record TrainedCandidate(Fitted Fitted, ResultBudget Budget);
