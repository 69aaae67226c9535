using System.CommandLine;
using System.Globalization;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Network.Spec;
using CrossPropertyILGPU.Transfer;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Cli.Verbs;

/// <summary>Defaults that differ between <c>train</c> and <c>pretrain</c>.</summary>
internal sealed record TrainDefaults(string Verb, string Description, double ValidationFraction, int MaxEpochs, int Patience, bool FromSource = false)
{
    /// <summary>ElemNet's scratch training (docs/PAPER.md §1).</summary>
    public static TrainDefaults Train { get; } = new("train",
        "Train ElemNet from scratch; writes the run folder and prints train/validation/test metrics.", 0.1, 4000, 200);

    /// <summary>
    /// A source model on 100k+ compositions: each epoch is ~3,000 steps, so a much smaller patience
    /// (in epochs) matches ElemNet's patience in steps, and 5 % of the data is plenty for validation.
    /// </summary>
    public static TrainDefaults Pretrain { get; } = new("pretrain",
        "Train a source model on one or more large files (e.g. OQMD/MP formation energies); same options as train.", 0.05, 1000, 20);

    /// <summary>Fine-tuning: the scratch budgets (the paper trained both the same way) plus the source options.</summary>
    public static TrainDefaults Finetune { get; } = new("finetune",
        "Start from a source model's weights and train on a target set (FineTune; --reinit-last for ModFineTune; --freeze K).", 0.1, 4000, 200, FromSource: true);
}

/// <summary><c>train</c> and <c>pretrain</c>: train ElemNet from scratch on data files and write a run folder.</summary>
internal static class TrainVerb
{
    public static Command Create(TrainDefaults defaults)
    {
        var train = new Option<string[]>("--train")
        {
            Description = "Training CSV(s) (formula and target columns); repeat or list several to combine them. Required unless --resume or given by --config.",
            AllowMultipleArgumentsPerToken = true,
        };
        var val = new Option<string?>("--val") { Description = "Validation CSV; default: carve --val-fraction of --train with the seed." };
        var valFraction = new Option<double>("--val-fraction") { Description = "Share of --train used for validation when --val is not given.", DefaultValueFactory = _ => defaults.ValidationFraction };
        var test = new Option<string?>("--test") { Description = "Test CSV, evaluated once after training (never used to select the model). Default: none." };
        var features = new Option<string>("--features") { Description = "Input features: ef (elemental fractions), pa (145 physical attributes), or a feature CSV written by extract (rows looked up by formula).", DefaultValueFactory = _ => "ef" };
        var inputScaling = new Option<string>("--input-scaling") { Description = "Standardise each input column with the training split's mean and std, stored with the model: auto (pa only), standard or none. Fine-tuning keeps the source's.", DefaultValueFactory = _ => InputScaling.Auto.ToName() };
        var arch = new Option<string?>("--arch") { Description = $"ElemNet architecture string (default: {ElemNetSpec.Default}, or the source model's)." };
        var source = new Option<string?>("--source")
        {
            Description = "Source model: run folder, model.json or model.safetensors; several, comma-separated, are screened on the validation split "
                + "(--screen, --screen-epochs; in --out/screening, scores in screening.json) and the best is fine-tuned at the full budget. Required unless --resume or given by --config.",
        };
        var screen = new Option<string>("--screen")
        {
            Description = $"With several --source models: {Vocabulary.Screening.Listing}. fixed: every source trains --screen-epochs; successive-halving: every source starts on a fraction of them, the worse half is dropped after each round, and the last two train them all.",
            DefaultValueFactory = _ => ScreeningBudget.Default.Strategy.ToName(),
        };
        var screenEpochs = new Option<int>("--screen-epochs") { Description = "With several --source models: the screening budget in epochs.", DefaultValueFactory = _ => ScreeningBudget.DefaultEpochs };
        var resume = new Option<string?>("--resume") { Description = "Continue the run in this folder from its last checkpoint (its config.json gives the options, the learning-rate schedule included; --max-epochs, --patience, --time-limit, --device and, for this session, --lr (the schedule's base rate) may be changed). Default: none (a new run)." };
        var onUnsupported = new Option<string>("--on-unsupported") { Description = "Rows whose formula cannot be used: skip (reported) or error.", DefaultValueFactory = _ => UnsupportedRowAction.Skip.ToName() };
        var minElements = new Option<int>("--min-elements") { Description = "Skip compositions with fewer distinct elements (the paper used 2).", DefaultValueFactory = _ => 1 };
        var splits = new Option<string?>("--splits") { Description = "Reuse the train/validation rows of a splits.json (e.g. from an earlier run folder). Default: none (a fresh split)." };
        var folds = new Option<int?>("--folds") { Description = "K-fold cross-validation over the training rows: K runs in --out/fold-k, then mean ± std of the fold MAEs. Default: none (one run)." };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Write checkpoint.safetensors (weights, Adam state, best so far, counters) every N epochs and at the last; 0 = never.", DefaultValueFactory = _ => 1 };
        var checkpointInterval = new Option<double>("--checkpoint-interval") { Description = "At least this many seconds between two checkpoints (for sub-second epochs; a crash may then lose that much work).", DefaultValueFactory = _ => 0 };
        var reinitLast = new Option<bool>("--reinit-last") { Description = "Replace the source's output layer with a freshly initialised one (ModFineTune); a source with several outputs always gets one. Default: off." };
        var freeze = new Option<int>("--freeze") { Description = "Keep the first K dense layers fixed.", DefaultValueFactory = _ => 0 };
        var keep = new Option<string?>("--keep-probabilities") { Description = "Comma-separated dropout keep probabilities, one per D block (default: ElemNet's 0.8,0.9,0.7,0.8; 1 disables a dropout)." };
        var batch = new Option<int>("--batch-size") { Description = "Samples per step.", DefaultValueFactory = _ => 32 };
        var lr = new Option<float>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-4f };
        var maxEpochs = new Option<int>("--max-epochs") { Description = "Epoch limit.", DefaultValueFactory = _ => defaults.MaxEpochs };
        var patience = new Option<int>("--patience") { Description = "Stop after this many epochs without a better validation MAE.", DefaultValueFactory = _ => defaults.Patience };
        var timeLimit = new Option<double?>("--time-limit") { Description = "Wall-time limit in seconds; an epoch it cuts short is discarded, and --resume redoes it. Default: none." };
        var loss = new Option<string>("--loss") { Description = $"Training loss: {Vocabulary.Loss.Listing}.", DefaultValueFactory = _ => LossKind.Mae.ToName() };
        var scaling = new Option<string>("--target-scaling") { Description = "standard (train on standardised targets) or none (raw targets, as ElemNet). FineTune without --reinit-last keeps the source model's scaling with its output layer (recorded as source).", DefaultValueFactory = _ => TargetScaling.Standard.ToName() };
        var ensemble = new Option<int>("--ensemble") { Description = "Train N models with seeds seed, seed+1, … on the same split (in --out/member-k); predictions get the members' mean and a std column. 1 = a single model.", DefaultValueFactory = _ => 1 };
        var config = new Option<string?>(ConfigFile.OptionName) { Description = "JSON file of option values (keys: option names, e.g. max-epochs or max_epochs; a run folder's config.json works as is); options on the command line override it. Default: none." };
        var output = new Option<string?>("--out") { Description = $"Run folder to create (default: runs/{defaults.Verb}-<timestamp>)." };
        var (device, seed, quiet, formulaColumn, target) = (CommonOptions.Device(), CommonOptions.Seed(), CommonOptions.Quiet(), CommonOptions.FormulaColumn(), CommonOptions.Target());
        var gemm = CommonOptions.Gemm();
        var schedule = new ScheduleOptions();
        var regularization = new RegularizationOptions();

