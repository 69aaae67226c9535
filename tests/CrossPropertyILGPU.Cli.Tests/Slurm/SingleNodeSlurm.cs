using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CrossPropertyILGPU.Cli.Tests.Slurm;

/// <summary>
/// A throwaway Slurm cluster of this machine alone: Debian's munge and Slurm packages (installed
/// with apt-get when missing), a <c>slurm.conf</c>, munge key and state in a temporary folder, and
/// munged, slurmctld and slurmd started in the foreground by this process, which stops them by
/// their process ids on <see cref="Dispose"/>. Commands reach it through <see cref="Environment"/>
/// (<c>SLURM_CONF</c>), so a system-wide Slurm, if any, is left alone.
/// </summary>
/// <remarks>
/// The configuration is what Slurm 22.05 from Debian starts with in a container without systemd
/// or a writable cgroup tree: process tracking by /proc (<c>proctrack/linuxproc</c>), no task
/// binding (<c>task/none</c>), and <c>CgroupPlugin=autodetect</c> in <c>cgroup.conf</c>
/// (22.05 has no <c>disabled</c>). Every daemon runs as root, as slurmd must.
/// </remarks>
internal sealed class SingleNodeSlurm : IDisposable
{
    /// <summary>The Debian packages the cluster needs.</summary>
    public static readonly string[] Packages = ["slurmctld", "slurmd", "slurm-client", "munge"];

