namespace CrossPropertyILGPU.Cli.Tests.Verbs;

public sealed class DevicesVerbTests
{
    [Test]
    public void Devices_ListsBothCpuBackendsAndTheAutoChoice()
    {
        var (code, output, _) = Run("devices");
        Assert.That(code, Is.EqualTo(CliApp.Success));
        Assert.That(output, Does.Contain("ilgpu-cpu").And.Contain("managed SIMD").And.Match(@"auto picks: (cuda|opencl|cpu)"));
    }

    [Test]
    public void DevicesCheck_EveryBackendMatchesTheReference()
    {
        var (code, output, _) = Run("devices", "--check");
        Assert.That(output, Does.Contain("ilgpu-cpu: ok").And.Contain("cpu: ok"));
        Assert.That(code, Is.EqualTo(CliApp.Success), output);
    }

    [Test]
    public void UnknownVerb_ExitsWithInvalidInput()
    {
        var (code, _, error) = Run("trian");
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain("trian"));
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
