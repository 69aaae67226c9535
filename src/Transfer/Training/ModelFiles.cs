using System.Globalization;
using System.Security.Cryptography;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Network;
using CrossPropertyILGPU.Network.Checkpoints;
using CrossPropertyILGPU.Network.Spec;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>
/// A model.json and its model.safetensors checked against each other before anything is
/// allocated for them: the architecture parses and its size is counted in checked arithmetic, the
/// weights file's header (never its data) holds exactly the tensors that architecture has, the
/// weights are the ones the manifest recorded (SHA-256), and the network fits in memory. Every
/// failure is one <see cref="UsageException"/> naming the file, never an overflow or an
/// out-of-memory halfway through building the network. Every path that builds a network from a
/// manifest goes through here: loading a model, a fine-tuning source, export.
/// </summary>
public static class ModelFiles
{
    /// <summary>Most dense layers an architecture read from a file may have.</summary>
    public const int MaxLayers = 1 << 20;

    /// <summary>Checks the manifest at <paramref name="manifestPath"/> against its weights file.</summary>
    /// <returns>The layer stack, its size and the weights file.</returns>
    /// <exception cref="UsageException">Any size does not fit, or the weights are not this manifest's.</exception>
    public static CheckedModel Check(string manifestPath, ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.InputWidth < 1)
        {
            throw new UsageException($"{manifestPath}: input width {manifest.InputWidth} is not a positive number of features.");
        }
        IReadOnlyList<LayerSpec> layers;
        long parameters;
        long activations;
        try
        {
            var spec = ElemNetSpec.Parse(manifest.Architecture);
            if (spec.Groups.Sum(g => (long)g.Count) + 1 > MaxLayers)
            {
                throw new UsageException($"{manifestPath}: architecture {manifest.Architecture} has more than {MaxLayers:N0} dense layers.");
            }
            layers = ElemNetLayers.Build(spec, manifest.KeepProbabilities ?? []);
            (parameters, activations) = Sequential.Measure(manifest.InputWidth, layers);
        }
        catch (Exception e) when (e is SpecFormatException or ArgumentException)
        {
            throw new UsageException($"{manifestPath}: {e.Message}", e);
        }
        catch (OverflowException e)
        {
            throw new UsageException($"{manifestPath}: architecture {manifest.Architecture} on {manifest.InputWidth} inputs has more parameters than can be counted.", e);
        }
        if (parameters > Array.MaxLength)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"{manifestPath}: architecture {manifest.Architecture} on {manifest.InputWidth} inputs has {parameters:N0} parameters, more than one buffer can hold ({Array.MaxLength:N0})."));
        }
        var weights = manifest.WeightsPath(manifestPath);
        SafeTensorsHeader header;
        try
        {
            header = SafeTensors.ReadHeader(weights);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException(e is InvalidDataException ? e.Message : $"{weights}: {e.Message}", e);
        }
        try
        {
            ModelWeights.Check(weights, header, manifest.InputWidth, layers);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"{e.Message} ({manifestPath} describes {manifest.Architecture} on {manifest.InputWidth} inputs.)", e);
        }
        // Manifests written before the field existed (the shipped model among them) have no hash: their weights are checked by shape only.
        if (manifest.WeightsSha256 is { } recorded)
        {
            var actual = Sha256(weights);
            if (!string.Equals(actual, recorded, StringComparison.OrdinalIgnoreCase))
            {
                throw new UsageException(
                    $"{weights}: its SHA-256 ({actual[..12]}…) is not the {recorded[..Math.Min(12, recorded.Length)]}… that {manifestPath} records — these weights belong to another model (copied from another run?); copy model.json and model.safetensors together.");
            }
        }
        return new CheckedModel(manifest.Architecture, layers, parameters, activations, weights);
    }

    /// <summary>
    /// Checks that the network of <paramref name="model"/> built for <paramref name="maxRows"/> rows
    /// fits: its activation arena in one buffer, its parameters, gradients, Adam moments and
    /// activations in <paramref name="device"/>'s memory, and the weights read from the file plus
    /// (on a CPU device) the network in host memory.
    /// </summary>
    /// <exception cref="UsageException">It does not.</exception>
    public static void CheckMemory(string manifestPath, CheckedModel model, int inputWidth, DeviceInfo device, int maxRows) =>
        CheckMemory(manifestPath, model, inputWidth, device, maxRows, MemoryBudget.HostBytes);

    /// <summary><see cref="CheckMemory(string, CheckedModel, int, DeviceInfo, int)"/> against a host budget of <paramref name="hostBudget"/> bytes.</summary>
    internal static void CheckMemory(string manifestPath, CheckedModel model, int inputWidth, DeviceInfo device, int maxRows, long hostBudget)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(device);
        // What Sequential allocates: four parameter-sized buffers, the input and every layer's output, and their gradients.
        var arena = (long)maxRows * (inputWidth + model.ActivationsPerRow);
        if (arena > Array.MaxLength)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"{manifestPath}: {maxRows} rows of architecture {model.Architecture} need {arena:N0} activations, more than one buffer can hold ({Array.MaxLength:N0})."));
        }
        var deviceBytes = 4 * (4 * model.Parameters + arena + (long)maxRows * model.ActivationsPerRow);
        // Loading holds the tensors read and their flat copy besides the network.
        var hostBytes = 4 * 2 * model.Parameters + (device.IsGpu ? 0 : deviceBytes);
        if (device.IsGpu && device.MemoryBytes > 0 && deviceBytes > device.MemoryBytes)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"{manifestPath}: architecture {model.Architecture} needs about {MemoryBudget.Gib(deviceBytes)} of device memory, but {device} has {MemoryBudget.Gib(device.MemoryBytes)}."));
        }
        var inUse = GC.GetTotalMemory(forceFullCollection: false);
        if (hostBytes + inUse > hostBudget)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"{manifestPath}: architecture {model.Architecture} needs about {MemoryBudget.Gib(hostBytes)} of memory to load, but this process may use {MemoryBudget.Gib(hostBudget)} ({MemoryBudget.Gib(inUse)} already in use)."));
        }
    }

    /// <summary>SHA-256 of the file at <paramref name="path"/>, lower-case hex, read in a stream.</summary>
    public static string Sha256(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }
}

/// <summary>A manifest's network as <see cref="ModelFiles.Check"/> found it.</summary>
/// <param name="Architecture">The architecture string, for messages.</param>
/// <param name="Layers">The layer stack.</param>
/// <param name="Parameters">Its parameter count.</param>
/// <param name="ActivationsPerRow">Activation floats one row needs.</param>
/// <param name="WeightsPath">The weights file, checked against the stack.</param>
public sealed record CheckedModel(string Architecture, IReadOnlyList<LayerSpec> Layers, long Parameters, long ActivationsPerRow, string WeightsPath);
