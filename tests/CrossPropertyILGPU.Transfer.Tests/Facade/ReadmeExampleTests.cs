using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer.Tests.Support;

namespace CrossPropertyILGPU.Transfer.Tests.Facade;

/// <summary>
/// The README's embedding example, compiled and run here against the shipped source model. The
/// lines between the markers below must appear verbatim in README.md (checked by the second test),
/// so the documentation cannot drift from code that works.
/// </summary>
public sealed class ReadmeExampleTests
{
    [Test]
    public void ReadmeExample_RunsAgainstTheShippedSourceModel()
    {
        var root = TestFiles.RepositoryRoot();
        var previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = root;
        try
        {
            // README-EXAMPLE-BEGIN
            using var source = MaterialsModel.Load("models/elemnet-oqmd", DeviceKind.Cpu);
            float[] formationEnergies = source.Predict(["Fe2O3", "NaCl", "Mg(SnN)2"]);

            using var tuned = MaterialsModel.FineTune("models/elemnet-oqmd",
                [("Fe2O3", -1.71), ("NaCl", -2.13), ("MgO", -3.11), ("Al2O3", -3.44), ("SiO2", -3.15),
                 ("TiO2", -3.26), ("ZnO", -1.81), ("CuO", -0.81), ("NiO", -1.24), ("CaO", -3.30)],
                new FineTuneSettings { MaxEpochs = 20, Device = DeviceKind.Cpu });
            float[] tunedEnergies = tuned.Predict(["Fe2O3", "CoO"]);
            float[][] descriptors = tuned.Extract(["Fe2O3", "CoO"], layer: 16); // 32 values each
            // README-EXAMPLE-END

            Assert.That(formationEnergies, Has.Length.EqualTo(3).And.All.Not.NaN);
            Assert.That(tunedEnergies, Has.Length.EqualTo(2).And.All.Not.NaN);
            Assert.That(descriptors.Select(d => d.Length), Is.All.EqualTo(32));
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
    }

    [Test]
    public void ReadmeExample_IsQuotedVerbatimInTheReadme()
    {
        var source = File.ReadAllLines(Path.Combine(TestFiles.RepositoryRoot(), "tests", "CrossPropertyILGPU.Transfer.Tests", "Facade", "ReadmeExampleTests.cs"));
        var begin = Array.FindIndex(source, l => l.Trim() == "// README-EXAMPLE-" + "BEGIN");
        var end = Array.FindIndex(source, l => l.Trim() == "// README-EXAMPLE-" + "END");
        var example = source[(begin + 1)..end].Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        var readme = File.ReadAllLines(Path.Combine(TestFiles.RepositoryRoot(), "README.md")).Select(l => l.Trim()).ToArray();
        var start = Array.IndexOf(readme, example[0]);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), "README.md lacks the example's first line");
        Assert.That(readme.Skip(start).Where(l => l.Length > 0).Take(example.Length), Is.EqualTo(example).AsCollection);
    }
}
