using System.Text.RegularExpressions;
using CrossPropertyILGPU.Tests.Shared;

namespace CrossPropertyILGPU.Transfer.Tests.Architecture;

/// <summary>
/// A clone can follow every document reference: each <c>*.md</c> file named in a comment of a
/// <c>.cs</c> file, or anywhere in a Markdown file, script or MSBuild file, exists in the repository —
/// resolved from the repository root or from the citing file's folder, so a design note is cited as
/// <c>docs/ILGPU.md</c>, not by a bare name — and no file points into a <c>shared</c> folder beside
/// the repository, which a clone does not have.
/// </summary>
public sealed partial class DocumentReferencesTests
{
    // The scanner tests' texts are built from parts, so this file does not cite or match itself.
    private const string Md = ".md";

    private static readonly string[] OutsideFolders = [string.Concat("..", "/shared"), string.Concat("shared", "/docs")];

    private static readonly string[] ScannedExtensions = [".cs", ".md", ".sh", ".props", ".csproj", ".targets"];

    // Build outputs and run folders (all ignored by git) are not part of the repository.
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal)
    {
        ".git", ".vs", ".idea", "bin", "obj", "TestResults", "BenchmarkDotNet.Artifacts", "artifacts", "tools", "runs", "gpu-pub",
    };

    [Test]
    public void Repository_CitesOnlyMarkdownFilesItHas()
    {
        var root = RepositoryFiles.Root();
        var dangling = ScannedFiles(root).SelectMany(path => DanglingCitations(root, path, File.ReadAllText(path))).ToArray();
        Assert.That(dangling, Is.Empty, "Cited documents missing from the repository (cite them by their repository path, e.g. docs/PAPER.md):");
    }

    [Test]
    public void Repository_DoesNotReferToTheSharedFolderOutsideIt()
    {
        var root = RepositoryFiles.Root();
        var outside = ScannedFiles(root).SelectMany(path => OutsideReferences(root, path, File.ReadAllText(path))).ToArray();
        Assert.That(outside, Is.Empty, "Files pointing outside the repository:");
    }

    [Test]
    public void Scanner_ReportsADanglingCitationAndAnOutsideReference()
    {
        var root = RepositoryFiles.Root();
        var path = Path.Combine(root, "src", "Kernels", "Example.cs");
        var text = string.Join('\n',
            $"// See docs/ILGPU{Md} §7 and docs/STYLE{Md} §2.",
            $"/// <summary>Defaults follow PAPER{Md} §1.</summary>",
            $"var name = \"notes{Md}\"; // code strings are not citations",
            $"// copied from {OutsideFolders[0]}/peers",
            $"// the design notes in {OutsideFolders[0]}/docs/ARCHITECTURE{Md}");

        Assert.That(DanglingCitations(root, path, text), Is.EqualTo(new[]
        {
            "src/Kernels/Example.cs:1: docs/STYLE.md",
            "src/Kernels/Example.cs:2: PAPER.md",
            $"src/Kernels/Example.cs:5: {OutsideFolders[0]}/docs/ARCHITECTURE.md",
        }).AsCollection);
        Assert.That(OutsideReferences(root, path, text), Is.EqualTo(new[]
        {
            $"src/Kernels/Example.cs:4: {OutsideFolders[0]}",
            $"src/Kernels/Example.cs:5: {OutsideFolders[0]}",
            $"src/Kernels/Example.cs:5: {OutsideFolders[1]}",
        }).AsCollection);
    }

    [Test]
    public void Scanner_ResolvesRelativePathsAndSkipsForeignSourceKeys()
    {
        var root = RepositoryFiles.Root();
        var path = Path.Combine(root, "data", "Example.md");
        var text = string.Join('\n',
            $"See `magpie/README{Md}`, `../README{Md}` and [the paper notes](../docs/PAPER{Md}).",
            $"ElemNet's README [E:elemnet/README{Md}; E:README_CrabNet{Md}] is another repository's file.",
            $"Outputs such as runs/trial/results{Md} are written by commands, not shipped.");

        Assert.That(DanglingCitations(root, path, text), Is.Empty);
    }

    private static IEnumerable<string> ScannedFiles(string root)
    {
        var pending = new Stack<string>([root]);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            foreach (var sub in Directory.EnumerateDirectories(folder))
            {
                if (!SkippedFolders.Contains(Path.GetFileName(sub)))
                {
                    pending.Push(sub);
                }
            }
            foreach (var file in Directory.EnumerateFiles(folder))
            {
                if (ScannedExtensions.Contains(Path.GetExtension(file), StringComparer.Ordinal) || Path.GetFileName(Path.GetDirectoryName(file)) == ".ci")
                {
                    yield return file;
                }
            }
        }
    }

    // "file:line: cited" for each cited .md file that resolves inside the repository neither from
    // the root nor from the citing file's folder. In C# only comments are read: string literals name files a program
    // writes, not documents.
    private static IEnumerable<string> DanglingCitations(string root, string path, string text)
    {
        var folder = Path.GetDirectoryName(path)!;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = path.EndsWith(".cs", StringComparison.Ordinal) ? CommentOf(lines[i]) : lines[i];
            foreach (Match match in MarkdownName().Matches(line))
            {
                var cited = match.Value;
                var before = line[..match.Index];
                if (ForeignSourceKey().IsMatch(before) || before.EndsWith(':') || cited.StartsWith("//", StringComparison.Ordinal)
                    || cited.StartsWith("runs/", StringComparison.Ordinal))
                {
                    continue;
                }
                if (!Resolves(root, root, cited) && !Resolves(root, folder, cited))
                {
                    yield return $"{Relative(root, path)}:{i + 1}: {cited}";
                }
            }
        }
    }

    private static IEnumerable<string> OutsideReferences(string root, string path, string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            foreach (var outside in OutsideFolders.Where(o => lines[i].Contains(o, StringComparison.Ordinal)))
            {
                yield return $"{Relative(root, path)}:{i + 1}: {outside}";
            }
        }
    }

    // The file exists and lies inside the repository (a path climbing out of it does not count).
    private static bool Resolves(string root, string folder, string cited)
    {
        var full = Path.GetFullPath(Path.Combine(folder, cited));
        return full.StartsWith(Path.GetFullPath(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal) && File.Exists(full);
    }

    private static string CommentOf(string line)
    {
        var start = line.IndexOf("//", StringComparison.Ordinal);
        return start < 0 ? "" : line[start..];
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    /// <summary>A file name ending in .md, with the folders written before it.</summary>
    [GeneratedRegex(@"[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md\b")]
    private static partial Regex MarkdownName();

    /// <summary>Inside a source key of another repository, such as <c>[E:elemnet/README.md]</c> in docs/PAPER.md.</summary>
    [GeneratedRegex(@"\[[A-Z]+:[^\]]*$")]
    private static partial Regex ForeignSourceKey();
}
