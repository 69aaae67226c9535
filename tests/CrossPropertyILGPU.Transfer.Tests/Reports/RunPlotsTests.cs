using System.Buffers.Binary;
using System.Globalization;
using CrossPropertyILGPU.Transfer.Reports;
using CrossPropertyILGPU.Transfer.Tests.Support;

namespace CrossPropertyILGPU.Transfer.Tests.Reports;

/// <summary>The plots of a run folder, drawn from a folder of hand-written run files.</summary>
public sealed class RunPlotsTests : ScratchTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    // A labelled and an unlabelled predictions file and a metrics.csv whose last epoch diverged.
    private string RunFolder()
    {
        var folder = Scratch.FullName;
        var rows = Enumerable.Range(0, 40).Select(i =>
        {
            var truth = -2 + 0.1 * i;
            return string.Create(CultureInfo.InvariantCulture, $"\"Fe{i + 1}O\",{truth},{truth + 0.3 * Math.Sin(i)}");
        });
        File.WriteAllLines(Path.Combine(folder, "predictions_test.csv"), ["formula,delta_e,prediction", .. rows]);
        File.WriteAllLines(Path.Combine(folder, "predictions_new.csv"), ["formula,prediction", "NaCl,-2.1"]);
        var epochs = Enumerable.Range(1, 30).Select(e => string.Create(CultureInfo.InvariantCulture, $"{e},{1.0 / e},{1.2 / e + 0.05},0.0001,1,10,{e * 0.5}"));
        File.WriteAllLines(Path.Combine(folder, "metrics.csv"), ["epoch,train_mae,val_mae,lr,grad_norm,weight_norm,seconds", .. epochs, "31,NaN,NaN,0.0001,NaN,NaN,15.5"]);
        return folder;
    }

    // The PNG signature, then the IHDR chunk: length, "IHDR", big-endian width and height.
    private static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.That(bytes.AsSpan(0, 8).ToArray(), Is.EqualTo(PngSignature).AsCollection, $"{path} is not a PNG");
        Assert.That(System.Text.Encoding.ASCII.GetString(bytes, 12, 4), Is.EqualTo("IHDR"), path);
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    [Test]
    public void Write_DrawsAParityPlotPerLabelledSplitAndTheLossPlot()
    {
        var folder = RunFolder();

        var written = RunPlots.Write(folder);

        Assert.That(written.Select(Path.GetFileName), Is.EqualTo(new[] { "parity_test.png", "loss.png" }).AsCollection);
        Assert.That(PngSize(Path.Combine(folder, "parity_test.png")), Is.EqualTo((RunPlots.ParitySize, RunPlots.ParitySize)));
        Assert.That(PngSize(Path.Combine(folder, "loss.png")), Is.EqualTo((RunPlots.LossWidth, RunPlots.LossHeight)));
        Assert.That(File.Exists(Path.Combine(folder, "parity_new.png")), Is.False, "unlabelled predictions have nothing to compare with");
    }

    [Test]
    public void WriteParityAndWriteLoss_ReplaceAnExistingPlotByRename()
    {
        var folder = RunFolder();
        ReplacedByRename.Check(Path.Combine(folder, "parity_test.png"),
            () => RunPlots.WriteParity(Path.Combine(folder, "predictions_test.csv"), "test", Path.Combine(folder, "parity_test.png")));
        ReplacedByRename.Check(Path.Combine(folder, "loss.png"),
            () => RunPlots.WriteLoss(Path.Combine(folder, "metrics.csv"), Path.Combine(folder, "loss.png")));
        Assert.That(PngSize(Path.Combine(folder, "loss.png")), Is.EqualTo((RunPlots.LossWidth, RunPlots.LossHeight)));
    }

    [Test]
    public void TryWrite_WarnsInsteadOfThrowingAndLeavesTheRunFilesAlone()
    {
        var folder = RunFolder();
        File.WriteAllLines(Path.Combine(folder, "metrics.csv"), ["epoch,train_mae,val_mae", "1,0.5,oops"]);
        var before = Directory.GetFiles(folder).ToDictionary(f => f, File.ReadAllText);
        using var log = new StringWriter();

        var written = RunPlots.TryWrite(folder, log);

        Assert.That(written, Is.Empty);
        Assert.That(log.ToString(), Does.StartWith("warning:").And.Contain("metrics.csv").And.Contain("oops"));
        Assert.That(before.All(kv => File.ReadAllText(kv.Key) == kv.Value), Is.True);
    }
}
