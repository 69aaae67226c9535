using System.Reflection;
using System.Xml.Linq;
using CrossPropertyILGPU.Tests.Shared;
using CrossPropertyILGPU.Transfer.Tests.Support;

namespace CrossPropertyILGPU.Transfer.Tests.Architecture;

/// <summary>Transfer sits where docs/ARCHITECTURE.md puts it in the one-way dependency flow.</summary>
public sealed class DependencyFlowTests
{
    [Test]
    public void ProjectReferences_PointOnlyToTheLayerBelow() => DependencyFlow.AssertProjectReferencesPointDown("Transfer");

    [Test]
    public void Assembly_ReferencesNoHigherLayer() => DependencyFlow.AssertAssemblyReferencesNoHigherLayer(Assembly.Load("CrossPropertyILGPU.Transfer"), "Transfer");

    /// <summary>ML.NET serves the classical baselines only; the engine below Transfer stays framework-free.</summary>
    [TestCase("Kernels")]
    [TestCase("Autograd")]
    [TestCase("Network")]
    public void EngineLayer_NeitherReferencesNorLoadsMlNet(string layer)
    {
        var csproj = Path.Combine(TestFiles.RepositoryRoot(), "src", layer, $"CrossPropertyILGPU.{layer}.csproj");
        var packages = XDocument.Load(csproj).Descendants("PackageReference").Select(e => e.Attribute("Include")!.Value);
        var assemblies = Assembly.Load($"CrossPropertyILGPU.{layer}").GetReferencedAssemblies().Select(a => a.Name!);

        Assert.That(packages.Concat(assemblies), Has.None.StartsWith("Microsoft.ML"));
    }
}
