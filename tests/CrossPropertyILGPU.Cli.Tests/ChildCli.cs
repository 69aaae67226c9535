using System.Diagnostics;
using System.Text;

namespace CrossPropertyILGPU.Cli.Tests;

/// <summary>
/// The real command line in a child process (<c>dotnet cpilgpu.dll …</c>), for what only processes
/// show: locks between runs, signals, a SIGKILL. Its stdout and stderr are collected; disposing it
/// kills it if it still runs, so a failed test leaves no run behind.
/// </summary>
internal sealed class ChildCli : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private ChildCli(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(_output, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_error, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts <c>cpilgpu</c> with <paramref name="args"/>.</summary>
    public static ChildCli Start(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(TestContext.CurrentContext.TestDirectory, "cpilgpu.dll"));
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }
        return new ChildCli(Process.Start(start)!);
    }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>True once it has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Its exit code (after it has ended).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Its stderr so far.</summary>
    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>Waits for it to end, all its output read; fails the test after <paramref name="timeout"/>.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        Assert.That(_process.WaitForExit(timeout), Is.True, $"process {Id} did not end within {timeout}: {Error}");
        _process.WaitForExit(); // drains the redirected streams
        return _process.ExitCode;
    }

    /// <summary>SIGKILL (Process.Kill on Unix): no handler runs, as in a crash or an OOM kill.</summary>
    public void KillHard()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>Waits until one of <paramref name="children"/> ends and returns it, all its output read.</summary>
    public static ChildCli FirstToExit(IReadOnlyList<ChildCli> children, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (children.FirstOrDefault(c => c.HasExited) is { } done)
            {
                done.WaitForExit(timeout);
                return done;
            }
            Assert.That(clock.Elapsed, Is.LessThan(timeout), "none of the processes ended");
            Thread.Sleep(10);
        }
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (builder)
        {
            builder.AppendLine(line);
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        _process.Dispose();
    }
}
