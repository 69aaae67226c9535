using System.Text.Json.Nodes;

namespace CrossPropertyILGPU.Cli.Tests.Verbs;

/// <summary>
/// A model.json that claims more than can be built, or a model.safetensors that is not its own:
/// loading refuses before anything is allocated, with exit code 2 and one error line, no stack trace.
/// </summary>
public sealed partial class TrainVerbTests
{
    private string CopyWithArchitecture(string name, string architecture)
    {
        var copy = CopyOfExistingRun(name);
        var manifest = Path.Combine(copy, "model.json");
        var json = JsonNode.Parse(File.ReadAllText(manifest))!;
        json["architecture"] = architecture;
        json["keep_probabilities"] = new JsonArray(0.8);
        File.WriteAllText(manifest, json.ToJsonString());
        return copy;
    }

    [TestCase("1048576x4D-1", "parameters")]
    [TestCase("30000x2D-1", "another architecture")]
    public void ModelFiles_ArchitectureTooLargeForTheWeights_ExitWithCode2AndOneLine(string architecture, string reason)
    {
        var run = CopyWithArchitecture("large", architecture);
        var onnx = Path.Combine(_scratch, "never.onnx");
        foreach (var args in new[]
        {
            new[] { "evaluate", "--model", run, "--data", Test, "--device", "cpu" },
            ["predict", "--model", run, "--input", Test, "--device", "cpu"],
            ["extract", "--source", run, "--layer", "1", "--input", Test, "--output", Path.Combine(_scratch, "never.csv"), "--device", "cpu"],
            ["export", "--model", run, "--format", "onnx", "--output", onnx],
        })
        {
            var (code, output, error) = CliRunner.Run(args);
            Assert.That(code, Is.EqualTo(CliApp.InvalidInput), string.Join(' ', args) + "\n" + error);
            Assert.That(output, Is.Empty);
            Assert.That(error, Does.Not.Contain(" at ").And.Not.Contain("Exception"), "no stack trace");
            AssertOneErrorLine(error, [Path.Combine(run, "model.json"), architecture, reason]);
        }
        Assert.That(File.Exists(onnx), Is.False);
    }

    [Test]
    public void ModelFiles_WeightsOfAnotherRunWithTheSameArchitecture_ExitWithCode2NamingBothFiles()
    {
        var other = Path.Combine(_scratch, "other");
        var (code, _, error) = CliRunner.Run("train", "--train", _existingTrainFile, "--arch", "16x1-1", "--max-epochs", "1", "--seed", "7", "--device", "cpu", "--out", other);
        Assert.That(code, Is.Zero, error);
        var swapped = CopyOfExistingRun("swapped");
        File.Copy(Path.Combine(other, "model.safetensors"), Path.Combine(swapped, "model.safetensors"), overwrite: true);

        (code, var output, error) = CliRunner.Run("evaluate", "--model", swapped, "--data", Test, "--device", "cpu");
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput), error);
        Assert.That(output, Is.Empty);
        AssertOneErrorLine(error, [Path.Combine(swapped, "model.safetensors"), Path.Combine(swapped, "model.json"), "SHA-256", "another model"]);
    }
}
