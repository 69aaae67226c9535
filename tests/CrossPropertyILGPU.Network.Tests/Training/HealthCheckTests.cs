using CrossPropertyILGPU.Network.Spec;
using CrossPropertyILGPU.Network.Training;

namespace CrossPropertyILGPU.Network.Tests.Training;

public sealed class HealthCheckTests : NetworkTestBase
{
    [Test]
    public void Measure_NormsOfTheTrainableGradientsAndAllWeights()
    {
        using var model = new Sequential(Backend, 2, [new DenseSpec(2, true), new DenseSpec(1, false)], maxRows: 1);
        var parameters = model.Parameters;
        // dense.0: 2·2 + 2 = 6 floats, frozen; dense.1: 2 + 1 = 3 floats, trainable.
        parameters.UploadValues([1, 1, 1, 1, 1, 1, 3, 0, 4]);
        Backend.Upload(parameters.Gradients.View, [100, 100, 100, 100, 100, 100, 0, 3, 4]);
        var (offset, count) = model.TrainableRange(1);
        var check = new HealthCheck(parameters, offset, count);

        var metrics = check.Measure(new EpochMetrics(1, 0.5, 0.25, 1.0, true, 1e-3));
        Assert.That(metrics.GradientNorm, Is.EqualTo(5.0), "the frozen layer's gradients are not counted");
        Assert.That(metrics.WeightNorm, Is.EqualTo(Math.Sqrt(6 + 9 + 16)));
        Assert.That(metrics with { GradientNorm = 0, WeightNorm = 0 }, Is.EqualTo(new EpochMetrics(1, 0.5, 0.25, 1.0, true, 1e-3)), "the rest unchanged");
        Assert.That(check.Values.ToArray(), Is.EqualTo(parameters.DownloadValues()).AsCollection);
        Assert.That(metrics.IsFinite, Is.True);
    }

    [Test]
    public void Measure_NonFiniteGradientOrWeight_MakesTheEpochNonFinite()
    {
        using var model = new Sequential(Backend, 1, [new DenseSpec(1, false)], maxRows: 1);
        var check = new HealthCheck(model.Parameters, 0, model.Parameters.Count);
        var sound = new EpochMetrics(1, 0.5, 0.25, 1.0, true, 1e-3);

        Backend.Upload(model.Parameters.Gradients.View, [float.NaN, 0]);
        Assert.That(check.Measure(sound).IsFinite, Is.False, "NaN gradient");
        Backend.Upload(model.Parameters.Gradients.View, [0, 0]);
        model.Parameters.UploadValues([float.PositiveInfinity, 0]);
        Assert.That(check.Measure(sound).IsFinite, Is.False, "infinite weight");
        model.Parameters.UploadValues([3e38f, 3e38f]);
        Assert.That(check.Measure(sound).IsFinite, Is.True, "squares summed in double do not overflow");
    }
}
