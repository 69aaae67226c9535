using System.Globalization;

namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>
/// Refuses, with a message saying how much and why, an allocation that cannot succeed: a feature
/// matrix longer than a .NET array may be, or more bytes than the process can ever get (physical
/// memory or the container's limit, as the GC sees it), or than the device has. Checked before the
/// allocation, so a too-large file ends in a clear error instead of an OutOfMemoryException or the
/// kernel's OOM killer halfway through a run.
/// </summary>
public static class MemoryBudget
{
    /// <summary>Bytes the process may use at most: physical memory or the container limit.</summary>
    public static long HostBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Checks that a <paramref name="rows"/> × <paramref name="width"/> float matrix read from <paramref name="path"/> can be allocated.</summary>
    /// <exception cref="DataFileException">It cannot.</exception>
    public static void EnsureFeatureMatrix(string path, long rows, int width)
    {
        var floats = rows * width;
        if (floats > Array.MaxLength)
        {
            throw new DataFileException(path, string.Create(CultureInfo.InvariantCulture,
                $"{rows:N0} rows × {width} features = {floats:N0} values, more than one array can hold ({Array.MaxLength:N0}); split the file"));
        }
        EnsureHost(path, 4L * floats, $"the {rows:N0} × {width} feature matrix");
    }

    /// <summary>Checks that <paramref name="bytes"/> more bytes fit in host memory.</summary>
    /// <exception cref="DataFileException">They cannot.</exception>
    public static void EnsureHost(string path, long bytes, string what)
    {
        var host = HostBytes;
        if (bytes > host)
        {
            throw new DataFileException(path, string.Create(CultureInfo.InvariantCulture,
                $"{what} needs {Gib(bytes)} of memory, but this machine has {Gib(host)}"));
        }
    }

    /// <summary>Gibibytes with two decimals.</summary>
    public static string Gib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):F2} GiB");
}
