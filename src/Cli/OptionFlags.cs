using CrossPropertyILGPU.Transfer;
using CrossPropertyILGPU.Transfer.Reports;
using CrossPropertyILGPU.Transfer.Reproduce;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Cli;

/// <summary>
/// The command-line flag of each option the library names by property (<see cref="OptionException.Option"/>,
/// <see cref="RunConfig.OptionOfKey"/>): the one place where the library's vocabulary meets the
/// CLI's, so errors and config files speak in flags while the library never does.
/// </summary>
internal static class OptionFlags
{
    private static readonly Dictionary<string, string> FlagOf = new(StringComparer.Ordinal)
    {
        [nameof(TrainRunOptions.TrainPaths)] = "--train",
        [nameof(TrainRunOptions.ValidationPath)] = "--val",
        [nameof(TrainRunOptions.ValidationFraction)] = "--val-fraction",
        [nameof(TrainRunOptions.SplitsPath)] = "--splits",
        [nameof(TrainRunOptions.TestPath)] = "--test",
        [nameof(TrainRunOptions.FormulaColumn)] = "--formula-column",
        [nameof(TrainRunOptions.TargetColumn)] = "--target",
        [nameof(TrainRunOptions.Features)] = "--features",
        [nameof(TrainRunOptions.InputScaling)] = "--input-scaling",
        [nameof(TrainRunOptions.OnUnsupported)] = "--on-unsupported",
        [nameof(TrainRunOptions.MinElements)] = "--min-elements",
        [nameof(TrainRunOptions.Architecture)] = "--arch",
        [nameof(TrainRunOptions.SourceModel)] = "--source",
        [nameof(TrainRunOptions.ReinitializeLast)] = "--reinit-last",
        [nameof(TrainRunOptions.FreezeDenseLayers)] = "--freeze",
        [nameof(TrainRunOptions.KeepProbabilities)] = "--keep-probabilities",
        [nameof(TrainRunOptions.BatchSize)] = "--batch-size",
        [nameof(TrainRunOptions.LearningRate)] = "--lr",
        [nameof(TrainRunOptions.LearningRateSchedule)] = "--lr-schedule",
        [nameof(TrainRunOptions.LearningRateFactor)] = "--lr-factor",
        [nameof(TrainRunOptions.LearningRatePatience)] = "--lr-patience",
        [nameof(TrainRunOptions.LearningRateFloor)] = "--lr-floor",
        [nameof(TrainRunOptions.WarmupEpochs)] = "--warmup-epochs",
        [nameof(TrainRunOptions.WeightDecay)] = "--weight-decay",
        [nameof(TrainRunOptions.SourceDecay)] = "--l2-sp",
        [nameof(TrainRunOptions.TrunkRateScale)] = "--trunk-lr-scale",
        [nameof(TrainRunOptions.HeadOnlyEpochs)] = "--head-epochs",
        [nameof(TrainRunOptions.FinalLearningRate)] = "--final-lr",
        [nameof(TrainRunOptions.MaxEpochs)] = "--max-epochs",
        [nameof(TrainRunOptions.Patience)] = "--patience",
        [nameof(TrainRunOptions.TimeLimit)] = "--time-limit",
        [nameof(TrainRunOptions.Loss)] = "--loss",
        [nameof(TrainRunOptions.TargetScaling)] = "--target-scaling",
        [nameof(TrainRunOptions.Device)] = "--device",
        [nameof(TrainRunOptions.Gemm)] = "--gemm",
        [nameof(TrainRunOptions.Seed)] = "--seed",
        [nameof(TrainRunOptions.OutputDirectory)] = "--out",
        [nameof(TrainRunOptions.Resume)] = "--resume",
        [nameof(TrainRunOptions.CheckpointEvery)] = "--checkpoint-every",
        [nameof(TrainRunOptions.CheckpointInterval)] = "--checkpoint-interval",
        [ScreeningBudget.StrategyOption] = "--screen",
        [ScreeningBudget.EpochsOption] = "--screen-epochs",
        [nameof(ReproduceOptions.Sources)] = "--sources",
        ["Folds"] = "--folds",
        ["Ensemble"] = "--ensemble",
        ["Model"] = "--model",
        ["Layer"] = "--layer",
        ["InputPaths"] = "--input",
        [nameof(LearningCurveOptions.Fractions)] = "--fractions",
        [nameof(LearningCurveOptions.DataFolder)] = "--data",
        [nameof(ReproduceOptions.DataRoot)] = "--data",
        [nameof(ReproduceOptions.Datasets)] = "--datasets",
        [nameof(ReproduceOptions.ResultsDirectory)] = "--results",
        [nameof(ReproduceOptions.Methods)] = "--methods",
        [nameof(ReproduceOptions.ClassicalModels)] = "--ml-models",
        [nameof(ReproduceOptions.LargeClassicalModels)] = "--large-ml-models",
        [nameof(ReproduceOptions.FeatureLayers)] = "--feature-layers",
        [nameof(GridTask.TaskIndex)] = "--task-index",
        [nameof(GridTask.TaskCount)] = "--task-count",
        ["LargeMaxEpochs"] = "--large-max-epochs",
        ["LargePatience"] = "--large-patience",
        ["LargeTimeLimit"] = "--large-time-limit",
        [nameof(Transfer.Fit.FitOptions.Budget)] = "--budget",
        [nameof(Transfer.Fit.FitOptions.Candidates)] = "--candidates",
    };

    /// <summary>The options of <see cref="TrainRunOptions"/> no flag sets (the folds' in-memory split).</summary>
    public static IReadOnlySet<string> WithoutFlag { get; } = new HashSet<string>(StringComparer.Ordinal) { nameof(TrainRunOptions.Splits) };

    /// <summary>The flag of option <paramref name="option"/> (a property name); the name itself when it has none.</summary>
    public static string Of(string option) => FlagOf.GetValueOrDefault(option, option);

    /// <summary>The option (property name) whose flag is <paramref name="flag"/>; null when none.</summary>
    public static string? OptionOf(string flag) => FlagOf.FirstOrDefault(p => p.Value == flag).Key;

    /// <summary>True when <paramref name="option"/> has a flag.</summary>
    public static bool Has(string option) => FlagOf.ContainsKey(option);

    /// <summary>An option error as the command line user sees it: "<c>--flag value: problem</c>".</summary>
    public static string Describe(OptionException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return OptionException.Format(Of(error.Option), error.Value, error.Problem);
    }
}
