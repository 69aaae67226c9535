using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Tests.Data;

public sealed class FeaturizedDataTests
{
    private static readonly MaterialsRecord[] TwoRecords = [new(2, "Fe", 1f), new(3, "Ni", 2f)];

    [Test]
    public void Row_Index_IsThatRowsSliceOfFeatures()
    {
        var data = new FeaturizedData(TwoRecords, [1, 2, 3, 4, 5, 6], 3, [1f, 2f], []);

        Assert.That(data.Row(1).ToArray(), Is.EqualTo(new float[] { 4, 5, 6 }).AsCollection);
        Assert.That(data.Count, Is.EqualTo(2));
        Assert.That(() => data.Row(2), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Constructor_FeaturesOfWrongLength_Throws()
    {
        Assert.That(() => new FeaturizedData(TwoRecords, new float[5], 3, null, []),
            Throws.ArgumentException.With.Property(nameof(ArgumentException.ParamName)).EqualTo("features"));
    }

    [Test]
    public void Constructor_TargetsOfWrongLength_Throws()
    {
        Assert.That(() => new FeaturizedData(TwoRecords, new float[6], 3, [1f], []),
            Throws.ArgumentException.With.Property(nameof(ArgumentException.ParamName)).EqualTo("targets"));
    }
}
