using System.Reflection;
using CrossPropertyILGPU.Tests.Shared;

namespace CrossPropertyILGPU.Network.Tests.Architecture;

/// <summary>Network sits where docs/ARCHITECTURE.md puts it in the one-way dependency flow.</summary>
public sealed class DependencyFlowTests
{
    [Test]
    public void ProjectReferences_PointOnlyToTheLayerBelow() => DependencyFlow.AssertProjectReferencesPointDown("Network");

    [Test]
    public void Assembly_ReferencesNoHigherLayer() => DependencyFlow.AssertAssemblyReferencesNoHigherLayer(Assembly.Load("CrossPropertyILGPU.Network"), "Network");
}
