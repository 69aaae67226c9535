namespace CrossPropertyILGPU.Cli.Tests.Verbs;

/// <summary>
/// Output files and the messages around them: a write that fails leaves no temporary file and
/// ends with one line naming the path (exit 2 when the path is the user's mistake); cells a
/// spreadsheet would run are neutralised; an unknown verb and an oversized network are named as such.
/// </summary>
public sealed partial class TrainVerbTests
{
    [Test]
    public void Predict_OutputIsAFolder_ExitsWithCode2NamingItAndLeavesNoTemporary()
    {
        var folder = Path.Combine(_scratch, "predictions");
        Directory.CreateDirectory(folder);
        var (code, _, error) = CliRunner.Run("predict", "--model", _existingRun, "--input", Test, "--output", folder, "--device", "cpu");
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput), error);
        AssertOneErrorLine(error, [folder, "is a folder"]);
        Assert.That(Directory.EnumerateFileSystemEntries(_scratch), Is.EqualTo(new[] { folder }), "no temporary file beside it");
        Assert.That(Directory.EnumerateFileSystemEntries(folder), Is.Empty);
    }

    [Test]
    public void Predict_OutputUnderProc_SaysItCannotBeCreatedThere()
    {
        if (!Directory.Exists("/proc/self"))
        {
            Assert.Ignore("No /proc on this machine.");
        }
        var (code, _, error) = CliRunner.Run("predict", "--model", _existingRun, "--input", Test, "--output", "/proc/cpilgpu-test.csv", "--device", "cpu");
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput), error);
        AssertOneErrorLine(error, ["/proc/cpilgpu-test.csv", "cannot be created there"]);
        Assert.That(error, Does.Not.Contain("Could not find"));
    }

    [Test]
    public void Train_OutUnderProc_SaysItCannotBeCreatedThere()
    {
        if (!Directory.Exists("/proc/self"))
        {
            Assert.Ignore("No /proc on this machine.");
        }
        var (code, _, error) = CliRunner.Run("train", "--train", Train, "--arch", "16x1-1", "--max-epochs", "1", "--device", "cpu", "--out", "/proc/cpilgpu-test/run");
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput), error);
        AssertOneErrorLine(error, ["--out", "/proc/cpilgpu-test/run", "cannot be created there"]);
        Assert.That(error, Does.Not.Contain("Could not find"));
    }

    [Test]
    public void Train_TargetHeaderBeginningWithEquals_IsNeutralisedInEveryOutputCsv()
    {
        var file = Path.Combine(_scratch, "data.csv");
        File.WriteAllText(file, "formula,=1+A1\nNaCl,-2.1\nMgO,-3.0\nKBr,-1.5\n" + GoodRows);
        var run = Path.Combine(_scratch, "run");
        var (code, _, error) = CliRunner.Run("train", "--train", file, "--target", "=1+A1", "--arch", "16x1-1", "--max-epochs", "1", "--device", "cpu", "--out", run);
        Assert.That(code, Is.Zero, error);
        var csvs = Directory.GetFiles(run, "predictions_*.csv");
        Assert.That(csvs, Is.Not.Empty);
        foreach (var csv in csvs)
        {
            Assert.That(File.ReadLines(csv).First(), Is.EqualTo("formula,\"'=1+A1\",prediction"), csv);
        }
        var rows = csvs.SelectMany(csv => File.ReadLines(csv).Skip(1)).ToArray();
        Assert.That(rows.Any(l => l.Contains(",-", StringComparison.Ordinal)), Is.True, "negative targets are written");
        Assert.That(rows.Where(l => l.Contains('\'', StringComparison.Ordinal)), Is.Empty, "numbers, negative ones too, stay plain numbers");
    }

    [Test]
    public void Train_DiskFullAtTheFirstCheckpoint_ErrorNamesTheCheckpointAndNoTemporaryIsLeft()
    {
        // A 300 KiB tmpfs holds the run folder's first files but not a 256x2-1 checkpoint.
        var disk = Path.Combine(_scratch, "disk");
        Directory.CreateDirectory(disk);
        if (!OperatingSystem.IsLinux() || RunTool("mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", disk) != 0)
        {
            Assert.Ignore("Cannot mount a small tmpfs here (needs Linux and root); the full-disk case is not exercised.");
        }
        try
        {
            var run = Path.Combine(disk, "run");
            var (code, _, error) = CliRunner.Run("train", "--train", Train, "--arch", "256x2-1", "--max-epochs", "3", "--device", "cpu", "--quiet", "--out", run);
            Assert.That(code, Is.EqualTo(CliApp.RuntimeFailure), error);
            AssertOneErrorLine(error, [Path.Combine(run, "checkpoint.safetensors") + ":", "could not write the checkpoint"]);
            Assert.That(Directory.GetFiles(run, "*.tmp"), Is.Empty, "the partial temporary is removed (it would keep the disk full)");
        }
        finally
        {
            RunTool("umount", disk);
        }
    }

    /// <summary>
    /// A 2 MiB tmpfs holds the run's first files and one 1.4 MB checkpoint of a 256x2-1 net, but not
    /// a second beside it: epoch 1's checkpoint is written, epoch 2's temporary fills the disk. The
    /// error names the checkpoint, the temporary is removed, and the checkpoint of epoch 1 is left
    /// whole — a --resume from it (on a disk with room) ends byte-identical to an uninterrupted run.
    /// </summary>
    [Test]
    public void Train_DiskFullAtALaterCheckpoint_KeepsThePreviousCheckpointWholeAndRemovesTheTemporary()
    {
        var disk = Path.Combine(_scratch, "disk");
        Directory.CreateDirectory(disk);
        if (!OperatingSystem.IsLinux() || RunTool("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk) != 0)
        {
            Assert.Ignore("Cannot mount a small tmpfs here (needs Linux and root, or mount permission); the full-disk case is not exercised.");
        }
        string[] Args(string run) => ["train", "--train", Train, "--arch", "256x2-1", "--max-epochs", "3", "--device", "cpu", "--quiet", "--out", run];
        var copy = Path.Combine(_scratch, "copy");
        try
        {
            var run = Path.Combine(disk, "run");
            var (code, _, error) = CliRunner.Run(Args(run));
            Assert.That(code, Is.EqualTo(CliApp.RuntimeFailure), error);
            AssertOneErrorLine(error, [Path.Combine(run, "checkpoint.safetensors") + ":", "could not write the checkpoint"]);
            // An epoch's line follows its checkpoint: epoch 1's was written, epoch 2's is the one that failed.
            Assert.That(error, Does.Contain("epoch     1").And.Not.Contain("epoch     2"), "epoch 2's checkpoint is the one that failed");
            Assert.That(Directory.GetFiles(run, "*.tmp"), Is.Empty, "the partial temporary is removed (it would keep the disk full)");
            Assert.That(File.Exists(Path.Combine(run, "model.safetensors")), Is.False);
            Directory.CreateDirectory(copy);
            foreach (var file in Directory.GetFiles(run))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }
        }
        finally
        {
            RunTool("umount", disk);
        }

        var (resumed, _, resumeError) = CliRunner.Run("train", "--resume", copy);
        Assert.That(resumed, Is.Zero, resumeError);
        Assert.That(resumeError, Does.Contain("after epoch 1"), "epoch 1's checkpoint, whole");
        var straight = Path.Combine(_scratch, "straight");
        var (code2, _, error2) = CliRunner.Run(Args(straight));
        Assert.That(code2, Is.Zero, error2);
        Assert.That(File.ReadAllBytes(Path.Combine(copy, "model.safetensors")), Is.EqualTo(File.ReadAllBytes(Path.Combine(straight, "model.safetensors"))).AsCollection);
        Assert.That(MetricsWithoutSeconds(copy), Is.EqualTo(MetricsWithoutSeconds(straight)).AsCollection);
    }

    private static int RunTool(string name, params string[] args)
    {
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(name, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }

    [Test]
    public void UnknownVerb_OneLineNamingItAndTheVerbs_ExitsWithCode2()
    {
        var (code, _, error) = CliRunner.Run("trian", "--train", Train);
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput), error);
        AssertOneErrorLine(error, ["unknown verb 'trian'", "verbs: devices, featurize, train,", "predict", "--help"]);
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), "one line: " + error);
        Assert.That(error, Does.Not.Contain("Required command"));
    }

    [Test]
    public void NoVerb_OneLineListingTheVerbs_ExitsWithCode2()
    {
        foreach (var args in new[] { Array.Empty<string>(), ["--train", Train] })
        {
            var (code, _, error) = CliRunner.Run(args);
            Assert.That(code, Is.EqualTo(CliApp.InvalidInput), error);
            AssertOneErrorLine(error, [args.Length == 0 ? "error: no verb given;" : "error: no verb given before '--train';", "verbs: devices, featurize, train,", "--help"]);
            Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), "one line: " + error);
            Assert.That(error, Does.Not.Contain("Required command").And.Not.Contain("Unrecognized"));
        }
    }

    [Test]
    public void NoVerb_RealProcess_OneLineAndExitCode2()
    {
        using var child = ChildCli.Start();
        Assert.That(child.WaitForExit(TimeSpan.FromMinutes(1)), Is.EqualTo(CliApp.InvalidInput), child.Error);
        Assert.That(child.Error.Trim().Split('\n'), Has.Length.EqualTo(1), child.Error);
        Assert.That(child.Error, Does.StartWith("error: no verb given; verbs: "));
    }

    [Test]
    public void Train_NetworkTooLargeForMemory_AdvisesASmallerArchitectureNotFewerRows()
    {
        var run = Path.Combine(_scratch, "run");
        var (code, _, error) = CliRunner.Run("train", "--train", Train, "--arch", "100000x3-1", "--max-epochs", "1", "--device", "cpu", "--out", run);
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput), error);
        AssertOneErrorLine(error, ["100000x3-1", "parameters", "smaller architecture (--arch)"]);
        Assert.That(error, Does.Not.Contain("fewer rows"));
    }
}
