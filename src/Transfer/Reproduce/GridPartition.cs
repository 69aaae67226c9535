using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Reproduce;

/// <summary>One (data set, method) of a grid.</summary>
/// <param name="Dataset">Data set name.</param>
/// <param name="Method">Method.</param>
public readonly record struct GridPair(string Dataset, ReproduceMethod Method);

/// <summary>
/// How a grid is split across the tasks of an array (<see cref="GridTask"/>): the requested
/// (data set, method) pairs are dealt round-robin, method by method in grid order and each method's
/// sets by name, so every task gets a share of every method (the costly networks and the
/// seconds-long baselines alike) and shares differ by one pair at most.
/// </summary>
/// <remarks>
/// <para>
/// The deal depends on the requested sets and methods only, never on which pairs have results: a
/// task run again after others finished, or after its own was interrupted, takes the same pairs
/// (and skips those done), so reruns resume rather than reshuffle. The order the sets were named in
/// does not matter either. The claim files (<see cref="GridClaim"/>) still guard each pair, so an
/// array can share its results folder with a claim-file grid or another array.
/// </para>
/// <para>
/// The ensembles are not dealt: they average other methods' results, which other tasks may still
/// be computing. The run without a task after the array (the collector, which finds every trained
/// pair done) derives them in seconds, then <c>--report</c> writes the report.
/// </para>
/// <para>
/// Every task of one grid must split it alike: the first task records the count in the results
/// folder (<see cref="RecordFileName"/>) and a task with another count stops before running
/// anything.
/// </para>
/// </remarks>
public static class GridPartition
{
    /// <summary>The record file's format name and version.</summary>
    public const string RecordFormat = "cpilgpu-reproduce-tasks/1";

    /// <summary>
    /// The pairs of <paramref name="datasets"/> × <paramref name="methods"/> that are dealt to tasks, in
    /// dealing order: method by method in grid order (ensembles left out), each method's sets by name.
    /// </summary>
    public static IReadOnlyList<GridPair> Pairs(IEnumerable<string> datasets, IEnumerable<ReproduceMethod> methods)
    {
        ArgumentNullException.ThrowIfNull(datasets);
        ArgumentNullException.ThrowIfNull(methods);
        var names = datasets.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return [.. methods.Distinct().Where(m => !m.IsEnsemble()).Order()
            .SelectMany(method => names.Select(name => new GridPair(name, method)))];
    }

    /// <summary>The task that runs the pair at <paramref name="position"/> of <see cref="Pairs"/>.</summary>
    public static int TaskOf(int position, int taskCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        return position % taskCount;
    }

    /// <summary>The pairs of <paramref name="pairs"/> (in <see cref="Pairs"/>' order) that <paramref name="task"/> runs.</summary>
    public static IReadOnlyList<GridPair> Share(IReadOnlyList<GridPair> pairs, GridTask task)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(task);
        return [.. pairs.Where((_, position) => TaskOf(position, task.TaskCount) == task.TaskIndex)];
    }

    /// <summary>
    /// The record file of the grid of <paramref name="pairs"/> in a results folder:
    /// <c>tasks-&lt;12 hex digits&gt;.json</c>, named by a hash of the sets and methods, so grids of
    /// other sets or methods sharing the folder keep their own counts.
    /// </summary>
    public static string RecordFileName(IReadOnlyList<GridPair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var key = string.Join(",", pairs.Select(p => p.Dataset).Distinct().Order(StringComparer.Ordinal))
            + "\n" + string.Join(",", pairs.Select(p => p.Method).Distinct().Order().Select(m => m.Name()));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        return $"tasks-{hash[..12]}.json";
    }

    /// <summary>
    /// Records <paramref name="task"/>'s count for the grid of <paramref name="pairs"/> in
    /// <paramref name="resultsDirectory"/> when no task has yet, and returns the record's path.
    /// </summary>
    /// <exception cref="OptionException">The folder records another count for this grid (named by where <paramref name="task"/>'s count came from).</exception>
    /// <exception cref="DataFileException">The record file is not one.</exception>
    public static string RecordTaskCount(string resultsDirectory, IReadOnlyList<GridPair> pairs, GridTask task)
    {
        ArgumentNullException.ThrowIfNull(resultsDirectory);
        ArgumentNullException.ThrowIfNull(task);
        var path = Path.Combine(resultsDirectory, RecordFileName(pairs));
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(resultsDirectory);
            var record = new TaskCountRecord
            {
                TaskCount = task.TaskCount,
                Datasets = [.. pairs.Select(p => p.Dataset).Distinct().Order(StringComparer.Ordinal)],
                Methods = [.. pairs.Select(p => p.Method).Distinct().Order().Select(m => m.Name())],
                Recorded = DateTime.UtcNow,
                RecordedBy = string.Create(CultureInfo.InvariantCulture, $"{task} on {Environment.MachineName}, process {Environment.ProcessId}"),
            };
            var temporary = string.Create(CultureInfo.InvariantCulture, $"{path}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
            try
            {
                File.WriteAllText(temporary, JsonSerializer.Serialize(record, TaskCountJson.Default.TaskCountRecord) + "\n");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A partial temporary would be litter in a shared results folder.
                CsvOutput.DeleteQuietly(temporary);
                throw;
            }
            try
            {
                // Without overwriting: of tasks starting together, the first to move its file in
                // sets the count, and the others read it below like any later task.
                File.Move(temporary, path, overwrite: false);
                return path;
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temporary);
            }
        }
        var recorded = Read(path);
        if (recorded.TaskCount != task.TaskCount)
        {
            throw new OptionException(task.CountSource, task.TaskCount.ToString(CultureInfo.InvariantCulture), string.Create(CultureInfo.InvariantCulture,
                $"{path} records {recorded.TaskCount} tasks for this grid ({recorded.RecordedBy}, {recorded.Recorded:yyyy-MM-dd HH:mm} UTC); every task of a grid must split it alike, or pairs would run twice or never. Run {recorded.TaskCount} tasks, or delete that file once no task of the earlier split is running, to split the grid anew."));
        }
        return path;
    }

    private static TaskCountRecord Read(string path)
    {
        try
        {
            var record = JsonSerializer.Deserialize(File.ReadAllText(path), TaskCountJson.Default.TaskCountRecord)
                ?? throw new DataFileException(path, "empty task count record");
            return record.Format == RecordFormat && record.TaskCount >= 1
                ? record
                : throw new DataFileException(path, $"format '{record.Format}' with task count {record.TaskCount}, expected '{RecordFormat}' with a count of 1 or more");
        }
        catch (JsonException e)
        {
            throw new DataFileException(path, $"not a task count record ({e.Message})", innerException: e);
        }
    }
}

/// <summary>The results folder's record of how many tasks a grid is split across (<see cref="GridPartition.RecordTaskCount"/>).</summary>
internal sealed record TaskCountRecord
{
    public string Format { get; init; } = GridPartition.RecordFormat;

    public int TaskCount { get; init; }

    public string[] Datasets { get; init; } = [];

    public string[] Methods { get; init; } = [];

    public DateTime Recorded { get; init; }

    public string RecordedBy { get; init; } = "";
}

/// <summary>Source-generated JSON for the task count record.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TaskCountRecord))]
internal sealed partial class TaskCountJson : JsonSerializerContext;
