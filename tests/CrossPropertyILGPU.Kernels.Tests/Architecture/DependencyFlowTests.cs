using CrossPropertyILGPU.Tests.Shared;

namespace CrossPropertyILGPU.Kernels.Tests.Architecture;

/// <summary>Kernels sits where docs/ARCHITECTURE.md puts it in the one-way dependency flow.</summary>
public sealed class DependencyFlowTests
{
    [Test]
    public void ProjectReferences_PointOnlyToTheLayerBelow() => DependencyFlow.AssertProjectReferencesPointDown("Kernels");

    [Test]
    public void Assembly_ReferencesNoHigherLayer() => DependencyFlow.AssertAssemblyReferencesNoHigherLayer(typeof(CrossPropertyILGPU.Kernels.Backends.IComputeBackend).Assembly, "Kernels");
}
