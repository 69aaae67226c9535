using System.Text.RegularExpressions;
using CrossPropertyILGPU.Tests.Shared;

namespace CrossPropertyILGPU.Transfer.Tests.Architecture;

/// <summary>
/// Every file the product writes as a result — models, manifests, predictions, plots, reports,
/// ONNX exports, ensemble and run files — goes through the temporary-file-and-rename writers
/// (<c>CsvOutput.WriteAtomically</c>, <c>CsvOutput.WriteBytesAtomically</c>; safetensors files
/// through their own temporaries), so a full disk or a crash never leaves half a file under the
/// real name. This scan of <c>src/</c> finds any API that writes a path in place; the few that may
/// are listed with the reason.
/// </summary>
public sealed partial class AtomicWritesTests
{
    [GeneratedRegex(@"File\.(WriteAll\w*|AppendAll\w*|Create|CreateText|OpenWrite)\(|\.Save(Png|Jpeg|Bmp|Webp|Svg|Image)\(|new StreamWriter\(|FileMode\.(Create|CreateNew|OpenOrCreate|Append|Truncate)\b")]
    private static partial Regex InPlaceWrite();

    // (file, what it may use) → why that is not an output written in place.
    private static readonly Dictionary<(string File, string Use), string> Allowed = new()
    {
        [("src/Transfer/Data/CsvOutput.cs", "new StreamWriter(")] = "the atomic writer itself, over its temporary file",
        [("src/Transfer/Data/CsvOutput.cs", "FileMode.CreateNew")] = "the atomic writer's temporary file",
        [("src/Network/Checkpoints/SafeTensors.cs", "FileMode.Create")] = "writes the temporary path its callers (ModelWeights, RunCheckpoint) give, then they rename",
        [("src/Transfer/Training/RunFolder.cs", "FileMode.OpenOrCreate")] = "the run folder's lock file",
        [("src/Transfer/Training/RunFolder.cs", "FileMode.Append")] = "metrics.csv, begun atomically and appended one whole line per epoch (a failed line is cut off)",
        [("src/Transfer/Reproduce/GridClaim.cs", "new StreamWriter(")] = "a claim file created exclusively (CreateNew): a lock, not an output",
        [("src/Transfer/Reproduce/GridClaim.cs", "FileMode.CreateNew")] = "a claim file created exclusively: a lock, not an output",
        [("src/Kernels/Backends/GemmTuningCache.cs", "File.WriteAllText(")] = "the SGEMM tuning cache's temporary, renamed over the file (Kernels sits below Transfer's CsvOutput)",
        [("src/Transfer/Reproduce/GridPartition.cs", "File.WriteAllText(")] = "the task-count record's temporary, moved in without overwriting (the first task of an array sets the count) and removed on failure",
    };

    [Test]
    public void Sources_WriteNoOutputInPlace()
    {
        var root = RepositoryFiles.Root();
        var found = new List<string>();
        foreach (var path in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            if (relative.Split('/').Any(part => part is "bin" or "obj"))
            {
                continue;
            }
            var lines = File.ReadAllLines(path);
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].TrimStart().StartsWith("//", StringComparison.Ordinal))
                {
                    continue;
                }
                foreach (Match match in InPlaceWrite().Matches(lines[i]))
                {
                    if (!Allowed.ContainsKey((relative, match.Value)))
                    {
                        found.Add($"{relative}:{i + 1}: {match.Value} — {lines[i].Trim()}");
                    }
                }
            }
        }
        Assert.That(found, Is.Empty, "Outputs written in place (write them with CsvOutput.WriteAtomically or WriteBytesAtomically):");
    }

    [Test]
    public void Scanner_FindsTheInPlaceWritesItLooksFor()
    {
        string[] writes =
        [
            "File.WriteAllText(path, json);",
            "File.WriteAllBytes(path, bytes);",
            "plot.SavePng(outputPath, 600, 600);",
            "using var writer = new StreamWriter(path);",
            "new FileStream(path, FileMode.Create, FileAccess.Write);",
        ];
        Assert.That(writes.Where(w => !InPlaceWrite().IsMatch(w)), Is.Empty);
        Assert.That(InPlaceWrite().IsMatch("CsvOutput.WriteAtomically(path, writer => 0);"), Is.False);
    }
}