        var command = new Command(defaults.Verb, defaults.Description);
        Option[] sourceOptions = defaults.FromSource ? [source, reinitLast, freeze, screen, screenEpochs] : [];
        foreach (var option in new Option[] { train, val, valFraction, test, features, inputScaling, arch, keep, batch, lr, maxEpochs, patience, timeLimit, loss, scaling, device, gemm, seed, output, formulaColumn, target, onUnsupported, minElements, splits, folds, resume, checkpointEvery, checkpointInterval, quiet, ensemble, config }.Concat(schedule.All).Concat(regularization.All).Concat(sourceOptions))
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellation) => Task.FromResult(CliApp.Guard(parse, () =>
        {
            bool Given(Option option) => parse.GetResult(option) is { Implicit: false };
            TrainRunOptions options;
            // Several sources are screened; one is fine-tuned as always (and a resumed run has one).
            var sources = defaults.FromSource && parse.GetValue(resume) is null ? SplitSources(parse.GetValue(source)) : [];
            var budget = defaults.FromSource ? new ScreeningBudget(Vocabulary.Screening.Parse(parse.GetValue(screen)!), parse.GetValue(screenEpochs)) : ScreeningBudget.Default;
            if (parse.GetValue(resume) is { } folder)
            {
                var saved = TrainRunOptions.FromRunFolder(folder);
                options = saved with
                {
                    MaxEpochs = Given(maxEpochs) ? parse.GetValue(maxEpochs) : saved.MaxEpochs,
                    Patience = Given(patience) ? parse.GetValue(patience) : saved.Patience,
                    TimeLimit = Given(timeLimit) && parse.GetValue(timeLimit) is { } limit ? TimeSpan.FromSeconds(limit) : saved.TimeLimit,
                    Device = Given(device) ? CommonOptions.ParseDevice(parse.GetValue(device)!) : saved.Device,
                    // For this session only: the way on after a divergence (exit code 3). The
                    // schedule (from config.json) is kept, with this as its base rate.
                    LearningRate = Given(lr) ? parse.GetValue(lr) : saved.LearningRate,
                    Gemm = Given(gemm) ? CommonOptions.ParseGemm(parse.GetValue(gemm)!) : saved.Gemm,
                    CheckpointEvery = parse.GetValue(checkpointEvery),
                    CheckpointInterval = CheckpointInterval(parse.GetValue(checkpointInterval)),
                };
            }
            else
            {
                if (parse.GetValue(train) is not { Length: > 0 })
                {
                    throw new UsageException("--train is required (or --resume RUN to continue a run).");
                }
                if (defaults.FromSource && parse.GetValue(source) is null)
                {
                    throw new UsageException("--source is required: the model to fine-tune (run folder, model.json or model.safetensors).");
                }
                options = new TrainRunOptions
                {
                    TrainPaths = parse.GetValue(train)!,
                    ValidationPath = parse.GetValue(val),
                    ValidationFraction = parse.GetValue(valFraction),
                    TestPath = parse.GetValue(test),
                    FormulaColumn = parse.GetValue(formulaColumn),
                    TargetColumn = parse.GetValue(target),
                    Features = parse.GetValue(features)!,
                    InputScaling = Vocabulary.InputScaling.Parse(parse.GetValue(inputScaling)!),
                    Architecture = parse.GetValue(arch),
                    SourceModel = defaults.FromSource && sources.Length == 1 ? sources[0] : null,
                    ReinitializeLast = defaults.FromSource && parse.GetValue(reinitLast),
                    FreezeDenseLayers = defaults.FromSource ? parse.GetValue(freeze) : 0,
                    KeepProbabilities = ParseKeep(parse.GetValue(keep)),
                    BatchSize = parse.GetValue(batch),
                    LearningRate = parse.GetValue(lr),
                    MaxEpochs = parse.GetValue(maxEpochs),
                    Patience = parse.GetValue(patience),
                    TimeLimit = parse.GetValue(timeLimit) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                    Loss = Vocabulary.Loss.Parse(parse.GetValue(loss)!),
                    // 'source' (what a FineTune run's config.json records) is checked by the run:
                    // only FineTune keeps the source model's scaling.
                    TargetScaling = Vocabulary.TargetScaling.Parse(parse.GetValue(scaling)!),
                    Device = CommonOptions.ParseDevice(parse.GetValue(device)!),
                    Gemm = CommonOptions.ParseGemm(parse.GetValue(gemm)!),
                    Seed = parse.GetValue(seed),
                    OutputDirectory = parse.GetValue(output) ?? RunFolder.DefaultPath(defaults.Verb),
                    CheckpointEvery = parse.GetValue(checkpointEvery) is var every and >= 0 ? every : throw new UsageException("--checkpoint-every must be 0 (never) or more."),
                    CheckpointInterval = CheckpointInterval(parse.GetValue(checkpointInterval)),
                    SplitsPath = parse.GetValue(splits),
                    OnUnsupported = Vocabulary.OnUnsupported.Parse(parse.GetValue(onUnsupported)!),
                    MinElements = parse.GetValue(minElements) is var n and >= 1 ? n : throw new UsageException("--min-elements must be at least 1."),
                }.WithSchedule(schedule.Read(parse)).WithRegularization(regularization.Read(parse));
            }
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            if (sources.Length > 1)
            {
                if (parse.GetValue(ensemble) != 1 || parse.GetValue(folds) is not null)
                {
                    throw new UsageException("several --source models are screened for one run; --ensemble and --folds take one source.");
                }
                var screened = EpochProgress.Run(stderr, parse.GetValue(quiet), options.MaxEpochs,
                    (log, progress) => SourceScreening.Run(options, sources, budget, log, progress, cancellation));
                Report.Screening(stdout, screened.Screening);
                Report.Training(stdout, screened.Final);
                return cancellation.IsCancellationRequested ? CliApp.Interrupted : CliApp.Success;
            }
            if (parse.GetValue(ensemble) is var members and not 1)
            {
                if (parse.GetValue(folds) is not null || parse.GetValue(resume) is not null)
                {
                    throw new UsageException("--ensemble cannot be combined with --folds or --resume.");
                }
                Report.Ensemble(stdout, Ensemble.Run(options, members, stderr, new EpochLine(stderr), cancellation));
                return cancellation.IsCancellationRequested ? CliApp.Interrupted : CliApp.Success;
            }
            if (parse.GetValue(folds) is { } k)
            {
                Report.Folds(stdout, CrossValidation.Run(options, k, stderr, cancellation));
                return cancellation.IsCancellationRequested ? CliApp.Interrupted : CliApp.Success;
            }
            var summary = EpochProgress.Run(stderr, parse.GetValue(quiet), options.MaxEpochs,
                (log, progress) => TrainingRun.Run(options, log, progress, cancellation));
            Report.Training(stdout, summary);
            return cancellation.IsCancellationRequested ? CliApp.Interrupted : CliApp.Success;
        })));
        return command;
    }

    // "a, b" → [a, b]: --source takes one model or a comma-separated list (paths with commas cannot be listed).
    private static string[] SplitSources(string? text) =>
        text is null ? [] : text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static TimeSpan CheckpointInterval(double seconds) =>
        double.IsFinite(seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new UsageException($"--checkpoint-interval {seconds}: give seconds, 0 or more.");

    internal static float[]? ParseKeep(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return parts.Select(p => float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0f && v <= 1f
            ? v
            : throw new UsageException($"--keep-probabilities: '{p}' is not a probability in (0, 1].")).ToArray();
    }
}
