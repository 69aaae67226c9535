using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Baselines;

/// <summary>
/// Boosted trees that classify rows as positive (target above 0) or not — the gate of a
/// zero-inflated target such as band gaps, where metals sit at exactly 0 — with the settings of the
/// boosted-tree baseline (<see cref="BaselineModels"/>). Saved and loaded as ML.NET's archive, like
/// <see cref="TreeModel"/>.
/// </summary>
public sealed class GateModel
{
    private readonly MLContext _ml;
    private readonly ITransformer _model;

    private GateModel(MLContext ml, ITransformer model, int width)
    {
        _ml = ml;
        _model = model;
        Width = width;
    }

    /// <summary>Features per row the model takes.</summary>
    public int Width { get; }

    /// <summary>Fits the gate on <paramref name="train"/>: label = target &gt; 0.</summary>
    /// <exception cref="ArgumentException">Missing targets, or only one class among them.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> fired before or during the fit.</exception>
    public static GateModel Fit(FeaturizedData train, int seed, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var targets = train.Targets ?? throw new ArgumentException("The training rows have no targets.", nameof(train));
        if (!targets.Any(t => t > 0) || !targets.Any(t => !(t > 0)))
        {
            throw new ArgumentException("A gate needs rows on both sides of 0.", nameof(train));
        }
        cancellation.ThrowIfCancellationRequested();
        var ml = new MLContext(seed);
        using var stop = cancellation.Register(() => BaselineModels.CancelExecution?.Invoke(ml));
        ITransformer fitted;
        try
        {
            var trainer = ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
            {
                NumberOfTrees = BaselineModels.BoostingTrees,
                LearningRate = BaselineModels.BoostingLearningRate,
                NumberOfLeaves = BaselineModels.BoostingLeaves,
                MinimumExampleCountPerLeaf = BaselineModels.BoostingMinimumLeafRows,
                Seed = seed,
                FeatureSelectionSeed = seed,
            });
            fitted = trainer.Fit(ml.Data.LoadFromEnumerable(Rows(train, targets), Schema(train.Width)));
        }
        catch (Exception e) when (cancellation.IsCancellationRequested && e is AggregateException or InvalidOperationException)
        {
            throw new OperationCanceledException("The fit was cancelled.", e, cancellation);
        }
        cancellation.ThrowIfCancellationRequested();
        return new GateModel(ml, fitted, train.Width);
    }

    /// <summary>The probability that each row's target is above 0.</summary>
    public float[] Probabilities(FeaturizedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Width != Width)
        {
            throw new ArgumentException($"The data have {data.Width} features per row; the gate takes {Width}.", nameof(data));
        }
        return data.Count == 0
            ? []
            : [.. _model.Transform(_ml.Data.LoadFromEnumerable(Rows(data, null), Schema(Width))).GetColumn<float>("Probability")];
    }

    /// <summary>Writes the gate to <paramref name="path"/>, under a temporary name renamed into place.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var temporary = path + ".tmp";
        _ml.Model.Save(_model, _ml.Data.LoadFromEnumerable(Array.Empty<GateRow>(), Schema(Width)).Schema, temporary);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a gate <see cref="Save"/> wrote.</summary>
    /// <exception cref="UsageException">Missing, not a model archive, or of another width.</exception>
    public static GateModel Load(string path, int width)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new UsageException($"{path}: the gate model is missing (was the fit folder copied whole?).");
        }
        var ml = new MLContext();
        try
        {
            var model = ml.Model.Load(path, out var schema);
            if (schema["Features"].Type is not VectorDataViewType { Size: var size } || size != width)
            {
                throw new UsageException($"{path}: the gate takes another number of features than the {width} its fit folder records.");
            }
            return new GateModel(ml, model, width);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidDataException or ArgumentException)
        {
            throw new UsageException($"{path}: not a gate model archive ({e.Message}).", e);
        }
    }

    private static SchemaDefinition Schema(int width)
    {
        var schema = SchemaDefinition.Create(typeof(GateRow));
        schema[nameof(GateRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return schema;
    }

    private static IEnumerable<GateRow> Rows(FeaturizedData data, float[]? targets)
    {
        for (var i = 0; i < data.Count; i++)
        {
            yield return new GateRow { Features = data.Row(i).ToArray(), Label = targets is not null && targets[i] > 0 };
        }
    }

    /// <summary>One row as ML.NET's binary trainers read it.</summary>
    internal sealed class GateRow
    {
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }
}
