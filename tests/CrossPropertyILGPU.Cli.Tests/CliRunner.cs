using CrossPropertyILGPU.Tests.Shared;

namespace CrossPropertyILGPU.Cli.Tests;

/// <summary>Runs the CLI in-process with captured streams.</summary>
internal static class CliRunner
{
    public static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>A file under the repository's data/jarvis.</summary>
    public static string Jarvis(params string[] parts) => RepositoryFiles.Jarvis(parts);
}
