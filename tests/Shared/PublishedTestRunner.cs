using System.Globalization;
using System.Reflection;
using System.Security;
using NUnit.Framework.Api;
using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;

namespace CrossPropertyILGPU.Tests.Shared;

/// <summary>
/// The entry point of a test assembly run as a program — a self-contained publish carried to a GPU
/// machine that has no .NET SDK, hence no <c>dotnet test</c> (benchmarks/gpu-run.sh). It runs the
/// assembly's tests through NUnit's own runner, optionally only one category:
/// <code>CrossPropertyILGPU.Kernels.Tests [--category Gpu]</code>
/// prints one line per test and a summary, and exits with the number of failures (0 = all passed).
/// <c>dotnet test</c> never calls this: VSTest loads the assembly into its own host. Linked into
/// every test project; the test SDK's generated entry point is switched off in tests/Directory.Build.props.
/// </summary>
internal static class PublishedTestRunner
{
    public static int Main(string[] args)
    {
        var category = args is ["--category", var name, ..] ? name : null;
        var filter = category is null
            ? TestFilter.Empty
            : TestFilter.FromXml($"<filter><cat>{SecurityElement.Escape(category)}</cat></filter>");
        var runner = new NUnitTestAssemblyRunner(new DefaultTestAssemblyBuilder());
        runner.Load(Assembly.GetExecutingAssembly(), new Dictionary<string, object>());
        var listener = new ConsoleListener();
        var result = runner.Run(listener, filter);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Assembly.GetExecutingAssembly().GetName().Name}{(category is null ? "" : $" [category {category}]")}: {result.PassCount} passed, {result.FailCount} failed, {result.SkipCount + result.InconclusiveCount} skipped"));
        return result.FailCount;
    }

    private sealed class ConsoleListener : ITestListener
    {
        public void TestStarted(ITest test)
        {
        }

        public void TestFinished(ITestResult result)
        {
            if (result.Test.IsSuite)
            {
                return;
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.ResultState.Status,-12} {result.Test.FullName} ({result.Duration:F2} s)"));
            if (result.ResultState.Status is TestStatus.Failed or TestStatus.Skipped && !string.IsNullOrEmpty(result.Message))
            {
                Console.WriteLine("    " + result.Message.ReplaceLineEndings("\n    "));
            }
        }

        public void TestOutput(TestOutput output) => Console.Write(output.Text);

        public void SendMessage(TestMessage message)
        {
        }
    }
}