    private static readonly string[] Programs = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "sinfo", "scancel"];

    private readonly List<(string Name, Process Process, StringBuilder Output)> _daemons = [];

    private SingleNodeSlurm(string folder) => Folder = folder;

    /// <summary>The temporary folder: configuration, key, state, daemon logs.</summary>
    public string Folder { get; }

    /// <summary>The <c>slurm.conf</c> every command must be given (as <c>SLURM_CONF</c>).</summary>
    public string ConfigPath => Path.Combine(Folder, "slurm.conf");

    /// <summary>Variables to add to a command's environment so that it talks to this cluster.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>(StringComparer.Ordinal) { ["SLURM_CONF"] = ConfigPath };

    /// <summary>
    /// Null when munge and Slurm are on this machine, installing them with apt-get if needed;
    /// otherwise why they are not (not root, apt-get failed), for the test to skip with.
    /// </summary>
    public static string? Install(TextWriter log)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "Slurm runs on Linux only.";
        }
        if (Programs.All(p => Find(p) is not null))
        {
            return null;
        }
        if (!System.Environment.IsPrivilegedProcess)
        {
            return $"Slurm and munge are not installed and this process is not root, so it can neither install them (apt-get install {string.Join(' ', Packages)}) nor run slurmd.";
        }
        if (Find("apt-get") is null)
        {
            return "Slurm and munge are not installed, and this machine has no apt-get to install them.";
        }
        // The package lists may be missing or stale on a fresh machine: update once if the install fails.
        string[] install = ["install", "-y", "--no-install-recommends", .. Packages];
        var (code, output) = Run("apt-get", install, TimeSpan.FromMinutes(3));
        if (code != 0)
        {
            log.WriteLine($"apt-get install failed ({code}); apt-get update, then again");
            Run("apt-get", ["update"], TimeSpan.FromMinutes(2));
            (code, output) = Run("apt-get", install, TimeSpan.FromMinutes(3));
        }
        var missing = Programs.Where(p => Find(p) is null).ToList();
        return code == 0 && missing.Count == 0
            ? null
            : $"apt-get could not install {string.Join(' ', Packages)} (exit code {code}{(missing.Count > 0 ? $"; still missing: {string.Join(", ", missing)}" : "")}): {Tail(output, 600)}";
    }

    /// <summary>Writes the configuration and starts munged, slurmctld and slurmd; returns once the node is idle.</summary>
    public static SingleNodeSlurm Start(TextWriter log)
    {
        var cluster = new SingleNodeSlurm(Directory.CreateTempSubdirectory("cpilgpu-slurm-").FullName);
        try
        {
            cluster.StartDaemons(log);
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    private void StartDaemons(TextWriter log)
    {
        // munge: its own key and socket, so that a system munged (if any) is neither needed nor disturbed.
        var key = Path.Combine(Folder, "munge.key");
        File.WriteAllBytes(key, System.Security.Cryptography.RandomNumberGenerator.GetBytes(128));
        if (!OperatingSystem.IsWindows())
        {
            // munged refuses a key that others can read.
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        var socket = Path.Combine(Folder, "munge.socket");
        // --force: munged refuses to run as root without it.
        StartDaemon("munged", ["--foreground", "--force", $"--socket={socket}", $"--key-file={key}", $"--pid-file={Folder}/munged.pid", $"--seed-file={Folder}/munged.seed", $"--log-file={Folder}/munged.log"]);
        WaitFor(() => File.Exists(socket), TimeSpan.FromSeconds(15), "munged to create its socket");

        var host = System.Environment.MachineName;
        var (controllerPort, nodePort) = (FreePort(), FreePort());
        foreach (var folder in new[] { "state", "spool" })
        {
            Directory.CreateDirectory(Path.Combine(Folder, folder));
        }
        File.WriteAllText(ConfigPath, string.Create(CultureInfo.InvariantCulture, $"""
            ClusterName=cpilgputest
            SlurmctldHost={host}(127.0.0.1)
            SlurmUser=root
            SlurmdUser=root
            SlurmctldPort={controllerPort}
            SlurmdPort={nodePort}
            AuthType=auth/munge
            CredType=cred/munge
            AuthInfo=socket={socket}
            StateSaveLocation={Folder}/state
            SlurmdSpoolDir={Folder}/spool
            SlurmctldPidFile={Folder}/slurmctld.pid
            SlurmdPidFile={Folder}/slurmd.pid
            SlurmctldLogFile={Folder}/slurmctld.log
            SlurmdLogFile={Folder}/slurmd.log
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            JobAcctGatherType=jobacct_gather/none
            AccountingStorageType=accounting_storage/none
            SchedulerType=sched/builtin
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core
            ReturnToService=2
            MpiDefault=none
            NodeName={host} NodeAddr=127.0.0.1 CPUs={System.Environment.ProcessorCount} RealMemory=1000 State=UNKNOWN
            PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP

            """));
        File.WriteAllText(Path.Combine(Folder, "cgroup.conf"), "CgroupPlugin=autodetect\n");

        StartDaemon("slurmctld", ["-D", "-f", ConfigPath]);
        StartDaemon("slurmd", ["-D", "-f", ConfigPath]);
        var state = "";
        WaitFor(() =>
        {
            state = Command("sinfo", ["--noheader", "--format=%T"], TimeSpan.FromSeconds(10)).Output.Trim();
            return state == "idle";
        }, TimeSpan.FromSeconds(60), "the node to be idle in sinfo");
        log.WriteLine($"single-node Slurm up in {Folder}: controller port {controllerPort}, node {host} port {nodePort}, {System.Environment.ProcessorCount} CPU(s)");
    }

    /// <summary>Runs a Slurm command against this cluster; its exit code and output (stdout, then stderr).</summary>
    public (int Code, string Output) Command(string program, string[] arguments, TimeSpan timeout) =>
        Run(program, arguments, timeout, Environment);

    /// <summary>The daemons' logs, for a failure message.</summary>
    public string Logs()
    {
        var text = new StringBuilder();
        foreach (var name in new[] { "slurmctld.log", "slurmd.log" })
        {
            var path = Path.Combine(Folder, name);
            text.AppendLine(CultureInfo.InvariantCulture, $"--- {name}").AppendLine(File.Exists(path) ? Tail(File.ReadAllText(path), 3000) : "(none)");
        }
        foreach (var (name, process, output) in _daemons)
        {
            lock (output)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"--- {name} (pid {process.Id}{(process.HasExited ? $", exited {process.ExitCode}" : "")})").AppendLine(Tail(output.ToString(), 1500));
            }
        }
        return text.ToString();
    }

    /// <summary>Cancels what is left of its jobs, stops the daemons by process id (SIGTERM, then SIGKILL) and deletes the folder.</summary>
    public void Dispose()
    {
        if (_daemons.Any(d => d.Name == "slurmctld" && !d.Process.HasExited))
        {
            Command("scancel", [$"--user={System.Environment.UserName}"], TimeSpan.FromSeconds(10));
        }
        // The node before the controller, munge last: each daemon still reaches those it reports to.
        foreach (var (_, process, _) in Enumerable.Reverse(_daemons))
        {
            if (!process.HasExited)
            {
                Run("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
                if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    process.Kill();
                    process.WaitForExit(TimeSpan.FromSeconds(5));
                }
            }
            process.Dispose();
        }
        _daemons.Clear();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A job's file still open; the temporary folder is left to the system.
        }
    }

    private void StartDaemon(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(Find(program) ?? program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["SLURM_CONF"] = ConfigPath;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = new StringBuilder();
        void Append(object sender, DataReceivedEventArgs line)
        {
            lock (output)
            {
                output.AppendLine(line.Data);
            }
        }
        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _daemons.Add((program, process, output));
    }

    private void WaitFor(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds:F0} s for {what}\n{Logs()}");
            }
            if (_daemons.FirstOrDefault(d => d.Process.HasExited) is { Name: { } name })
            {
                throw new InvalidOperationException($"{name} exited while waiting for {what}\n{Logs()}");
            }
            Thread.Sleep(200);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The full path of <paramref name="program"/> on PATH or in the sbin folders (which a non-login PATH may lack); null when absent.</summary>
    public static string? Find(string program) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"])
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs a program to its end (killed after <paramref name="timeout"/>); its exit code and output (stdout, then stderr).</summary>
    public static (int Code, string Output) Run(string program, string[] arguments, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Find(program) ?? program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, $"{program} {string.Join(' ', arguments)}: killed after {timeout.TotalSeconds:F0} s\n{output.Result}{error.Result}");
        }
        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }

    /// <summary>The last <paramref name="characters"/> of <paramref name="text"/>.</summary>
    public static string Tail(string text, int characters) => text.Length <= characters ? text : "…" + text[^characters..];
}
