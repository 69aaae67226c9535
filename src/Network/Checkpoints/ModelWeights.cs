using CrossPropertyILGPU.Network.Spec;

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
        var byName = Match(path, model.Parameters.Entries.Select(e => (e.Name, e.Rows, e.Columns)), tensors, t => t.Name, t => t.Shape);
        var values = new float[model.Parameters.Count];
        foreach (var entry in model.Parameters.Entries)
        {
            byName[entry.Name].Data.CopyTo(values, entry.Offset);
        }
        model.Parameters.UploadValues(values);
        return metadata;
    }

    /// <summary>
    /// Loads every parameter of <paramref name="path"/> but the output layer's into
    /// <paramref name="model"/>, whose output layer keeps its values: the trunk of a source model
    /// under a new head, whose width may differ from the file's (a source with several outputs
    /// fine-tuned to one target). The file's output layer must be there, on the same inputs, in
    /// any width; every other parameter must match exactly, as for <see cref="Load"/>. Adam's
    /// moments are reset.
    /// </summary>
    /// <exception cref="InvalidDataException">The file's trunk does not match the model's.</exception>
    public static IReadOnlyDictionary<string, string> LoadAllButOutputLayer(Sequential model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (tensors, metadata) = SafeTensors.Read(path);
        var head = model.DenseLayers.Count - 1;
        var headNames = new HashSet<string>(StringComparer.Ordinal) { $"dense.{head}.weight", $"dense.{head}.bias" };
        var headWeight = model.Parameters.Entry($"dense.{head}.weight");
        // The file's head: present, fed by the trunk's last width; its own width is free.
        var fileHead = tensors.FirstOrDefault(t => t.Name == headWeight.Name)
            ?? throw new InvalidDataException($"{path}: has no tensor '{headWeight.Name}' — it was saved from another architecture.");
        if (fileHead.Shape.Length != 2 || fileHead.Shape[0] != headWeight.Rows)
        {
            throw new InvalidDataException(
                $"{path}: tensor '{headWeight.Name}' is [{string.Join("×", fileHead.Shape)}] but the model's output layer takes {headWeight.Rows} inputs — another architecture.");
        }
        var trunk = model.Parameters.Entries.Where(e => !headNames.Contains(e.Name)).ToList();
        var byName = Match(path, trunk.Select(e => (e.Name, e.Rows, e.Columns)), tensors.Where(t => !headNames.Contains(t.Name)), t => t.Name, t => t.Shape);
        var values = model.Parameters.DownloadValues();
        foreach (var entry in trunk)
        {
            byName[entry.Name].Data.CopyTo(values, entry.Offset);
        }
        model.Parameters.UploadValues(values);
        return metadata;
    }

    /// <summary>
    /// Checks, from the header alone, that <paramref name="path"/> holds exactly the parameters of
    /// <paramref name="layers"/> on <paramref name="inputWidth"/> inputs, with the shapes
    /// <see cref="Load"/> needs: nothing is allocated for the tensors, so a file or an architecture
    /// claiming gigabytes is refused before any memory is spent on it.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is damaged or does not match the architecture.</exception>
    public static SafeTensorsHeader Check(string path, int inputWidth, IReadOnlyList<LayerSpec> layers)
    {
        var header = SafeTensors.ReadHeader(path);
        Check(path, header, inputWidth, layers);
        return header;
    }

    /// <summary>Checks an already read <paramref name="header"/> of <paramref name="path"/> as <see cref="Check(string, int, IReadOnlyList{LayerSpec})"/> does.</summary>
    /// <exception cref="InvalidDataException">The header does not match the architecture.</exception>
    public static void Check(string path, SafeTensorsHeader header, int inputWidth, IReadOnlyList<LayerSpec> layers)
    {
        ArgumentNullException.ThrowIfNull(header);
        Match(path, Sequential.ParameterShapes(inputWidth, layers), header.Tensors, t => t.Name, t => t.Shape);
    }

    // Every parameter must be present with its exact shape, and no other tensor: the tensors by name, or the first mismatch named.
    private static Dictionary<string, T> Match<T>(
        string path, IEnumerable<(string Name, int Rows, int Columns)> parameters, IEnumerable<T> tensors, Func<T, string> name, Func<T, int[]> shape)
    {
        var byName = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            byName[name(tensor)] = tensor;
        }
        var matched = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var (parameter, rows, columns) in parameters)
        {
            if (!byName.Remove(parameter, out var tensor))
            {
                throw new InvalidDataException($"{path}: has no tensor '{parameter}' [{rows}×{columns}] — it was saved from another architecture.");
            }
            var dimensions = shape(tensor);
            var count = dimensions.Aggregate(1L, (a, d) => a * d);
            if (count != (long)rows * columns || dimensions.Length == 0 || dimensions[^1] != columns)
            {
                throw new InvalidDataException(
                    $"{path}: tensor '{parameter}' is [{string.Join("×", dimensions)}] but the model needs [{rows}×{columns}] — another architecture or input width.");
            }
            matched[parameter] = tensor;
        }
        if (byName.Count > 0)
        {
            throw new InvalidDataException($"{path}: holds tensors the model lacks ({string.Join(", ", byName.Keys.Take(3))}) — it was saved from another architecture.");
        }
        return matched;
    }
}
