namespace CrossPropertyILGPU.Transfer.Tests.Support;

/// <summary>
/// Tells a writer that writes beside and renames into place from one that writes in place: the
/// output path is made a symbolic link to a file holding old contents. A rename replaces the link
/// and leaves that file as it was; a write in place (truncating the path) goes through the link
/// into it — the write a full disk or a crash would leave half done under the real name.
/// </summary>
internal static class ReplacedByRename
{
    private const string OldContents = "the old file, which a failed write must leave whole";

    /// <summary>Runs <paramref name="write"/>, which writes <paramref name="path"/>, and checks that it replaced the file by rename and left no temporary.</summary>
    public static void Check(string path, Action write)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Symbolic links need a privilege on Windows; the rename is checked on Linux and macOS.");
        }
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var old = Path.Combine(folder, "old-" + Path.GetFileName(path));
        File.WriteAllText(old, OldContents);
        File.CreateSymbolicLink(path, old);

        write();

        Assert.That(File.ReadAllText(old), Is.EqualTo(OldContents), $"{path} was written in place (through the link), not beside it and renamed");
        Assert.That(new FileInfo(path).LinkTarget, Is.Null, $"{path}: the rename replaced the link with the new file");
        Assert.That(new FileInfo(path).Length, Is.GreaterThan(0));
        Assert.That(Directory.GetFiles(folder, "*.tmp"), Is.Empty, "no temporary is left");
    }
}
