using System.Collections.Concurrent;
using CrossPropertyILGPU.Transfer.Baselines;
using CrossPropertyILGPU.Transfer.Chemistry;
using CrossPropertyILGPU.Transfer.Data;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;
// The type shares its namespace's name, which this test namespace hides; the alias reaches the type.
using Baseline = CrossPropertyILGPU.Transfer.Baselines.BaselineModels;

namespace CrossPropertyILGPU.Transfer.Tests.Baselines;

/// <summary>The classical baselines on the shipped experimental formation-energy set (1,479 train, 164 test rows).</summary>
public sealed class BaselineModelsTests
{
    private const int Seed = 1234567;

    // Each tree model is fitted once for the comparison with the mean and once more for the
    // repeatability check; the cache keeps the suite to those two fits per model (seconds each).
    private static readonly ConcurrentDictionary<BaselineModel, float[][]> Fitted = new();

    private static readonly Lazy<(FeaturizedData Train, FeaturizedData Test)> ExptDeltae = new(() =>
        (Load("expt_deltae_training_set.csv"), Load("expt_deltae_test_set.csv")));

    private static FeaturizedData Load(string file) =>
        DataLoading.Load(TestFiles.Jarvis("expt_deltae", file), null, null, requireTargets: true, TextWriter.Null);

    private static float[][] FitOnce(BaselineModel model) =>
        Fitted.GetOrAdd(model, m => Baseline.FitPredict(m, ExptDeltae.Value.Train, [ExptDeltae.Value.Test], Seed));

    private static double Mae(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions) =>
        RegressionMetrics.Compute("test", targets, predictions, 0).Mae;

    [Test]
    public void FitPredict_Mean_EveryRowIsExactlyTheTrainingMean()
    {
        var (train, test) = ExptDeltae.Value;
        double sum = 0;
        foreach (var target in train.Targets!)
        {
            sum += target;
        }
        var mean = (float)(sum / train.Count);

        var predictions = Baseline.FitPredict(BaselineModel.Mean, train, [train, test], Seed);

        Assert.That(predictions, Has.Length.EqualTo(2));
        Assert.That(predictions[0], Has.Length.EqualTo(train.Count).And.All.EqualTo(mean));
        Assert.That(predictions[1], Has.Length.EqualTo(test.Count).And.All.EqualTo(mean));
    }

    [TestCase(BaselineModel.RandomForest)]
    [TestCase(BaselineModel.GradientBoosting)]
    public void FitPredict_TreeModel_BeatsTheMeanPredictorOnTheTestSet(BaselineModel model)
    {
        var test = ExptDeltae.Value.Test;
        var meanMae = Mae(test.Targets!, Baseline.FitPredict(BaselineModel.Mean, ExptDeltae.Value.Train, [test], Seed)[0]);

        var mae = Mae(test.Targets!, FitOnce(model)[0]);

        // The mean predictor scores 1.03 eV/atom here; a tree model that learned anything is far below.
        Assert.That(mae, Is.LessThan(0.5 * meanMae), $"{model}: MAE {mae} against the mean predictor's {meanMae}");
    }

    [TestCase(BaselineModel.RandomForest)]
    [TestCase(BaselineModel.GradientBoosting)]
    public void FitPredict_SameSeed_IdenticalPredictions(BaselineModel model)
    {
        var again = Baseline.FitPredict(model, ExptDeltae.Value.Train, [ExptDeltae.Value.Test], Seed);

        Assert.That(again[0], Is.EqualTo(FitOnce(model)[0]).AsCollection);
    }

    [Test]
    public void FitPredict_RandomForestOtherSeed_DifferentPredictions()
    {
        // Proves the seed reaches the forest's row sampling (ML.NET's trainers otherwise use a fixed
        // one). On a 40-row slice so it costs a fraction of a second.
        var slice = DataLoading.Subset(ExptDeltae.Value.Train, [.. Enumerable.Range(0, 40)]);

        var a = Baseline.FitPredict(BaselineModel.RandomForest, slice, [slice], 1)[0];
        var b = Baseline.FitPredict(BaselineModel.RandomForest, slice, [slice], 2)[0];

        Assert.That(b, Is.Not.EqualTo(a).AsCollection);
    }

