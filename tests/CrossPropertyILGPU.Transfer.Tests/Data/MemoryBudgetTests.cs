using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Tests.Data;

public sealed class MemoryBudgetTests
{
    [Test]
    public void EnsureFeatureMatrix_LongerThanAnArray_NamesTheFileAndSizes()
    {
        var rows = Array.MaxLength / 86 + 1L;
        var ex = Assert.Throws<DataFileException>(() => MemoryBudget.EnsureFeatureMatrix("big.csv", rows, 86));
        Assert.That(ex!.Message, Does.StartWith("big.csv: ").And.Contain("× 86 features").And.Contain("split the file"));
    }

    [Test]
    public void EnsureHost_MoreThanTheMachineHas_Throws()
    {
        var ex = Assert.Throws<DataFileException>(() => MemoryBudget.EnsureHost("big.csv", MemoryBudget.HostBytes + 1, "the matrix"));
        Assert.That(ex!.Message, Does.Contain("the matrix needs").And.Contain("but this machine has"));
    }

    [Test]
    public void EnsureFeatureMatrix_ThatFits_Passes()
    {
        Assert.That(MemoryBudget.HostBytes, Is.GreaterThan(0));
        Assert.DoesNotThrow(() => MemoryBudget.EnsureFeatureMatrix("small.csv", 1_000_000, 86));
    }
}
