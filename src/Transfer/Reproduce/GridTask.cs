using System.Globalization;

namespace CrossPropertyILGPU.Transfer.Reproduce;

/// <summary>
/// One task of a grid split across <see cref="TaskCount"/> tasks (a Slurm job array, a Kubernetes
/// Indexed Job, or processes started by hand): it runs the (data set, method) pairs that
/// <see cref="GridPartition"/> deals to <see cref="TaskIndex"/>, and no others.
/// </summary>
/// <remarks>
/// The index is the array task's ID itself, so an array is submitted as <c>--array=0-(N-1)</c>, and
/// some of its tasks can be run again on their own (<c>--array=3,5</c>) with the whole array's count
/// given explicitly. Where the scheduler gives the count as well, it must describe exactly that
/// array (IDs 0 to count − 1), or a task would take another's pairs and leave its own.
/// </remarks>
public sealed record GridTask
{
    /// <summary>Slurm's ID of the array task (its index here).</summary>
    public const string SlurmTaskId = "SLURM_ARRAY_TASK_ID";

    /// <summary>Slurm's number of tasks in the array (Slurm 18.08 and later).</summary>
    public const string SlurmTaskCount = "SLURM_ARRAY_TASK_COUNT";

    /// <summary>Slurm's lowest task ID of the array.</summary>
    public const string SlurmTaskMin = "SLURM_ARRAY_TASK_MIN";

    /// <summary>Slurm's highest task ID of the array.</summary>
    public const string SlurmTaskMax = "SLURM_ARRAY_TASK_MAX";

    /// <summary>Kubernetes' index of the pod in an Indexed Job (0 to completions − 1); the Job's completions are not in the pod's environment.</summary>
    public const string KubernetesCompletionIndex = "JOB_COMPLETION_INDEX";

    private GridTask(int taskIndex, int taskCount, string indexSource, string countSource)
    {
        TaskIndex = taskIndex;
        TaskCount = taskCount;
        IndexSource = indexSource;
        CountSource = countSource;
    }

    /// <summary>This task's index, 0 to <see cref="TaskCount"/> − 1.</summary>
    public int TaskIndex { get; }

    /// <summary>How many tasks the grid is split across.</summary>
    public int TaskCount { get; }

    /// <summary>Where the index came from: the option <c>TaskIndex</c> or an environment variable's name.</summary>
    public string IndexSource { get; }

    /// <summary>Where the count came from: the option <c>TaskCount</c> or an environment variable's name.</summary>
    public string CountSource { get; }

    /// <summary>Task <paramref name="taskIndex"/> of <paramref name="taskCount"/>, both given as options.</summary>
    /// <exception cref="OptionException">A count below 1, or an index outside 0 to count − 1.</exception>
    public static GridTask Of(int taskIndex, int taskCount) =>
        Resolve(taskIndex, taskCount, _ => null) ?? throw new InvalidOperationException("Both values were given.");

