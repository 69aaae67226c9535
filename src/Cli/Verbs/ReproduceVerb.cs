using System.CommandLine;
using System.Globalization;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer;
using CrossPropertyILGPU.Transfer.Baselines;
using CrossPropertyILGPU.Transfer.Reproduce;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Cli.Verbs;

/// <summary><c>reproduce</c>: the paper's experiment grid into result files, and <c>--report</c> to docs/results.md.</summary>
internal static class ReproduceVerb
{
    public static Command Create()
    {
        var datasets = new Option<string>("--datasets") { Description = "all, or comma-separated data set folders under --data (e.g. exfoliation_energy,expt_deltae).", DefaultValueFactory = _ => "all" };
        var methods = new Option<string>("--methods")
        {
            Description = $"all (the paper's nine and the ensembles), paper (the nine), or a comma-separated list of {string.Join(", ", ReproduceMethods.All.Select(m => m.Name()))} (or the paper's spelling, e.g. TL:FineTune). "
                + "The ensembles train nothing: they average their members' recorded predictions.",
            DefaultValueFactory = _ => "all",
        };
        var results = new Option<string>("--results") { Description = "Results folder: <set>/splits.json and <set>/<method>.json.", DefaultValueFactory = _ => ReproduceOptions.DefaultResults };
        var work = new Option<string>("--work") { Description = "Folder for run folders and extracted features (not results; safe to delete once a grid is done).", DefaultValueFactory = _ => ReproduceOptions.DefaultWork };
        var data = new Option<string>("--data") { Description = "Folder of data sets, one <name>/<name>_training_set.csv and _test_set.csv each.", DefaultValueFactory = _ => ReproduceOptions.DefaultDataRoot };
        var source = new Option<string>("--source") { Description = "Source model of the TL methods.", DefaultValueFactory = _ => ReproduceOptions.DefaultSource };
        var sources = new Option<string?>("--sources")
        {
            Description = "Source models, comma-separated, to choose from per set: tl-finetune and tl-modfinetune then also run as tl-finetune-zoo and tl-modfinetune-zoo "
                + "(their own result files), fine-tuning the source a screening on the set's validation split chose (--screen, --screen-epochs). Default: none (the paper's grid only).",
        };
        var screen = new Option<string>("--screen")
        {
            Description = $"With --sources: {Vocabulary.Screening.Listing} screening.",
            DefaultValueFactory = _ => ScreeningBudget.Default.Strategy.ToName(),
        };
        var screenEpochs = new Option<int>("--screen-epochs") { Description = "With --sources: the screening budget in epochs.", DefaultValueFactory = _ => ScreeningBudget.DefaultEpochs };
        var arch = new Option<string?>("--arch") { Description = "Architecture of the networks trained from scratch (SC:DL, TL:DL(FeatExtr)); default ElemNet's." };
        var layers = new Option<string>("--feature-layers")
        {
            Description = "Source hidden layer(s), 1-based, whose activations feed the FeatExtr methods; with several, the best on validation is kept.",
            DefaultValueFactory = _ => ReproduceOptions.DefaultFeatureLayer.ToString(CultureInfo.InvariantCulture),
        };
        var mlModels = new Option<string>("--ml-models") { Description = "Classical models of SC:ML and TL:ML(FeatExtr), comma-separated (rf, gbm); the best on validation is kept.", DefaultValueFactory = _ => "rf,gbm" };
        var maxEpochs = new Option<int>("--max-epochs") { Description = "Epoch limit per network.", DefaultValueFactory = _ => TrainingBudget.Paper.MaxEpochs };
        var patience = new Option<int>("--patience") { Description = "Early-stopping patience per network (validation MAE).", DefaultValueFactory = _ => TrainingBudget.Paper.Patience };
        var timeLimit = new Option<double?>("--time-limit") { Description = "Wall-time limit per network, seconds (default: none)." };
        var largeRows = new Option<int>("--large-rows") { Description = "Training rows from which a set takes the --large-* budget and models.", DefaultValueFactory = _ => ReproduceOptions.DefaultLargeRows };
        var largeMaxEpochs = new Option<int>("--large-max-epochs") { Description = "Epoch limit per network on large sets.", DefaultValueFactory = _ => TrainingBudget.Large.MaxEpochs };
        var largePatience = new Option<int>("--large-patience") { Description = "Patience per network on large sets.", DefaultValueFactory = _ => TrainingBudget.Large.Patience };
        var largeTimeLimit = new Option<double?>("--large-time-limit") { Description = "Wall-time limit per network on large sets, seconds (default: none)." };
        var largeMlModels = new Option<string>("--large-ml-models") { Description = "Classical models of SC:ML and TL:ML(FeatExtr) on large sets (a forest on 1,024 extracted features costs an hour there).", DefaultValueFactory = _ => "gbm" };
        var keepModels = new Option<bool>("--keep-models") { Description = "Keep each network's model.safetensors in its run folder." };
        var report = new Option<bool>("--report") { Description = "Write the report (docs/results.md) from the result files instead of running the grid." };
        var reportOutput = new Option<string>("--output") { Description = "With --report: the markdown file to write.", DefaultValueFactory = _ => ResultsReport.DefaultOutput };
        var paper = new Option<string>("--paper") { Description = "With --report: folder of the paper's tables (table4.csv, table5.csv).", DefaultValueFactory = _ => PaperTables.DefaultFolder };
        var taskIndex = new Option<int?>("--task-index")
        {
            Description = $"Run only this task's share of the grid, 0 to --task-count - 1 (the pairs are dealt round-robin; the ensembles are left to a run without a task index afterwards). Default: {GridTask.SlurmTaskId} in a Slurm array, {GridTask.KubernetesCompletionIndex} in a Kubernetes Indexed Job.",
        };
        var taskCount = new Option<int?>("--task-count")
        {
            Description = $"How many tasks the grid is split across; recorded in the results folder, and a task with another count stops. Default in a Slurm array: {GridTask.SlurmTaskCount} (or from {GridTask.SlurmTaskMin}/{GridTask.SlurmTaskMax}); give it in a Kubernetes Indexed Job (the Job's completions).",
        };
        var (device, seed) = (CommonOptions.Device(), CommonOptions.Seed());
        var schedule = new ScheduleOptions();
        var regularization = new RegularizationOptions();
        var finetuneBatch = new Option<int>("--batch-size") { Description = "Samples per step of the fine-tuned networks (tl-finetune, tl-modfinetune); the others keep ElemNet's 32.", DefaultValueFactory = _ => FineTuneRecipe.PaperBatchSize };
        var finetuneRate = new Option<float>("--lr") { Description = "Base learning rate of the fine-tuned networks (tl-finetune, tl-modfinetune); the others keep ElemNet's 1e-4.", DefaultValueFactory = _ => TrainRunOptions.DefaultLearningRate };
        var keep = new Option<string?>("--keep-probabilities") { Description = "Dropout keep probabilities while fine-tuning (tl-finetune, tl-modfinetune), one per dropout block, e.g. 0.8,0.9,0.7,0.8 (ElemNet's). Default: the source model's (none for the shipped sources)." };

        var command = new Command("reproduce", "Run the paper's experiment grid (data sets × methods) into result files, resumably; --report writes docs/results.md from them.");
        foreach (var option in new Option[]
        {
            datasets, methods, results, work, data, source, arch, layers, mlModels, maxEpochs, patience, timeLimit,
            largeRows, largeMaxEpochs, largePatience, largeTimeLimit, largeMlModels, keepModels, device, seed, report, reportOutput, paper,
            keep, finetuneBatch, finetuneRate, taskIndex, taskCount, sources, screen, screenEpochs,
        }.Concat(schedule.All).Concat(regularization.All))
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellation) => Task.FromResult(CliApp.Guard(parse, () =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(report))
            {
                var output = parse.GetValue(reportOutput)!;
                ResultsReport.Write(parse.GetValue(results)!, parse.GetValue(paper)!, output);
                stdout.WriteLine(output);
                return CliApp.Success;
            }
            var budget = new TrainingBudget(parse.GetValue(maxEpochs), parse.GetValue(patience), Seconds(parse.GetValue(timeLimit)));
            var large = new TrainingBudget(parse.GetValue(largeMaxEpochs), parse.GetValue(largePatience), Seconds(parse.GetValue(largeTimeLimit)));
            var datasetText = parse.GetValue(datasets)!;
            var learningRateSchedule = schedule.Read(parse);
            // Flags win; a Slurm array task or an Indexed Job's pod finds its share in its environment.
            var gridTask = GridTask.Resolve(parse.GetValue(taskIndex), parse.GetValue(taskCount), Environment.GetEnvironmentVariable);
            var entries = GridProgress.Run(parse.InvocationConfiguration.Error, (log, progress) => ReproduceRun.Run(new ReproduceOptions
            {
                DataRoot = parse.GetValue(data)!,
                Datasets = datasetText.Equals("all", StringComparison.OrdinalIgnoreCase) ? null : TargetDataset.SplitNames(datasetText),
                Methods = ReproduceMethods.ParseList(parse.GetValue(methods)!),
                ResultsDirectory = parse.GetValue(results)!,
                WorkDirectory = parse.GetValue(work)!,
                SourceModel = parse.GetValue(source)!,
                Sources = parse.GetValue(sources) is { } zoo ? TargetDataset.SplitNames(zoo) : null,
                Screening = new ScreeningBudget(Vocabulary.Screening.Parse(parse.GetValue(screen)!), parse.GetValue(screenEpochs)),
                Architecture = parse.GetValue(arch),
                FeatureLayers = ParseLayers(parse.GetValue(layers)!),
                ClassicalModels = ParseModels(parse.GetValue(mlModels)!, "--ml-models"),
                LargeClassicalModels = ParseModels(parse.GetValue(largeMlModels)!, "--large-ml-models"),
                Budget = budget,
                LargeBudget = large,
                LargeRows = parse.GetValue(largeRows),
                Device = CommonOptions.ParseDevice(parse.GetValue(device)!),
                Seed = parse.GetValue(seed),
                KeepModels = parse.GetValue(keepModels),
                GridTask = gridTask,
                Schedule = learningRateSchedule,
                FineTuning = new FineTuneRecipe
                {
                    Regularization = regularization.Read(parse),
                    KeepProbabilities = TrainVerb.ParseKeep(parse.GetValue(keep)),
                    BatchSize = parse.GetValue(finetuneBatch),
                    LearningRate = parse.GetValue(finetuneRate),
                },
            }, log, progress, cancellation));
            WriteTable(stdout, entries);
            // How often a device was set up: once per (device, GEMM) for the whole grid.
            parse.InvocationConfiguration.Error.WriteLine(
                $"backends created: {BackendPool.Created}, ILGPU kernels compiled: {BackendPool.KernelsCompiled}");
            // An ensemble whose members cannot be averaged yet is not a failure: the log said why.
            var notComputable = entries.Count(e => e.Outcome == GridOutcome.NotComputable);
            if (notComputable > 0)
            {
                parse.InvocationConfiguration.Error.WriteLine(
                    $"{notComputable} ensemble(s) not computable (n/a); the log above says why, and a later run derives them once their members have results with predictions.");
            }
            var failed = entries.Count(e => e.Outcome == GridOutcome.Failed);
            if (failed > 0)
            {
                parse.InvocationConfiguration.Error.WriteLine(
                    $"{failed} method(s) failed; their result files record why, and the next run tries them again.");
            }
            return failed > 0 ? CliApp.RuntimeFailure : CliApp.Success;
        })));
        return command;
    }

    private static TimeSpan? Seconds(double? seconds) => seconds is { } s ? TimeSpan.FromSeconds(s) : null;

    private static List<int> ParseLayers(string text) =>
        [.. TargetDataset.SplitNames(text).Select(part => int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            ? k
            : throw new UsageException($"--feature-layers {text}: give 1-based hidden layer numbers, comma-separated (e.g. 15 or 4,15)."))];

    private static List<BaselineModel> ParseModels(string text, string option)
    {
        try
        {
            return [.. TargetDataset.SplitNames(text).Select(BaselineModels.Parse).Distinct()];
        }
        catch (OptionException e)
        {
            throw new UsageException($"{option} {text}: '{e.Value}': {e.Problem}", e);
        }
    }

    private static void WriteTable(TextWriter output, IReadOnlyList<GridEntry> entries)
    {
        var table = new ResultTable(
            new("data set", 20, LeftAligned: true), new("method", 16, LeftAligned: true), new("outcome", 8, LeftAligned: true),
            new("test MAE", 10), new("val MAE", 10), new("epochs", 7), new("seconds", 8));
        foreach (var entry in entries)
        {
            var r = entry.Result;
            static string Value(double? v) => v is { } x ? Report.Cell(x, "G5") : "-";
            table.Add(
                entry.Dataset, entry.Method.Name(), GridProgress.Outcome(entry.Outcome),
                Value(r?.TestMae), Value(r?.ValidationMae), r?.Epochs is { } e ? Report.Cell(e) : "-", r is null ? "-" : Report.Cell(r.Seconds, "F1"));
        }
        table.Write(output);
    }
}
