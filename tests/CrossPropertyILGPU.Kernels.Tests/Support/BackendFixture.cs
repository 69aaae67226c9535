using CrossPropertyILGPU.Kernels.Backends;

namespace CrossPropertyILGPU.Kernels.Tests.Support;

/// <summary>
/// Base of the op tests: the backend under test (by name, see <see cref="TestBackends"/>), the
/// reference oracle, and buffer helpers that dispose what a test allocated. A fixture whose backend
/// this machine lacks (no CUDA device) is ignored as a whole in its one-time set-up.
/// </summary>
public abstract class BackendFixture(string backendName)
{
    private readonly List<DeviceBuffer> _buffers = [];
    private IComputeBackend? _backend;

    /// <summary>The backend under test.</summary>
    protected IComputeBackend Backend => _backend ?? throw new InvalidOperationException("Set-up did not run.");

    /// <summary>The scalar double-accumulating oracle.</summary>
    protected static ReferenceBackend Reference => TestBackends.Reference;

    [OneTimeSetUp]
    public void AcquireBackend()
    {
        _backend = TestBackends.Get(backendName);
        if (_backend is null)
        {
            Assert.Ignore($"No '{backendName}' device on this machine; these tests run where one exists.");
        }
    }

    [TearDown]
    public void ReleaseBuffers()
    {
        foreach (var buffer in _buffers)
        {
            buffer.Dispose();
        }
        _buffers.Clear();
    }

    /// <summary>A buffer on <paramref name="backend"/> holding <paramref name="data"/>.</summary>
    protected BufferView Put(IComputeBackend backend, float[] data)
    {
        var buffer = backend.Allocate(data.Length);
        _buffers.Add(buffer);
        backend.Upload(buffer.View, data);
        return buffer.View;
    }

    /// <summary>A zeroed buffer of <paramref name="length"/> floats on <paramref name="backend"/>.</summary>
    protected BufferView Zeros(IComputeBackend backend, int length)
    {
        var buffer = backend.Allocate(length);
        _buffers.Add(buffer);
        return buffer.View;
    }

    /// <summary>The contents of <paramref name="view"/> (waits for pending work).</summary>
    protected static float[] Get(BufferView view)
    {
        var host = new float[view.Length];
        view.Buffer.Owner.Download(view, host);
        return host;
    }
}
