namespace CrossPropertyILGPU.Network.Checkpoints;

/// <summary>
/// Saves and loads a <see cref="Sequential"/>'s parameters as safetensors, one tensor per parameter
/// under its store name (<c>dense.0.weight</c> [in, out], <c>dense.0.bias</c> [out]). Weights keep the
/// engine's [in, out] layout (Keras's kernel layout); <c>torch.nn.Linear</c> wants the transpose —
/// the file's metadata says so.
/// </summary>
public static class ModelWeights
{
    /// <summary>Metadata key naming the weight layout.</summary>
    public const string LayoutKey = "weight_layout";

    /// <summary>Writes the model's current parameter values to <paramref name="path"/>.</summary>
    public static void Save(Sequential model, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var values = model.Parameters.DownloadValues();
        var tensors = model.Parameters.Entries
            .Select(e => new NamedTensor(
                e.Name,
                e.Rows == 1 && e.Name.EndsWith(".bias", StringComparison.Ordinal) ? [e.Columns] : [e.Rows, e.Columns],
                values.AsSpan(e.Offset, e.Length).ToArray()))
            .ToList();
        var allMetadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [LayoutKey] = "in,out (y = x·W + b; transpose W for torch.nn.Linear)",
        };
        // Written beside and renamed over: a full disk or a crash never leaves a truncated model under the real name.
        var temporary = $"{path}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp";
        try
        {
            SafeTensors.Write(temporary, tensors, allMetadata);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Loads <paramref name="path"/> into <paramref name="model"/>: every parameter must be present with
    /// its exact shape (a file from another architecture or input width is rejected with the first
    /// mismatch named). Adam's moments are reset.
    /// </summary>
    /// <exception cref="InvalidDataException">The file does not match the model.</exception>
    public static IReadOnlyDictionary<string, string> Load(Sequential model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (tensors, metadata) = SafeTensors.Read(path);
        var byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var values = new float[model.Parameters.Count];
        foreach (var entry in model.Parameters.Entries)
        {
            if (!byName.Remove(entry.Name, out var tensor))
            {
                throw new InvalidDataException($"{path}: has no tensor '{entry.Name}' [{entry.Rows}×{entry.Columns}] — it was saved from another architecture.");
            }
            if (tensor.Data.Length != entry.Length || tensor.Shape[^1] != entry.Columns)
            {
                throw new InvalidDataException(
                    $"{path}: tensor '{entry.Name}' is [{string.Join("×", tensor.Shape)}] but the model needs [{entry.Rows}×{entry.Columns}] — another architecture or input width.");
            }
            tensor.Data.CopyTo(values, entry.Offset);
        }
        if (byName.Count > 0)
        {
            throw new InvalidDataException($"{path}: holds tensors the model lacks ({string.Join(", ", byName.Keys.Take(3))}) — it was saved from another architecture.");
        }
        model.Parameters.UploadValues(values);
        return metadata;
    }
}
