using CrossPropertyILGPU.Tests.Shared;

namespace CrossPropertyILGPU.Transfer.Tests.Support;

/// <summary>The repository's data files, and scratch CSV files written for one test.</summary>
public static class TestFiles
{
    /// <summary>The folder holding CrossPropertyILGPU.sln.</summary>
    public static string RepositoryRoot() => RepositoryFiles.Root();

    /// <summary>A file under data/jarvis, such as <c>Jarvis("sample", "sample_train_set.csv")</c>.</summary>
    public static string Jarvis(params string[] parts) => RepositoryFiles.Jarvis(parts);
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
