using System.Diagnostics;
using System.Globalization;

namespace CrossPropertyILGPU.Transfer.Reproduce;

/// <summary>
/// One process's claim on a (data set, method): the file <c>&lt;set&gt;/&lt;method&gt;.claim</c> beside
/// the result, created exclusively before the method runs and deleted when it is done. Grids in
/// several processes (one per core, or one per machine on a shared folder) can then share one
/// results folder with the same <c>--datasets</c>: each takes the pairs nobody holds. A claim left
/// by a process that is gone (killed, machine restarted) is taken over when its holder ran on this
/// machine and is no longer alive; a claim from another machine is left alone, and the log says
/// which file to delete if that machine's grid is gone.
/// </summary>
public sealed class GridClaim : IDisposable
{
    /// <summary>The claim file's extension.</summary>
    public const string Extension = ".claim";

    private readonly string _path;

    private GridClaim(string path) => _path = path;

    /// <summary>The claim file that guards <paramref name="resultPath"/>.</summary>
    public static string PathFor(string resultPath) => Path.ChangeExtension(resultPath, Extension);

    /// <summary>
    /// Claims <paramref name="resultPath"/>'s method for this process, or returns null with
    /// <paramref name="holder"/> describing the live process that holds it.
    /// </summary>
    public static GridClaim? TryTake(string resultPath, TextWriter log, out string? holder)
    {
        ArgumentNullException.ThrowIfNull(log);
        var path = PathFor(resultPath);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        const int attempts = 3;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            try
            {
                using (var writer = new StreamWriter(new FileStream(path, FileMode.CreateNew, FileAccess.Write)))
                {
                    writer.WriteLine(Holder.Current().ToLine());
                }
                holder = null;
                return new GridClaim(path);
            }
            catch (IOException) when (File.Exists(path) || attempt < attempts - 1)
            {
                if (!File.Exists(path))
                {
                    // Its holder released it between the attempt and this look: try again.
                    continue;
                }
                var other = Holder.Read(path);
                if (other is null || !other.IsGoneFromThisMachine())
                {
                    holder = other?.ToString() ?? "another process (its claim is being written)";
                    return null;
                }
                log.WriteLine($"{path}: its holder ({other}) is gone; taking it over");
                File.Delete(path);
            }
        }
        holder = "another process (the claim changed hands while this one looked)";
        return null;
    }

    /// <summary>Deletes the claim.</summary>
    public void Dispose() => File.Delete(_path);

    // Host, process id and the process's start time: a reused process id is not mistaken for the holder.
    private sealed record Holder(string Host, int ProcessId, long StartTicks)
    {
        public static Holder Current()
        {
            using var self = Process.GetCurrentProcess();
            return new(Environment.MachineName, Environment.ProcessId, self.StartTime.ToUniversalTime().Ticks);
        }

        public static Holder? Read(string path)
        {
            try
            {
                var parts = File.ReadAllText(path).Trim().Split(' ');
                return parts is [var host, var id, var ticks]
                    && int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                    && long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                    ? new Holder(host, pid, start)
                    : null;
            }
            catch (IOException)
            {
                return null;
            }
        }

        public string ToLine() => string.Create(CultureInfo.InvariantCulture, $"{Host} {ProcessId} {StartTicks}");

        public bool IsGoneFromThisMachine()
        {
            if (!string.Equals(Host, Environment.MachineName, StringComparison.Ordinal))
            {
                return false;
            }
            try
            {
                // .NET derives a start time from the boot time it estimates at each call, so two
                // processes see the same process's start a few microseconds apart: within a second
                // it is the holder; further off, its process id has been reused.
                using var process = Process.GetProcessById(ProcessId);
                return process.HasExited || Math.Abs(process.StartTime.ToUniversalTime().Ticks - StartTicks) > TimeSpan.TicksPerSecond;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                return true;
            }
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"process {ProcessId} on {Host}, started {new DateTime(StartTicks, DateTimeKind.Utc):yyyy-MM-dd HH:mm:ss} UTC");
    }
}
