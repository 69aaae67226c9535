using System.Reflection;
using System.Xml.Linq;

namespace CrossPropertyILGPU.Tests.Shared;

/// <summary>
/// The one-way dependency flow of docs/ARCHITECTURE.md §2: Kernels ← Autograd ← Network ← Transfer ← Cli. Each src
/// project may reference only projects below it, and its compiled assembly may name no
/// CrossPropertyILGPU assembly above it. Linked into every test project, which checks its own.
/// </summary>
internal static class DependencyFlow
{
    public static readonly string[] Layers = ["Kernels", "Autograd", "Network", "Transfer", "Cli"];

    /// <summary>The project directly below <paramref name="layer"/> must be its only project reference.</summary>
    public static void AssertProjectReferencesPointDown(string layer)
    {
        var index = Array.IndexOf(Layers, layer);
        Assert.That(index, Is.GreaterThanOrEqualTo(0), $"unknown layer {layer}");
        var csproj = Path.Combine(RepositoryFiles.Root(), "src", layer, $"CrossPropertyILGPU.{layer}.csproj");
        var references = XDocument.Load(csproj).Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value).Replace("CrossPropertyILGPU.", "", StringComparison.Ordinal))
            .ToArray();
        var expected = index == 0 ? Array.Empty<string>() : [Layers[index - 1]];
        Assert.That(references, Is.EqualTo(expected).AsCollection,
            $"{layer} must reference exactly the layer below it ({string.Join(" ← ", Layers)}).");
    }

    /// <summary>The compiled assembly references no CrossPropertyILGPU assembly of a higher layer.</summary>
    public static void AssertAssemblyReferencesNoHigherLayer(Assembly assembly, string layer)
    {
        var index = Array.IndexOf(Layers, layer);
        var higher = Layers.Skip(index + 1).Select(l => l == "Cli" ? "cpilgpu" : $"CrossPropertyILGPU.{l}").ToHashSet();
        var offending = assembly.GetReferencedAssemblies().Select(a => a.Name!).Where(higher.Contains).ToArray();
        Assert.That(offending, Is.Empty, $"{assembly.GetName().Name} references a higher layer.");
    }
}
