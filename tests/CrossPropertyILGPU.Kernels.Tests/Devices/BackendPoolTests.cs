using CrossPropertyILGPU.Kernels.Devices;

namespace CrossPropertyILGPU.Kernels.Tests.Devices;

public sealed class BackendPoolTests
{
    [Test]
    public void Rent_AfterALeaseIsGivenBack_ReusesItsBackend_AndTwoLeasesAtOnceGetTwo()
    {
        // Nothing else in this test assembly rents ILGPU CPU backends from the pool.
        using (var lease = BackendPool.Rent(DeviceKind.IlgpuCpu))
        {
            using var concurrent = BackendPool.Rent(DeviceKind.IlgpuCpu);
            Assert.That(concurrent.Backend, Is.Not.SameAs(lease.Backend), "a backend serves one lease at a time");
        }
        var created = BackendPool.Created;
        using var again = BackendPool.Rent(DeviceKind.IlgpuCpu);
        Assert.That(BackendPool.Created, Is.EqualTo(created), "no new backend (no kernels compiled again) while one is idle");
    }

    [Test]
    public void Lease_DisposedTwice_GivesTheBackendBackOnce()
    {
        var lease = BackendPool.Rent(DeviceKind.IlgpuCpu);
        lease.Dispose();
        lease.Dispose();
        using var a = BackendPool.Rent(DeviceKind.IlgpuCpu);
        using var b = BackendPool.Rent(DeviceKind.IlgpuCpu);
        using var c = BackendPool.Rent(DeviceKind.IlgpuCpu);
        Assert.That(new[] { a.Backend, b.Backend, c.Backend }, Is.Unique, "a backend given back twice would be handed to two leases");
    }
}
