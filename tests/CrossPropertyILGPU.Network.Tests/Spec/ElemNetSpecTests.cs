using CrossPropertyILGPU.Network.Spec;

namespace CrossPropertyILGPU.Network.Tests.Spec;

public sealed class ElemNetSpecTests
{
    [Test]
    public void WithOutputUnits_KeepsTheHiddenBlocks()
    {
        var four = ElemNetSpec.Parse("1024x4D-512x3D-256x3D-128x3D-64x2-32x1-4");
        Assert.That(four.WithOutputUnits(1).ToString(), Is.EqualTo(ElemNetSpec.Default));
        Assert.That(four.WithOutputUnits(4), Is.SameAs(four));
        Assert.That(four.WithOutputUnits(1).DenseLayerCount, Is.EqualTo(four.DenseLayerCount));
        Assert.Throws<ArgumentOutOfRangeException>(() => four.WithOutputUnits(0));
    }

    [Test]
    public void Parse_ElemNet_GivesSeventeenDenseLayersAndFourDropouts()
    {
        var spec = ElemNetSpec.Parse(ElemNetSpec.Default);
        Assert.That(spec.Groups, Is.EqualTo(new[]
        {
            new LayerGroup(1024, 4, true), new LayerGroup(512, 3, true), new LayerGroup(256, 3, true),
            new LayerGroup(128, 3, true), new LayerGroup(64, 2, false), new LayerGroup(32, 1, false),
        }).AsCollection);
        Assert.That((spec.OutputUnits, spec.DenseLayerCount, spec.DropoutCount), Is.EqualTo((1, 17, 4)));
    }

    [TestCase("1024x4D-512x3D-256x3D-128x3D-64x2-32x1-1")]
    [TestCase("64x2D-32x1-1")]
    [TestCase("8x1-1")]
    [TestCase("3")]
    public void ToString_RoundTrips(string text)
    {
        Assert.That(ElemNetSpec.Parse(text).ToString(), Is.EqualTo(text));
    }

    [TestCase("", 0, "empty")]
    [TestCase("1024x4D--1", 8, "empty block")]
    [TestCase("1024x4D-512x3", 8, "last block must be the output")]
    [TestCase("1024-512x3-1", 0, "only the last block may omit 'x'")]
    [TestCase("abcx4-1", 0, "layer width 'abc'")]
    [TestCase("1024x-1", 5, "layer count ''")]
    [TestCase("1024x0-1", 5, "out of range")]
    [TestCase("1024x4R-1", 6, "residual")]
    [TestCase("1024x4B-1", 6, "batch normalisation")]
    [TestCase("1024x4BA-1", 6, "batch normalisation")]
    [TestCase("1024x4Q-1", 6, "unknown flag(s) 'Q'")]
    [TestCase("64x2-32x1-1T", 10, "output width '1T'")]
    public void Parse_Malformed_NamesTokenAndPosition(string text, int position, string reason)
    {
        var ex = Assert.Throws<SpecFormatException>(() => ElemNetSpec.Parse(text));
        Assert.That(ex!.Position, Is.EqualTo(position), ex.Message);
        Assert.That(ex.Message, Does.Contain(reason).And.Contain("position"));
    }

    [Test]
    public void Layers_DropoutBlocksTakeKeepProbabilitiesInOrder()
    {
        var layers = ElemNetLayers.Build(ElemNetSpec.Parse("4x2D-3x1D-2x1-1"), [0.8f, 0.6f]);
        Assert.That(layers, Is.EqualTo(new LayerSpec[]
        {
            new DenseSpec(4, true), new DenseSpec(4, true), new DropoutSpec(0.8f),
            new DenseSpec(3, true), new DropoutSpec(0.6f),
            new DenseSpec(2, true), new DenseSpec(1, false),
        }).AsCollection);
        Assert.Throws<ArgumentException>(() => ElemNetLayers.Build(ElemNetSpec.Parse("4x2D-3x1D-1"), [0.8f]));
    }
}
