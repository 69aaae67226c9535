namespace CrossPropertyILGPU.Transfer.Tests.Support;

/// <summary>The repository's data files, and scratch CSV files written for one test.</summary>
public static class TestFiles
{
    /// <summary>The folder holding CrossPropertyILGPU.sln, found upwards from the test binaries.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CrossPropertyILGPU.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("CrossPropertyILGPU.sln not found above the test directory.");
    }

    /// <summary>A file under data/jarvis, such as <c>Jarvis("sample", "sample_train_set.csv")</c>.</summary>
    public static string Jarvis(params string[] parts) =>
        Path.Combine([RepositoryRoot(), "data", "jarvis", .. parts]);
}

/// <summary>A temporary folder for one test's files; deleted on dispose.</summary>
public sealed class ScratchFolder : IDisposable
{
    /// <summary>Creates an empty folder under the system temp folder.</summary>
    public ScratchFolder()
    {
        FullName = Path.Combine(Path.GetTempPath(), "cpilgpu-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(FullName);
    }

    /// <summary>The folder.</summary>
    public string FullName { get; }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no byte order mark) to a file in the folder and returns its path.</summary>
    public string Write(string name, string text)
    {
        var path = Path.Combine(FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Writes raw bytes to a file in the folder and returns its path.</summary>
    public string WriteBytes(string name, byte[] bytes)
    {
        var path = Path.Combine(FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Deletes the folder and everything in it.</summary>
    public void Dispose() => Directory.Delete(FullName, recursive: true);
}
