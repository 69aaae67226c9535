using System.Buffers.Binary;
using System.Text;
using CrossPropertyILGPU.Network.Checkpoints;
using CrossPropertyILGPU.Network.Spec;

namespace CrossPropertyILGPU.Network.Tests.Checkpoints;

/// <summary>
/// The header-only reader: a file may claim any size, and checking it against an architecture
/// costs its header, never the claimed tensors.
/// </summary>
public sealed class SafeTensorsHeaderTests
{
    private const long FourGiB = 4L << 30;
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("cpilgpu-header-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    /// <summary>A safetensors file whose header claims <paramref name="tensors"/>; its data is <paramref name="dataBytes"/> bytes of a sparse file (no disk, no memory).</summary>
    internal static void WriteClaim(string path, IEnumerable<(string Name, long[] Shape)> tensors, long? dataBytes = null)
    {
        var json = new StringBuilder("{");
        long offset = 0;
        foreach (var (name, shape) in tensors)
        {
            var bytes = 4 * shape.Aggregate(1L, (a, d) => a * d);
            json.Append($"\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + bytes}]}},");
            offset += bytes;
        }
        json.Length--;
        json.Append('}');
        var header = Encoding.UTF8.GetBytes(json.ToString());
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        file.Write(length);
        file.Write(header);
        file.SetLength(8 + header.Length + (dataBytes ?? offset));
    }

    [Test]
    public void ReadHeader_OfAHugeClaimedTensor_DoesNotAllocateIt()
    {
        var path = Path.Combine(_directory, "huge.safetensors");
        WriteClaim(path, [("dense.0.weight", [1 << 20, 1 << 10])]);
        Assert.That(new FileInfo(path).Length, Is.GreaterThan(FourGiB));

        SafeTensors.ReadHeader(path); // JIT and file-system warm-up, not counted
        var before = GC.GetAllocatedBytesForCurrentThread();
        var header = SafeTensors.ReadHeader(path);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        var tensor = header.Tensors.Single();
        Assert.That((tensor.Name, tensor.Shape, tensor.Count), Is.EqualTo(("dense.0.weight", new[] { 1 << 20, 1 << 10 }, 1L << 30)));
        Assert.That(allocated, Is.LessThan(1 << 20), "the header, not the claimed 4 GiB");
    }

    [Test]
    public void ReadHeader_ClaimPastTheEndOfTheFile_IsTruncatedWithoutAllocatingTheClaim()
    {
        var path = Path.Combine(_directory, "claim.safetensors");
        WriteClaim(path, [("dense.0.weight", [1 << 20, 1 << 10])], dataBytes: 16);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.ReadHeader(path));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1 << 20));
        Assert.That(e!.Message, Does.Contain(path).And.Contain("truncated"));
        Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path), "the full reader checks the same header first");
    }

    [Test]
    public void ReadHeader_HeaderLengthOverTheLimit_IsRefusedUnread()
    {
        var path = Path.Combine(_directory, "long-header.safetensors");
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write))
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)SafeTensors.MaxHeaderBytes + 1);
            file.Write(length);
            file.SetLength(8 + (long)SafeTensors.MaxHeaderBytes + 1);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.ReadHeader(path));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1 << 20));
        Assert.That(e!.Message, Does.Contain("header length"));
    }

    [Test]
    public void Check_AgainstTheArchitecture_NamesTheFirstMismatchFromTheHeaderAlone()
    {
        LayerSpec[] layers = [new DenseSpec(1 << 20, true), new DenseSpec(1, false)];
        var path = Path.Combine(_directory, "claim.safetensors");
        WriteClaim(path, [("dense.0.weight", [1024, 1 << 20]), ("dense.0.bias", [1 << 20]), ("dense.1.weight", [1 << 20, 1]), ("dense.1.bias", [1])]);
        Assert.DoesNotThrow(() => ModelWeights.Check(path, 1024, layers), "a matching 4 GiB claim passes without being read");
        var e = Assert.Throws<InvalidDataException>(() => ModelWeights.Check(path, 86, layers));
        Assert.That(e!.Message, Does.Contain("dense.0.weight").And.Contain("another architecture"));
    }

    [Test]
    public void Measure_CountsInLongArithmetic()
    {
        LayerSpec[] layers = [new DenseSpec(1 << 20, true), new DenseSpec(1 << 20, true), new DenseSpec(1 << 20, true), new DenseSpec(1 << 20, true), new DenseSpec(1, false)];
        var (parameters, activations) = Sequential.Measure(86, layers);
        Assert.That(parameters, Is.EqualTo(86L * (1 << 20) + 3L * (1L << 40) + 4L * (1 << 20) + (1 << 20) + 1));
        Assert.That(activations, Is.EqualTo(4L * (1 << 20) + 1));
    }
}
