using CrossPropertyILGPU.Transfer.Reproduce;

namespace CrossPropertyILGPU.Transfer.Tests.Reproduce;

/// <summary>Which task of an array a process is: from the options, Slurm's environment or a Kubernetes Indexed Job's, and the values refused.</summary>
public sealed class GridTaskTests
{
    // An environment of the given NAME=value pairs; every other variable unset.
    private static Func<string, string?> Environment(params string[] assignments)
    {
        var values = assignments.Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return name => values.GetValueOrDefault(name);
    }

    private static (int Index, int Count, string IndexSource, string CountSource)? Resolve(int? index, int? count, params string[] environment) =>
        GridTask.Resolve(index, count, Environment(environment)) is { } task ? (task.TaskIndex, task.TaskCount, task.IndexSource, task.CountSource) : null;

    [Test]
    public void Resolve_WithoutOptionsOrScheduler_IsTheWholeGrid()
    {
        Assert.That(Resolve(null, null), Is.Null);
        // Variables of a Slurm job that is not an array say nothing about a task.
        Assert.That(Resolve(null, null, "SLURM_JOB_ID=17", "SLURM_CPUS_PER_TASK=4", "SLURM_ARRAY_TASK_COUNT="), Is.Null);
    }

    [Test]
    public void Resolve_Options_GiveTheTask()
    {
        Assert.That(Resolve(2, 3), Is.EqualTo((2, 3, "TaskIndex", "TaskCount")));
        Assert.That(GridTask.Of(0, 1).ToString(), Is.EqualTo("task 0 of 1"));
    }

