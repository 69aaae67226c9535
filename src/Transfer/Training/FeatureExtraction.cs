using System.Globalization;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>
/// The <c>extract</c> verb's work (the paper's TL:FeatExtr): activations of hidden dense layers of a
/// trained model for every usable formula of a file, written as feature CSVs —
/// <c>formula,0,1,…,n−1[,target]</c> — that other models can be trained on.
/// </summary>
public static class FeatureExtraction
{
    /// <summary>
    /// Writes one CSV per layer in <paramref name="layers"/> (1-based hidden dense layers: 1 … 16
    /// for ElemNet) and returns the paths written. With one layer and an <paramref name="output"/>
    /// ending in <c>.csv</c> that is the file; otherwise <paramref name="output"/> is a folder
    /// receiving <c>layer_KK_WIDTH.csv</c> files.
    /// </summary>
    public static IReadOnlyList<string> Run(MaterialsModel model, string inputPath, IReadOnlyList<int> layers, string output, string? formulaColumn, TextWriter log) =>
        Run(model, [inputPath], layers, output, formulaColumn, log);

    /// <summary>
    /// As the single-file overload, over the rows of several files one after another — e.g. a
    /// training and a test file, so one feature file serves both (<c>train --features FILE</c> looks
    /// rows up by formula). Files without a target column leave the target column out.
    /// </summary>
    public static IReadOnlyList<string> Run(MaterialsModel model, IReadOnlyList<string> inputPaths, IReadOnlyList<int> layers, string output, string? formulaColumn, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputPaths);
        ArgumentNullException.ThrowIfNull(layers);
        var hidden = model.Network.DenseLayers.Count - 1;
        foreach (var layer in layers)
        {
            if (layer < 1 || layer > hidden)
            {
                throw new OptionException("Layer", layer.ToString(System.Globalization.CultureInfo.InvariantCulture), $"the model has hidden dense layers 1 to {hidden} (the output layer is not a feature).");
            }
        }
        if (inputPaths.Count == 0)
        {
            throw new OptionException("InputPaths", null, "give at least one input file.");
        }
        string? targetName = null;
        var parts = new List<FeaturizedData>();
        foreach (var inputPath in inputPaths)
        {
            parts.Add(DataLoading.Load(inputPath, formulaColumn, targetColumn: null, requireTargets: false, log, out var name, model.Features));
            targetName ??= name;
        }
        var data = DataLoading.Concatenate(parts);
        var activations = model.Network.Activations(data.Features, data.Count, [.. layers.Select(k => k - 1)]);

        var single = layers.Count == 1 && output.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        if (!single)
        {
            Directory.CreateDirectory(output);
        }
        var written = new List<string>();
        for (var j = 0; j < layers.Count; j++)
        {
            var width = model.Network.DenseLayers[layers[j] - 1].OutputWidth;
            var path = single ? output : Path.Combine(output, string.Create(CultureInfo.InvariantCulture, $"layer_{layers[j]:D2}_{width}.csv"));
            // Temporary name, then rename: an interrupted extraction never leaves half a file.
            var columns = Enumerable.Range(0, width).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray();
            CsvOutput.WriteAtomically(path, writer =>
            {
                CsvOutput.WriteFeatures(writer, columns, data.Records, activations[j], data.Targets, targetName ?? "target");
                return data.Count;
            });
            written.Add(path);
        }
        return written;
    }
}
