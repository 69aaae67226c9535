using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Network.Training;

namespace CrossPropertyILGPU.Network.Tests;

/// <summary>A scalar reference backend per test and synthetic data helpers.</summary>
public abstract class NetworkTestBase
{
    protected ReferenceBackend Backend { get; private set; } = null!;

    [SetUp]
    public void CreateBackend() => Backend = new ReferenceBackend();

    [TearDown]
    public void DisposeBackend() => Backend.Dispose();

    /// <summary>x ~ U(0,1)^width, y = 2·x0 − x1 + 0.5·x2·x3 (+ nothing else): smooth, learnable by a small MLP.</summary>
    protected static DataMatrix Synthetic(int count, int width, int seed)
    {
        var random = new Random(seed);
        var features = new float[count * width];
        var targets = new float[count];
        for (var i = 0; i < count; i++)
        {
            for (var j = 0; j < width; j++)
            {
                features[i * width + j] = random.NextSingle();
            }
            var x = features.AsSpan(i * width, width);
            targets[i] = 2f * x[0] - x[1] + 0.5f * x[2] * x[3];
        }
        return new DataMatrix(features, targets, width);
    }
}
