using System.Text.Json.Nodes;
using CrossPropertyILGPU.Transfer.Reproduce;
using CrossPropertyILGPU.Transfer.Tests.Support;
using CrossPropertyILGPU.Transfer.Training;

namespace CrossPropertyILGPU.Transfer.Tests.Reproduce;

/// <summary>The result file: predictions, history and members written and read back, and files from before they existed.</summary>
public sealed class MethodResultTests : ScratchTests
{
    // A result file as the grid wrote them before predictions, history and members (abridged:
    // every field it had is optional on reading, save the required ones).
    private const string OlderFile = """
        {
          "format": "cpilgpu-reproduce-result/1",
          "dataset": "exfoliation_energy",
          "method": "tl-finetune",
          "paper_method": "TL:FineTune",
          "group": "tl",
          "status": "ok",
          "error": null,
          "test_mae": 49.08886507579258,
          "validation_mae": 42.75614129517228,
          "train_mae": 12.942942700602792,
          "train_rows": 451,
          "validation_rows": 50,
          "test_rows": 56,
          "dropped_rows": 0,
          "epochs": 251,
          "best_epoch": 51,
          "stop_reason": "early-stopping",
          "seconds": 75.7531096,
          "seed": 1234567,
          "selected": null,
          "candidates": [],
          "budget": { "max_epochs": 4000, "patience": 200, "time_limit_seconds": null, "tier": "standard" },
          "config": {
            "train_file": "data/jarvis/exfoliation_energy/exfoliation_energy_training_set.csv",
            "test_file": "data/jarvis/exfoliation_energy/exfoliation_energy_test_set.csv",
            "splits": "results/exfoliation_energy/splits.json",
            "features": "ef",
            "model": "the source model\u0027s architecture",
            "source": "models/elemnet-oqmd",
            "source_sha256": "9145777421f326771a0a1ec2fbcea58cd265654f16cac7d8f33a1be019043a73",
            "feature_layers": null,
            "device_requested": "cpu"
          },
          "run": null,
          "engine_version": "0.1.0",
          "hardware": "AMD EPYC, 1 logical cores, Debian GNU/Linux 12 (bookworm), .NET 10.0.12",
          "device": "cpu:0 AMD EPYC, 1 logical cores (23.5 GiB)",
          "finished": "2026-11-24T13:46:07.2796519Z"
        }
        """;

    private static MethodResult Sample() => new()
    {
        Dataset = "exfoliation_energy",
        Method = "tl-finetune",
        TestMae = 1.5,
        ValidationMae = 1.25,
        Config = new ResultConfig(),
        Predictions = new ResultPredictions
        {
            // Values whose shortest text is long, tiny, huge and negative: each must read back bit for bit.
            Validation = [0.1f, 1e-5f, 123456.79f, -3.3333333f, MathF.PI],
            Test = [42f, float.Epsilon],
            TestDroppedLines = [7, 19],
        },
        History = new ResultHistory { ValidationMae = [3.5f, 2.25f, 2.5f], LearningRate = [1e-4f, 1e-4f, 3e-5f] },
    };

    [Test]
    public void SaveLoad_PredictionsAndHistory_ReadBackExactly()
    {
        var path = Path.Combine(Scratch.FullName, "tl-finetune.json");
        var saved = Sample();
        saved.Save(path);

        var loaded = MethodResult.Load(path);

        Assert.That(loaded.Predictions!.Validation, Is.EqualTo(saved.Predictions!.Validation).AsCollection);
        Assert.That(loaded.Predictions.Test, Is.EqualTo(saved.Predictions.Test).AsCollection);
        Assert.That((loaded.Predictions.ValidationDroppedLines, loaded.Predictions.TestDroppedLines), Is.EqualTo(((int[]?)null, new[] { 7, 19 })));
        Assert.That(loaded.Predictions.IsComplete, Is.False);
        Assert.That(loaded.History!.ValidationMae, Is.EqualTo(new[] { 3.5f, 2.25f, 2.5f }).AsCollection);
        Assert.That(loaded.History.LearningRate, Is.EqualTo(new[] { 1e-4f, 1e-4f, 3e-5f }).AsCollection);
    }