    [Test]
    public void FitPredict_NoTrainingTargets_ThrowsArgumentException()
    {
        var unlabelled = new FeaturizedData([new MaterialsRecord(2, "NaCl", null)], new float[ElementalFractions.Width], ElementalFractions.Width, null, []);

        Assert.That(() => Baseline.FitPredict(BaselineModel.Mean, unlabelled, [unlabelled], Seed), Throws.ArgumentException);
    }

    [Test]
    public void FitPredict_WidthMismatch_ThrowsArgumentException()
    {
        var train = ExptDeltae.Value.Train;
        var narrow = new FeaturizedData([new MaterialsRecord(2, "NaCl", 1f)], new float[3], 3, [1f], []);

        Assert.That(() => Baseline.FitPredict(BaselineModel.GradientBoosting, train, [narrow], Seed), Throws.ArgumentException);
    }

    [TestCase(BaselineModel.Mean)]
    [TestCase(BaselineModel.RandomForest)]
    [TestCase(BaselineModel.GradientBoosting)]
    public void FitPredict_AlreadyCancelled_ThrowsOperationCanceledWithoutFitting(BaselineModel model)
    {
        var train = ExptDeltae.Value.Train;

        Assert.That(() => Baseline.FitPredict(model, train, [train], Seed, new CancellationToken(canceled: true)),
            Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void FitsCanBeCancelled_OnThePinnedMLNet_IsTrue()
    {
        // False would mean an ML.NET upgrade removed the internal cancel hook: fits would then
        // ignore Ctrl+C and SIGTERM for as long as they run.
        Assert.That(Baseline.FitsCanBeCancelled, Is.True);
    }

    // 200 ms lands in the first trees; 1.5 s deep in the boosting, where ML.NET splits features on
    // several threads and the cancelled workers surface together as an AggregateException.
    [TestCase(BaselineModel.RandomForest, 200)]
    [TestCase(BaselineModel.GradientBoosting, 200)]
    [TestCase(BaselineModel.GradientBoosting, 1500)]
    public void FitPredict_CancelledDuringTheFit_StopsWithOperationCanceled(BaselineModel model, int cancelAfterMs)
    {
        // 400 rows × 1,024 features, the width of the extracted features: uncancelled, the forest
        // takes minutes and the boosting tens of seconds on one core, so a fit that ignored the
        // token could not finish inside the 200 ms or 1.5 s and would return predictions instead of throwing.
        const int rows = 400, width = 1024;
        var random = new Random(Seed);
        var features = new float[rows * width];
        for (var i = 0; i < features.Length; i++)
        {
            features[i] = random.NextSingle();
        }
        var targets = Enumerable.Range(0, rows).Select(i => features[i * width] + features[(i * width) + 1]).ToArray();
        var records = Enumerable.Range(0, rows).Select(i => new MaterialsRecord(i + 2, "NaCl", targets[i])).ToArray();
        var train = new FeaturizedData(records, features, width, targets, []);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(cancelAfterMs));

        Assert.That(() => Baseline.FitPredict(model, train, [train], Seed, cancel.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    [TestCase("mean", BaselineModel.Mean)]
    [TestCase("rf", BaselineModel.RandomForest)]
    [TestCase("GBM", BaselineModel.GradientBoosting)]
    public void Parse_KnownName_ReturnsModelAndNameRoundTrips(string text, BaselineModel expected)
    {
        var model = Baseline.Parse(text);

        Assert.That(model, Is.EqualTo(expected));
        Assert.That(Baseline.Parse(Baseline.Name(model)), Is.EqualTo(model));
    }

    [Test]
    public void Parse_UnknownName_ThrowsUsageExceptionListingTheValidOnes()
    {
        Assert.That(() => Baseline.Parse("svm"), Throws.InstanceOf<UsageException>().With.Message.Contains("mean, rf, gbm"));
    }
}