    [Test]
    public void Resolve_SlurmArray_GivesIndexAndCount()
    {
        var environment = new[] { "SLURM_ARRAY_JOB_ID=40", "SLURM_ARRAY_TASK_ID=2", "SLURM_ARRAY_TASK_COUNT=3", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_MAX=2", "SLURM_ARRAY_TASK_STEP=1" };
        Assert.That(Resolve(null, null, environment), Is.EqualTo((2, 3, "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT")));
        Assert.That(GridTask.Resolve(null, null, Environment(environment))!.ToString(), Is.EqualTo("task 2 of 3 (SLURM_ARRAY_TASK_ID)"));
    }

    [Test]
    public void Resolve_SlurmWithoutTaskCount_TakesTheCountFromMinAndMax()
    {
        // Slurm before 18.08 sets no SLURM_ARRAY_TASK_COUNT.
        Assert.That(Resolve(null, null, "SLURM_ARRAY_TASK_ID=4", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_MAX=4"),
            Is.EqualTo((4, 5, "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MAX")));
    }

    [Test]
    public void Resolve_OptionsWinOverTheEnvironment()
    {
        string[] slurm = ["SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_COUNT=3", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_MAX=2"];
        Assert.That(Resolve(0, 2, slurm), Is.EqualTo((0, 2, "TaskIndex", "TaskCount")));
        Assert.That(Resolve(null, 5, slurm), Is.EqualTo((1, 5, "SLURM_ARRAY_TASK_ID", "TaskCount")));
    }

    [Test]
    public void Resolve_SomeTasksOfALargerArrayAgain_WithThatArraysCount()
    {
        // Tasks 5 and 7 of an 8-task array, submitted again as --array=5,7 with --task-count 8.
        Assert.That(Resolve(null, 8, "SLURM_ARRAY_TASK_ID=7", "SLURM_ARRAY_TASK_COUNT=2", "SLURM_ARRAY_TASK_MIN=5", "SLURM_ARRAY_TASK_MAX=7"),
            Is.EqualTo((7, 8, "SLURM_ARRAY_TASK_ID", "TaskCount")));
    }

    [Test]
    public void Resolve_KubernetesIndexedJob_TakesTheIndex_AndTheCountGiven()
    {
        Assert.That(Resolve(null, 4, "JOB_COMPLETION_INDEX=3"), Is.EqualTo((3, 4, "JOB_COMPLETION_INDEX", "TaskCount")));
        // Slurm's array is the one in charge where both are set (a pod does not run under Slurm; a Slurm job might inherit a stray variable).
        Assert.That(Resolve(null, null, "JOB_COMPLETION_INDEX=3", "SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_COUNT=2"),
            Is.EqualTo((1, 2, "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT")));
    }

    [TestCase(3, 3, new string[0], "TaskIndex", "3", "must be below the task count 3: tasks are numbered 0 to 2.")]
    [TestCase(-1, 3, new string[0], "TaskIndex", "-1", "must be 0 or more (tasks are numbered from 0).")]
    [TestCase(0, 0, new string[0], "TaskCount", "0", "must be at least 1.")]
    [TestCase(null, 4, new string[0], "TaskIndex", null, "needed with the task count 4 outside a Slurm array task (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX), which give it: this task's number, 0 to 3.")]
    [TestCase(1, null, new string[0], "TaskCount", null, "needed with the task index 1: the number of tasks the grid is split across.")]
    [TestCase(null, null, new[] { "JOB_COMPLETION_INDEX=2" }, "TaskCount", null, "needed with JOB_COMPLETION_INDEX 2: a Kubernetes Indexed Job gives each pod its index but not the number of pods; give the Job's completions.")]
    [TestCase(null, 2, new[] { "JOB_COMPLETION_INDEX=2" }, "JOB_COMPLETION_INDEX", "2", "must be below the task count 2: tasks are numbered 0 to 1.")]
    [TestCase(null, null, new[] { "SLURM_ARRAY_TASK_ID=3", "SLURM_ARRAY_TASK_COUNT=3" }, "SLURM_ARRAY_TASK_ID", "3", "must be below the task count 3 (SLURM_ARRAY_TASK_COUNT): tasks are numbered 0 to 2.")]
    [TestCase(null, null, new[] { "SLURM_ARRAY_TASK_ID=two", "SLURM_ARRAY_TASK_COUNT=3" }, "SLURM_ARRAY_TASK_ID", "two", "must be a whole number.")]
    [TestCase(null, null, new[] { "SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_COUNT=3x" }, "SLURM_ARRAY_TASK_COUNT", "3x", "must be a whole number.")]
    [TestCase(null, null, new[] { "SLURM_ARRAY_TASK_ID=1" }, "TaskCount", null, "needed with the task index 1: the number of tasks the grid is split across.")]
    [TestCase(null, null, new[] { "SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_COUNT=3", "SLURM_ARRAY_TASK_MIN=1", "SLURM_ARRAY_TASK_MAX=3" }, "SLURM_ARRAY_TASK_MIN", "1",
        "this Slurm array has 3 task(s) whose IDs run from 1 to 3, but a task's ID is its index: submit the array as 0-2, or, to run some tasks of a larger array again, give that array's task count.")]
    [TestCase(null, null, new[] { "SLURM_ARRAY_TASK_ID=0", "SLURM_ARRAY_TASK_COUNT=3", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_MAX=5" }, "SLURM_ARRAY_TASK_MAX", "5",
        "this Slurm array has 3 task(s) whose IDs run from 0 to 5, but a task's ID is its index: submit the array as 0-2, or, to run some tasks of a larger array again, give that array's task count.")]
    public void Resolve_BadValue_IsAnOptionErrorNamingTheOptionOrVariable(int? index, int? count, string[] environment, string option, string? value, string problem)
    {
        var error = Assert.Throws<OptionException>(() => GridTask.Resolve(index, count, Environment(environment)))!;
        Assert.That((error.Option, error.Value, error.Problem), Is.EqualTo((option, value, problem)));
        Assert.That(error.Message, Does.Not.Contain('\n'), "one line");
    }

    [Test]
    public void Resolve_ListArrayWithGaps_IsRefusedInEveryTask_NotOnlyInThoseBeyondTheCount()
    {
        // --array=0,2,5: task 0 would run, 2 would take task 2's pairs, 5 would fail; none may start.
        foreach (var id in new[] { "0", "2", "5" })
        {
            var error = Assert.Throws<OptionException>(() => GridTask.Resolve(null, null,
                Environment($"SLURM_ARRAY_TASK_ID={id}", "SLURM_ARRAY_TASK_COUNT=3", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_MAX=5")))!;
            Assert.That(error.Option, Is.EqualTo("SLURM_ARRAY_TASK_MAX"), id);
        }
    }
}
