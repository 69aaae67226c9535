using CrossPropertyILGPU.Tests.Shared;

namespace CrossPropertyILGPU.Cli.Tests.Architecture;

/// <summary>Cli sits where docs/ARCHITECTURE.md puts it in the one-way dependency flow.</summary>
public sealed class DependencyFlowTests
{
    [Test]
    public void ProjectReferences_PointOnlyToTheLayerBelow() => DependencyFlow.AssertProjectReferencesPointDown("Cli");

    [Test]
    public void Assembly_ReferencesNoHigherLayer() => DependencyFlow.AssertAssemblyReferencesNoHigherLayer(typeof(CrossPropertyILGPU.Cli.CliApp).Assembly, "Cli");
}
