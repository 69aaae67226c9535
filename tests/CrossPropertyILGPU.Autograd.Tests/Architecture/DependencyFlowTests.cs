using System.Reflection;
using CrossPropertyILGPU.Tests.Shared;

namespace CrossPropertyILGPU.Autograd.Tests.Architecture;

/// <summary>Autograd sits where docs/ARCHITECTURE.md puts it in the one-way dependency flow.</summary>
public sealed class DependencyFlowTests
{
    [Test]
    public void ProjectReferences_PointOnlyToTheLayerBelow() => DependencyFlow.AssertProjectReferencesPointDown("Autograd");

    [Test]
    public void Assembly_ReferencesNoHigherLayer() => DependencyFlow.AssertAssemblyReferencesNoHigherLayer(Assembly.Load("CrossPropertyILGPU.Autograd"), "Autograd");
}
