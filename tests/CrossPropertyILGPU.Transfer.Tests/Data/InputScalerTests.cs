using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Tests.Data;

public sealed class InputScalerTests
{
    private static FeaturizedData Rows(int width, params float[] features)
    {
        var records = Enumerable.Range(0, features.Length / width).Select(i => new MaterialsRecord(i + 2, $"X{i}", null)).ToList();
        return new FeaturizedData(records, features, width, null, []);
    }

    [Test]
    public void Fit_MeanAndPopulationStdPerColumn_ConstantColumnKeepsScaleOne()
    {
        // Columns: 1, 3, 5 (mean 3, variance (4 + 0 + 4) / 3); 5, 5, 5 (constant); 0, 2, 4.
        var scaler = InputScaler.Fit(Rows(3, 1, 5, 0, 3, 5, 2, 5, 5, 4));

        Assert.That(scaler.Offsets, Is.EqualTo(new[] { 3.0, 5.0, 2.0 }).AsCollection.Within(1e-15));
        Assert.That(scaler.Scales, Is.EqualTo(new[] { Math.Sqrt(8.0 / 3), 1.0, Math.Sqrt(8.0 / 3) }).AsCollection.Within(1e-15));
    }

    [Test]
    public void Transform_CentresAndDivides_ConstantColumnStaysFiniteForNewValues()
    {
        var scaler = InputScaler.Fit(Rows(2, 1, 0.1f, 3, 0.1f, 5, 0.1f));
        var scaled = scaler.Transform(Rows(2, 3, 0.1f, 5, 0.7f));

        var s = Math.Sqrt(8.0 / 3);
        // A column of one float value: exactly 0 for that value (its offset is the value itself,
        // not a sum-rounded mean), and a finite shift, not a division by zero, for another.
        Assert.That(scaled.Features, Is.EqualTo(new[] { 0f, 0f, (float)(2 / s), (float)(0.7f - 0.1f) }).AsCollection);
        Assert.That(scaled.Records, Is.EqualTo(Rows(2, 3, 0.1f, 5, 0.7f).Records).AsCollection);
    }

    [Test]
    public void Transform_LeavesItsInputUntouched()
    {
        var data = Rows(1, 1, 2, 3);
        InputScaler.Fit(data).Transform(data);
        Assert.That(data.Features, Is.EqualTo(new[] { 1f, 2f, 3f }).AsCollection);
    }

    [Test]
    public void Constructor_BadValues_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => new InputScaler([0.0, 1.0], [1.0]));
        Assert.Throws<ArgumentException>(() => new InputScaler([0.0], [0.0]));
        Assert.Throws<ArgumentException>(() => new InputScaler([double.NaN], [1.0]));
        Assert.Throws<ArgumentException>(() => InputScaler.Fit(Rows(2, 1, 2)).Transform(Rows(1, 1)));
    }
}
