namespace CrossPropertyILGPU.Tests.Shared;

/// <summary>Files of the repository under test, found upwards from the test binaries. Linked into every test project.</summary>
internal static class RepositoryFiles
{
    /// <summary>The folder holding CrossPropertyILGPU.sln.</summary>
    public static string Root()
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
    public static string Jarvis(params string[] parts) => Path.Combine([Root(), "data", "jarvis", .. parts]);
}
