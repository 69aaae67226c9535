using System.Diagnostics;

namespace CrossPropertyILGPU.Cli.Tests.Verbs;

/// <summary>A killed run resumed, a diverging run stopped, and the same seed giving the same model.</summary>
public sealed partial class TrainVerbTests
{
    private static string[] SmallRun(string run, int epochs) =>
        ["train", "--train", Train, "--arch", "16x2D-8x1-1", "--max-epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--patience", "1000", "--device", "cpu", "--out", run];

    private static string[] MetricsWithoutSeconds(string run) =>
        [.. File.ReadAllLines(Path.Combine(run, "metrics.csv")).Select(line => string.Join(',', line.Split(',')[..^1]))];

    /// <summary>
    /// The real command line in a child process, killed with SIGKILL once a few epochs are
    /// checkpointed — wherever it is then: inside an epoch's steps, or writing a checkpoint's
    /// temporary file — and resumed with --resume: the final weights are bit-identical to an
    /// uninterrupted run's, and metrics.csv holds each epoch once.
    /// </summary>
    [Test]
    public void Resume_AfterSigkillMidRun_EndsBitIdenticalToAnUninterruptedRun()
    {
        const int epochs = 150;
        var killed = Path.Combine(_scratch, "killed");
        var cli = Path.Combine(TestContext.CurrentContext.TestDirectory, "cpilgpu.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { cli }.Concat(SmallRun(killed, epochs)))
        {
            start.ArgumentList.Add(argument);
        }
        using (var child = Process.Start(start)!)
        {
            child.OutputDataReceived += (_, _) => { };
            child.ErrorDataReceived += (_, _) => { };
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            var checkpoint = Path.Combine(killed, "checkpoint.safetensors");
            var metrics = Path.Combine(killed, "metrics.csv");
            var deadline = Stopwatch.StartNew();
            while (!(File.Exists(checkpoint) && File.Exists(metrics) && EpochsLogged(metrics) >= 5))
            {
                Assert.That(child.HasExited, Is.False, "the child finished (or failed) before it could be killed");
                Assert.That(deadline.Elapsed, Is.LessThan(TimeSpan.FromMinutes(2)), "no checkpoint appeared");
                Thread.Sleep(10);
            }
            child.Kill();
            child.WaitForExit();
        }
        Assert.That(File.Exists(Path.Combine(killed, "model.safetensors")), Is.False, "killed before the end");

        var (code, _, error) = CliRunner.Run("train", "--resume", killed);
        Assert.That(code, Is.Zero, error);
        Assert.That(error, Does.Contain("resuming"));

        var straight = Path.Combine(_scratch, "straight");
        (code, _, error) = CliRunner.Run(SmallRun(straight, epochs));
        Assert.That(code, Is.Zero, error);
        Assert.That(File.ReadAllBytes(Path.Combine(killed, "model.safetensors")), Is.EqualTo(File.ReadAllBytes(Path.Combine(straight, "model.safetensors"))).AsCollection);
        Assert.That(MetricsWithoutSeconds(killed), Is.EqualTo(MetricsWithoutSeconds(straight)).AsCollection);
    }

    /// <summary>
    /// The real command line in a child process, sent SIGINT (Ctrl+C) or SIGTERM half an epoch into
    /// epoch 3 (an epoch of ~0.5 s on 22,767 rows): it exits with 130, discarding the partial epoch —
    /// metrics.csv holds epochs 1 and 2 only, the model is the best of them — and --resume redoes
    /// epoch 3 from its start, ending byte-identical to an uninterrupted run (model, metrics.csv
    /// without its seconds column, predictions).
    /// </summary>
    [Test]
    public void Resume_AfterSigintOrSigtermMidEpoch_EndsByteIdenticalToAnUninterruptedRun()
    {
        const int epochs = 5;
        var data = CliRunner.Jarvis("deltae", "deltae_training_set.csv");
        string[] Args(string run) =>
            ["train", "--train", data, "--arch", "512x2D-1", "--max-epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--patience", "1000", "--device", "cpu", "--out", run];
        string[] Files(string run) =>
            [.. new[] { "model.safetensors", "predictions_train.csv", "predictions_validation.csv" }.Select(f => Path.Combine(run, f))];

        var straight = Path.Combine(_scratch, "straight");
        var (code, _, error) = CliRunner.Run(Args(straight));
        Assert.That(code, Is.Zero, error);

        foreach (var signal in new[] { "INT", "TERM" })
        {
            var run = Path.Combine(_scratch, signal);
            var (exit, log) = RunAndSignalMidEpoch(Args(run), signal, afterEpochLines: 2);
            Assert.That(exit, Is.EqualTo(CliApp.Interrupted), log);
            Assert.That(log, Does.Contain("during epoch 3: that partial epoch is discarded"), "the signal landed mid-epoch: " + log);
            Assert.That(MetricsWithoutSeconds(run), Is.EqualTo(MetricsWithoutSeconds(straight)[..3]).AsCollection, "only the two whole epochs");
            Assert.That(File.Exists(Path.Combine(run, "model.safetensors")), Is.True, "the model of the best whole epoch");

            (code, _, error) = CliRunner.Run("train", "--resume", run);
            Assert.That(code, Is.Zero, error);
            Assert.That(error, Does.Contain("resuming").And.Contain("after epoch 2"));
            Assert.That(MetricsWithoutSeconds(run), Is.EqualTo(MetricsWithoutSeconds(straight)).AsCollection, signal);
            foreach (var (resumed, uninterrupted) in Files(run).Zip(Files(straight)))
            {
                Assert.That(File.ReadAllBytes(resumed), Is.EqualTo(File.ReadAllBytes(uninterrupted)).AsCollection, $"{signal}: {Path.GetFileName(resumed)}");
            }
        }
    }

    /// <summary>A time limit that runs out inside the first epoch leaves no whole epoch: exit code 2,
    /// one line saying so, and neither a model nor a checkpoint of the partial epoch.</summary>
    [Test]
    public void Train_TimeLimitEndingInsideTheFirstEpoch_ExitsWithCode2AndWritesNoModel()
    {
        var run = Path.Combine(_scratch, "short");
        var (code, _, error) = CliRunner.Run([.. SmallRun(run, 5), "--batch-size", "8", "--time-limit", "0.000001"]);
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput), error);
        Assert.That(error, Does.Contain("time limit reached during epoch 1: no epoch was completed, so no model or checkpoint was written"));
        Assert.That(error, Does.Contain("--time-limit").And.Contain("before any epoch was complete"));
        Assert.That(File.Exists(Path.Combine(run, "model.safetensors")), Is.False);
        Assert.That(File.Exists(Path.Combine(run, "checkpoint.safetensors")), Is.False);
        Assert.That(File.ReadAllLines(Path.Combine(run, "metrics.csv")), Has.Length.EqualTo(1), "the header only");
    }

    // Starts the command line in a child process and, once `afterEpochLines` epoch lines are on its
    // stderr, waits half the last epoch's duration and sends it the signal; returns its exit code and stderr.
    private static (int Code, string Error) RunAndSignalMidEpoch(string[] args, string signal, int afterEpochLines)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { Path.Combine(TestContext.CurrentContext.TestDirectory, "cpilgpu.dll") }.Concat(args))
        {
            start.ArgumentList.Add(argument);
        }
        var error = new System.Text.StringBuilder();
        var epochLines = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();
        using var child = Process.Start(start)!;
        child.OutputDataReceived += (_, _) => { };
        child.ErrorDataReceived += (_, e) =>
        {
            lock (error)
            {
                error.AppendLine(e.Data);
                if (e.Data?.StartsWith("epoch ", StringComparison.Ordinal) == true)
                {
                    epochLines.Add(clock.Elapsed);
                }
            }
        };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        TimeSpan epoch;
        while (true)
        {
            lock (error)
            {
                if (epochLines.Count >= afterEpochLines)
                {
                    epoch = epochLines[^1] - epochLines[^2];
                    break;
                }
            }
            Assert.That(child.HasExited, Is.False, "the child ended before it could be signalled: " + error);
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromMinutes(2)), "no epoch line appeared");
            Thread.Sleep(5);
        }
        Thread.Sleep(epoch / 2);
        using (var kill = Process.Start("kill", ["-s", signal, child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }
        Assert.That(child.WaitForExit(TimeSpan.FromMinutes(1)), Is.True, "the child did not stop");
        child.WaitForExit();
        lock (error)
        {
            return (child.ExitCode, error.ToString());
        }
    }

    // Lines of metrics.csv after the header; shared for reading while the child appends.
    private static int EpochsLogged(string metrics)
    {
        try
        {
            using var stream = new FileStream(metrics, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Count(c => c == '\n') - 1;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    [Test]
    public void Train_SameSeedTwice_BitIdenticalWeightsAndMetrics()
    {
        string Run(string name, string seed)
        {
            var run = Path.Combine(_scratch, name);
            var (code, _, error) = CliRunner.Run([.. SmallRun(run, 4), "--seed", seed]);
            Assert.That(code, Is.Zero, error);
            return run;
        }
        var first = Run("first", "7");
        var second = Run("second", "7");
        var other = Run("other", "8");
        static byte[] Weights(string run) => File.ReadAllBytes(Path.Combine(run, "model.safetensors"));
        Assert.That(Weights(second), Is.EqualTo(Weights(first)).AsCollection);
        Assert.That(MetricsWithoutSeconds(second), Is.EqualTo(MetricsWithoutSeconds(first)).AsCollection);
        Assert.That(Weights(other), Is.Not.EqualTo(Weights(first)).AsCollection, "the seed matters");
    }

    [Test]
    public void Train_HugeLearningRateFromTheStart_ExitsWithCode3AndWritesNoModel()
    {
        var run = Path.Combine(_scratch, "diverged");
        var (code, _, error) = CliRunner.Run([.. SmallRun(run, 5), "--lr", "1e30"]);
        Assert.That(code, Is.EqualTo(CliApp.Diverged), error);
        AssertOneErrorLine(error, ["training diverged at epoch 1", "learning rate 1E+30", "no model was written", "smaller --lr"]);
        Assert.That(error, Does.Not.Contain("--resume"), "nothing was checkpointed, so a resume would fail");
        Assert.That(File.Exists(Path.Combine(run, "model.safetensors")), Is.False);
        Assert.That(File.Exists(Path.Combine(run, "checkpoint.safetensors")), Is.False, "no checkpoint of a non-finite epoch");
        var metrics = File.ReadAllLines(Path.Combine(run, "metrics.csv"));
        Assert.That(metrics[0], Is.EqualTo("epoch,train_mae,val_mae,lr,grad_norm,weight_norm,seconds"));
        Assert.That(metrics, Has.Length.EqualTo(2), "the bad epoch is logged");
    }

    /// <summary>
    /// A sound two-epoch run resumed at an absurd learning rate diverges in its first new epoch:
    /// exit code 3, and the checkpoint and model of the sound epochs are kept byte for byte.
    /// </summary>
    [Test]
    public void Resume_DivergingSession_ExitsWithCode3KeepingTheCheckpointAndModel()
    {
        var run = CopyOfExistingRun("copy");
        var checkpoint = File.ReadAllBytes(Path.Combine(run, "checkpoint.safetensors"));
        var model = File.ReadAllBytes(Path.Combine(run, "model.safetensors"));

        var (code, _, error) = CliRunner.Run("train", "--resume", run, "--max-epochs", "6", "--lr", "1e30");
        Assert.That(code, Is.EqualTo(CliApp.Diverged), error);
        AssertOneErrorLine(error, ["training diverged at epoch 3", "holds the best epoch", "the last checkpoint (epoch 2 or earlier) is untouched"]);
        Assert.That(File.ReadAllBytes(Path.Combine(run, "checkpoint.safetensors")), Is.EqualTo(checkpoint).AsCollection);
        Assert.That(File.ReadAllBytes(Path.Combine(run, "model.safetensors")), Is.EqualTo(model).AsCollection);
        var metrics = File.ReadAllLines(Path.Combine(run, "metrics.csv"));
        Assert.That(metrics, Has.Length.EqualTo(4));
        Assert.That(metrics[^1], Does.StartWith("3,").And.Contain("1E+30"));
        Assert.That(metrics[^1].Split(',')[1..3].Concat(metrics[^1].Split(',')[4..6]).Any(v => v is "NaN" or "Infinity" or "-Infinity"), Is.True, metrics[^1]);
        Assert.That(metrics[1].Split(',')[4], Is.Not.EqualTo("0"), "gradient norm of a sound epoch");
    }
}
