using System.Globalization;
using CrossPropertyILGPU.Transfer.Chemistry;

namespace CrossPropertyILGPU.Cli.Tests.Verbs;

public sealed class FeaturizeVerbTests
{
    /// <summary>
    /// data/jarvis/sample ships ElemNet's own 86 fraction columns beside each formula (float32 values
    /// written as decimals): featurize must reproduce every one of them to 1e-6, on every row.
    /// </summary>
    [TestCase("sample_train_set.csv")]
    [TestCase("sample_validation_set.csv")]
    [TestCase("sample_test_set.csv")]
    public void Featurize_Ef_ReproducesTheSampleSetsPrecomputedFractions(string file)
    {
        var path = CliRunner.Jarvis("sample", file);
        var (code, output, error) = CliRunner.Run("featurize", "--input", path, "--features", "ef", "--target", "formation_energy_peratom");
        Assert.That(code, Is.Zero, error);
        var ours = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var theirs = File.ReadAllLines(path);
        Assert.That(ours, Has.Length.EqualTo(theirs.Length));
        var header = theirs[0].Split(',');
        Assert.That(ours[0].Split(',')[1..87], Is.EqualTo(header[1..87]).AsCollection, "H … Pu in ElemNet's order");
        for (var row = 1; row < theirs.Length; row++)
        {
            var expected = theirs[row].Split(',');
            var actual = ours[row].Split(',');
            Assert.That(actual[0], Is.EqualTo(expected[0]));
            for (var column = 1; column <= 86; column++)
            {
                Assert.That(double.Parse(actual[column], CultureInfo.InvariantCulture),
                    Is.EqualTo(double.Parse(expected[column], CultureInfo.InvariantCulture)).Within(1e-6), $"line {row + 1}, {header[column]}");
            }
        }
    }

    /// <summary>
    /// featurize --features pa: matminer's 145 column names in order, the library's values for
    /// every kept row, and the rows it cannot featurise reported on stderr with line and reason.
    /// </summary>
    [Test]
    public void Featurize_Pa_WritesMatminersColumnsAndReportsUnusableRows()
    {
        var folder = Path.Combine(Path.GetTempPath(), "cpilgpu-featurize-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var input = Path.Combine(folder, "in.csv");
            File.WriteAllText(input, "formula,gap\nNaCl,8.5\nHeO,1\nFe2O3,2.2\n2-Feb,3\nAl0.5CoCrFeNi,0\n");
            var output = Path.Combine(folder, "pa.csv");

            var (code, _, error) = CliRunner.Run("featurize", "--input", input, "--features", "pa", "--output", output);

            Assert.That(code, Is.Zero, error);
            Assert.That(error, Does.Contain("skipped 2 of 5 rows").And.Contain("line 3: 'HeO'").And.Contain("line 5: '2-Feb'").And.Contain("wrote 3 rows"));
            var lines = File.ReadAllLines(output);
            Assert.That(lines[0].Split(','), Is.EqualTo(new[] { "formula" }.Concat(PhysicalAttributes.Names).Append("gap")).AsCollection);
            Assert.That(lines.Skip(1).Select(l => l.Split(',')[0]), Is.EqualTo(new[] { "NaCl", "Fe2O3", "Al0.5CoCrFeNi" }).AsCollection);
            foreach (var line in lines.Skip(1))
            {
                var fields = line.Split(',');
                var expected = new float[PhysicalAttributes.Width];
                Assert.That(PhysicalAttributes.TryCompute(FormulaParser.Parse(fields[0]), expected, out _), Is.True);
                Assert.That(fields[1..^1].Select(f => float.Parse(f, CultureInfo.InvariantCulture)), Is.EqualTo(expected).AsCollection, fields[0]);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void Featurize_FeatureFile_ExitsWithCode2()
    {
        var (code, _, error) = CliRunner.Run("featurize", "--input", CliRunner.Jarvis("sample", "sample_test_set.csv"), "--features", CliRunner.Jarvis("sample", "sample_test_set.csv"));
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain("use ef or pa"));
    }
}