    /// <summary>
    /// The task this process is: the options where given, otherwise the scheduler's environment
    /// (<see cref="SlurmTaskId"/> with <see cref="SlurmTaskCount"/> or <see cref="SlurmTaskMin"/>/<see cref="SlurmTaskMax"/>;
    /// <see cref="KubernetesCompletionIndex"/>, whose count must be given); null when neither says
    /// anything, so the process runs the whole grid.
    /// </summary>
    /// <param name="taskIndex">The <c>TaskIndex</c> option, or null.</param>
    /// <param name="taskCount">The <c>TaskCount</c> option, or null.</param>
    /// <param name="environment">Reads an environment variable (null when unset); <see cref="Environment.GetEnvironmentVariable(string)"/> outside tests.</param>
    /// <exception cref="OptionException">
    /// A value that is not a whole number, a negative index, a count below 1, an index at or above
    /// the count, an index without a count (or the reverse), or a Slurm array whose IDs are not 0 to count − 1.
    /// </exception>
    public static GridTask? Resolve(int? taskIndex, int? taskCount, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var slurmId = ReadWhole(environment, SlurmTaskId);
        var kubernetesIndex = slurmId is null ? ReadWhole(environment, KubernetesCompletionIndex) : null;

        // The index: the option, else the scheduler's (Slurm's first: a pod does not run under Slurm).
        var (index, indexSource) = taskIndex is { } given
            ? (given, nameof(TaskIndex))
            : slurmId is { } id ? (id, SlurmTaskId)
            : kubernetesIndex is { } k ? (k, KubernetesCompletionIndex)
            : ((int?)null, nameof(TaskIndex));

        // The count: the option, else Slurm's description of the array (only when Slurm gave the index too).
        var (count, countSource) = taskCount is { } n
            ? (n, nameof(TaskCount))
            : slurmId is not null ? SlurmCount(environment) : ((int?)null, nameof(TaskCount));

        if (index is null && count is null)
        {
            return null;
        }
        if (index is null)
        {
            throw new OptionException(nameof(TaskIndex), null,
                $"needed with the task count {Text(count)} outside a Slurm array task ({SlurmTaskId}) or a Kubernetes Indexed Job ({KubernetesCompletionIndex}), which give it: this task's number, 0 to {Text(count - 1)}.");
        }
        if (index < 0)
        {
            throw new OptionException(indexSource, Text(index), "must be 0 or more (tasks are numbered from 0).");
        }
        if (count is null)
        {
            throw new OptionException(nameof(TaskCount), null, indexSource == KubernetesCompletionIndex
                ? $"needed with {KubernetesCompletionIndex} {Text(index)}: a Kubernetes Indexed Job gives each pod its index but not the number of pods; give the Job's completions."
                : $"needed with the task index {Text(index)}: the number of tasks the grid is split across.");
        }
        if (count < 1)
        {
            throw new OptionException(countSource, Text(count), "must be at least 1.");
        }
        if (taskCount is null && indexSource == SlurmTaskId)
        {
            CheckSlurmArray(environment, count.Value);
        }
        if (index >= count)
        {
            throw new OptionException(indexSource, Text(index),
                $"must be below the task count {Text(count)}{(countSource == nameof(TaskCount) ? "" : $" ({countSource})")}: tasks are numbered 0 to {Text(count - 1)}.");
        }
        return new GridTask(index.Value, count.Value, indexSource, countSource);
    }

    /// <summary>"task 2 of 3 (SLURM_ARRAY_TASK_ID)", for the log.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"task {TaskIndex} of {TaskCount}{(IndexSource == nameof(TaskIndex) ? "" : $" ({IndexSource})")}");

    // Slurm 18.08 and later set the count; older ones only the lowest and highest ID.
    private static (int? Count, string Source) SlurmCount(Func<string, string?> environment)
    {
        if (ReadWhole(environment, SlurmTaskCount) is { } count)
        {
            return (count, SlurmTaskCount);
        }
        if (ReadWhole(environment, SlurmTaskMax) is { } max)
        {
            return (max - (ReadWhole(environment, SlurmTaskMin) ?? 0) + 1, SlurmTaskMax);
        }
        return (null, nameof(TaskCount));
    }

    // The IDs are the indices: an array of IDs 1-3, or 0,2,5, would deal pairs to tasks that do
    // not exist and none to those that do. Checked in every task, before any of them runs a pair.
    private static void CheckSlurmArray(Func<string, string?> environment, int count)
    {
        var min = ReadWhole(environment, SlurmTaskMin);
        var max = ReadWhole(environment, SlurmTaskMax);
        var lowWrong = min is { } low && low != 0;
        if (lowWrong || (max is { } high && high != count - 1))
        {
            throw new OptionException(lowWrong ? SlurmTaskMin : SlurmTaskMax, Text(lowWrong ? min : max),
                string.Create(CultureInfo.InvariantCulture,
                    $"this Slurm array has {count} task(s) whose IDs run from {Text(min ?? 0)} to {Text(max)}, but a task's ID is its index: submit the array as 0-{count - 1}, or, to run some tasks of a larger array again, give that array's task count."));
        }
    }

    private static int? ReadWhole(Func<string, string?> environment, string variable)
    {
        var text = environment(variable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        return int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new OptionException(variable, text, "must be a whole number.");
    }

    private static string Text(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "(unset)";
}
