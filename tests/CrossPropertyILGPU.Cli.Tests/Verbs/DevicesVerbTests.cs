namespace CrossPropertyILGPU.Cli.Tests.Verbs;

public sealed class DevicesVerbTests
{
    [Test]
    public void Devices_ListsBothCpuBackendsAndTheAutoChoice()
    {
        var (code, output, _) = CliRunner.Run("devices");
        Assert.That(code, Is.EqualTo(CliApp.Success));
        Assert.That(output, Does.Contain("ilgpu-cpu").And.Contain("managed SIMD").And.Match(@"auto picks: (cuda|opencl|cpu)"));
    }

    [Test]
    public void DevicesCheck_EveryBackendMatchesTheReference()
    {
        var (code, output, _) = CliRunner.Run("devices", "--check");
        Assert.That(output, Does.Contain("ilgpu-cpu: ok").And.Contain("cpu: ok"));
        Assert.That(code, Is.EqualTo(CliApp.Success), output);
    }

    [Test]
    public void UnknownVerb_ExitsWithInvalidInput()
    {
        var (code, _, error) = CliRunner.Run("trian");
        Assert.That(code, Is.EqualTo(CliApp.InvalidInput));
        Assert.That(error, Does.Contain("trian"));
    }
}