    [Test]
    public void Save_WritesEachArrayOnOneLine_SnakeCase_AndLeavesAbsentFieldsOut()
    {
        var path = Path.Combine(Scratch.FullName, "tl-finetune.json");
        Sample().Save(path);
        var lines = File.ReadAllLines(path);

        Assert.That(lines, Has.One.EqualTo("    \"validation\": [0.1,1E-05,123456.79,-3.3333333,3.1415927],"));
        Assert.That(lines, Has.One.EqualTo("    \"test\": [42,1E-45],"));
        Assert.That(lines, Has.One.EqualTo("    \"test_dropped_lines\": [7,19]"));
        Assert.That(lines, Has.One.EqualTo("    \"validation_mae\": [3.5,2.25,2.5],"));
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.That(json["predictions"]!.AsObject().ContainsKey("validation_dropped_lines"), Is.False, "no dropped validation rows: absent, not null");
        Assert.That(json.AsObject().ContainsKey("members"), Is.False, "only ensembles name members");

        (Sample() with { Predictions = null, History = null }).Save(path);
        json = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.That(json.AsObject().ContainsKey("predictions") || json.AsObject().ContainsKey("history"), Is.False, "a result without them writes the fields of the first format only");
    }

    [Test]
    public void Save_NonFinitePrediction_IsNullInTheFile_AndNaNWhenRead()
    {
        var path = Path.Combine(Scratch.FullName, "base.json");
        (Sample() with { Predictions = new ResultPredictions { Validation = [1, float.NaN], Test = [float.PositiveInfinity] } }).Save(path);
        Assert.That(File.ReadAllText(path), Does.Contain("\"validation\": [1,null]"));
        var loaded = MethodResult.Load(path).Predictions!;
        Assert.That((loaded.Validation[0], float.IsNaN(loaded.Validation[1]), float.IsNaN(loaded.Test[0])), Is.EqualTo((1f, true, true)));
    }

    [Test]
    public void Load_AFileFromBeforePredictions_ReadsWithoutThem()
    {
        var path = Scratch.Write("tl-finetune.json", OlderFile);

        var result = MethodResult.Load(path);

        Assert.That((result.Predictions, result.History, result.Members), Is.EqualTo(((ResultPredictions?)null, (ResultHistory?)null, (IReadOnlyList<ResultMember>?)null)));
        Assert.That((result.IsUsable, result.TestMae, result.Epochs, result.Config.SourceSha256![..6]), Is.EqualTo((true, 49.08886507579258, 251, "914577")));
    }

    [Test]
    public void Load_PredictionsThatAreNotNumbers_IsADataFileError()
    {
        var path = Scratch.Write("tl-finetune.json", OlderFile.Replace("\"run\": null,", "\"predictions\": { \"validation\": [\"1\"], \"test\": [] },", StringComparison.Ordinal));
        Assert.That(Assert.Throws<CrossPropertyILGPU.Transfer.Data.DataFileException>(() => MethodResult.Load(path))!.Message, Does.Contain("not a result file"));
    }

    [Test]
    public void HistoryOf_AConstantRate_LeavesTheRatesOut_AVaryingOneKeepsThem()
    {
        static MetricsRow Row(int epoch, double mae, double rate) => new(epoch, 0, mae, rate, 0, 0, epoch);
        var constant = ResultHistory.Of([Row(1, 3.5, 1e-4), Row(2, 2.5, 1e-4)]);
        Assert.That((constant.ValidationMae, constant.LearningRate), Is.EqualTo((new[] { 3.5f, 2.5f }, (float[]?)null)));
        var plateau = ResultHistory.Of([Row(1, 3.5, 1e-4), Row(2, 2.5, 3e-5)]);
        Assert.That(plateau.LearningRate, Is.EqualTo(new[] { 1e-4f, 3e-5f }).AsCollection);
    }
}
