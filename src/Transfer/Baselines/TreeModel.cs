using Microsoft.ML;
using Microsoft.ML.Data;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Baselines;

/// <summary>
/// A fitted tree baseline (<see cref="BaselineModel.RandomForest"/> or
/// <see cref="BaselineModel.GradientBoosting"/>, the settings of <see cref="BaselineModels"/>) that
/// can be saved and loaded again: what <c>fit</c> keeps of its tree candidates. The file is ML.NET's
/// own model archive (a zip), so ML.NET can also read it outside this engine.
/// </summary>
public sealed class TreeModel
{
    private readonly MLContext _ml;
    private readonly ITransformer _model;

    private TreeModel(MLContext ml, ITransformer model, int width)
    {
        _ml = ml;
        _model = model;
        Width = width;
    }

    /// <summary>Features per row the model takes.</summary>
    public int Width { get; }

    /// <summary>
    /// Fits <paramref name="model"/> on <paramref name="train"/> (every row needs a target); the same
    /// rows and <paramref name="seed"/> give the same model.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> fired before or during the fit.</exception>
    public static TreeModel Fit(BaselineModel model, FeaturizedData train, int seed, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (model == BaselineModel.Mean)
        {
            throw new ArgumentException("The mean predictor is no tree model.", nameof(model));
        }
        var targets = train.Targets ?? throw new ArgumentException("The training rows have no targets.", nameof(train));
        if (train.Count == 0 || Array.Exists(targets, float.IsNaN))
        {
            throw new ArgumentException("Every training row needs a target.", nameof(train));
        }
        cancellation.ThrowIfCancellationRequested();
        var ml = new MLContext(seed);
        using var stop = cancellation.Register(() => BaselineModels.CancelExecution?.Invoke(ml));
        ITransformer fitted;
        try
        {
            fitted = BaselineModels.Trainer(ml, model, seed).Fit(ml.Data.LoadFromEnumerable(BaselineModels.Rows(train, targets), BaselineModels.Schema(train.Width)));
        }
        catch (Exception e) when (cancellation.IsCancellationRequested && e is AggregateException or InvalidOperationException)
        {
            // ML.NET surfaces a cancelled multi-threaded fit as an AggregateException (see BaselineModels.FitPredict).
            throw new OperationCanceledException("The fit was cancelled.", e, cancellation);
        }
        cancellation.ThrowIfCancellationRequested();
        return new TreeModel(ml, fitted, train.Width);
    }

    /// <summary>One prediction per row of <paramref name="data"/> (targets not needed).</summary>
    /// <exception cref="ArgumentException">The data's width is not <see cref="Width"/>.</exception>
    public float[] Predict(FeaturizedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Width != Width)
        {
            throw new ArgumentException($"The data have {data.Width} features per row; the model takes {Width}.", nameof(data));
        }
        return data.Count == 0
            ? []
            : [.. _model.Transform(_ml.Data.LoadFromEnumerable(BaselineModels.Rows(data, labels: null), BaselineModels.Schema(Width))).GetColumn<float>("Score")];
    }

    /// <summary>Writes the model to <paramref name="path"/> (ML.NET's zip archive), under a temporary name renamed into place.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var temporary = path + ".tmp";
        _ml.Model.Save(_model, _ml.Data.LoadFromEnumerable(Array.Empty<BaselineModels.Row>(), BaselineModels.Schema(Width)).Schema, temporary);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a model <see cref="Save"/> wrote; <paramref name="width"/> is its feature width, which the caller recorded.</summary>
    /// <exception cref="UsageException">The file is missing or is not a model archive.</exception>
    public static TreeModel Load(string path, int width)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new UsageException($"{path}: the tree model is missing (was the fit folder copied whole?).");
        }
        var ml = new MLContext();
        try
        {
            var model = ml.Model.Load(path, out var schema);
            if (schema["Features"].Type is not VectorDataViewType { Size: var size } || size != width)
            {
                throw new UsageException($"{path}: the tree model takes another number of features than the {width} its fit folder records.");
            }
            return new TreeModel(ml, model, width);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidDataException or ArgumentException)
        {
            throw new UsageException($"{path}: not a tree model archive ({e.Message}).", e);
        }
    }
}
