using System.Text.Json;
using System.Text.Json.Serialization;
using CrossPropertyILGPU.Kernels.Ops;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace CrossPropertyILGPU.Kernels.Backends;

/// <summary>One measured choice: the tile and SGEMM variant that ran a product of this shape fastest.</summary>
/// <param name="Product">Which dense product.</param>
/// <param name="M">Batch.</param>
/// <param name="K">In-features.</param>
/// <param name="N">Out-features.</param>
/// <param name="Tile">The winning block tile.</param>
/// <param name="Variant">The winning variant.</param>
public sealed record GemmTuning(GemmProduct Product, int M, int K, int N, GemmTileSize Tile, GemmVariant Variant);

/// <summary>
/// The per-device file of measured SGEMM choices: the <c>sgemm</c> benchmark times every variant
/// per product and shape and (with <c>--write-cache</c>) saves the winners here; an ILGPU backend
/// on the same device reads them at creation and prefers them to <see cref="GemmSelection"/>'s
/// table. One JSON file per device, named after its <see cref="DeviceKey"/>. Written atomically
/// (a temporary file, then a rename), so a reader never sees half a file; a file that cannot be
/// read or parsed, or belongs to another device, is ignored with a warning — tuning is an
/// optimisation, never a reason to fail.
/// </summary>
public static class GemmTuningCache
{
    private const int Format = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
    };

    /// <summary>
    /// Where CUDA backends look by default: $XDG_CACHE_HOME (or ~/.cache, or the local application
    /// data folder) /CrossPropertyILGPU/gemm-tuning.
    /// </summary>
    public static string DefaultDirectory
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (string.IsNullOrEmpty(root))
            {
                var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                root = string.IsNullOrEmpty(home)
                    ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
                    : Path.Combine(home, ".cache");
            }
            return Path.Combine(root, "CrossPropertyILGPU", "gemm-tuning");
        }
    }

    /// <summary>
    /// What identifies a device for tuning: name, compute capability (CUDA) and multiprocessor
    /// count — the things that change which tile and variant win.
    /// </summary>
    public static string DeviceKey(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        var architecture = accelerator is CudaAccelerator cuda ? $" {cuda.Architecture}" : "";
        return $"{accelerator.AcceleratorType} {accelerator.Name}{architecture} {accelerator.NumMultiprocessors}MP";
    }

    /// <summary>The file for <paramref name="deviceKey"/> in <paramref name="directory"/>.</summary>
    public static string PathFor(string directory, string deviceKey)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(deviceKey);
        var name = new string([.. deviceKey.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
        return Path.Combine(directory, $"{name}.json");
    }

    /// <summary>
    /// The entries of the file at <paramref name="path"/> made for <paramref name="deviceKey"/>;
    /// empty when there is no file, and empty with a line on <paramref name="warnings"/> when it is
    /// unreadable, corrupt, of another format or of another device.
    /// </summary>
    public static IReadOnlyList<GemmTuning> Load(string path, string deviceKey, TextWriter warnings)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(warnings);
        if (!File.Exists(path))
        {
            return [];
        }
        try
        {
            var file = JsonSerializer.Deserialize<CacheFile>(File.ReadAllText(path), Json);
            if (file is null || file.Format != Format || file.Entries is null)
            {
                warnings.WriteLine($"warning: GEMM tuning cache {path} has no entries of format {Format}; ignored.");
                return [];
            }
            if (file.Device != deviceKey)
            {
                warnings.WriteLine($"warning: GEMM tuning cache {path} is for '{file.Device}', not '{deviceKey}'; ignored.");
                return [];
            }
            var valid = file.Entries.Where(e => e is not null && e.M > 0 && e.K > 0 && e.N > 0
                && Enum.IsDefined(e.Product) && Enum.IsDefined(e.Tile) && Enum.IsDefined(e.Variant)
                && GemmTileConfiguration.Exists(e.Tile, e.Variant)).ToArray();
            if (valid.Length != file.Entries.Count)
            {
                warnings.WriteLine($"warning: GEMM tuning cache {path}: {file.Entries.Count - valid.Length} invalid entries ignored.");
            }
            return valid;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            warnings.WriteLine($"warning: GEMM tuning cache {path} could not be read ({e.Message}); ignored.");
            return [];
        }
    }

    /// <summary>
    /// Replaces the file at <paramref name="path"/> with <paramref name="entries"/> for
    /// <paramref name="deviceKey"/>: written to a temporary file beside it, then renamed over it.
    /// </summary>
    public static void Save(string path, string deviceKey, IEnumerable<GemmTuning> entries)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(entries);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temporary, JsonSerializer.Serialize(new CacheFile(Format, deviceKey, [.. entries]), Json));
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    private sealed record CacheFile(int Format, string Device, List<GemmTuning> Entries);
}
