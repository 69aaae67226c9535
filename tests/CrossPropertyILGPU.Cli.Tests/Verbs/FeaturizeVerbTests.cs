using System.Globalization;

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

    [Test]
    public void Featurize_Pa_ExitsWithCode2()
    {
        var (code, _, error) = CliRunner.Run("featurize", "--input", CliRunner.Jarvis("sample", "sample_test_set.csv"), "--features", "pa");
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain("not available"));
    }
}
