namespace CrossPropertyILGPU.Transfer.Tests.Support;

/// <summary>Base of fixtures whose every test gets a fresh <see cref="ScratchFolder"/>, deleted after it.</summary>
public abstract class ScratchTests
{
    /// <summary>This test's scratch folder.</summary>
    protected ScratchFolder Scratch { get; private set; } = null!;

    [SetUp]
    public void CreateScratch() => Scratch = new ScratchFolder();

    [TearDown]
    public void DeleteScratch() => Scratch.Dispose();
}
