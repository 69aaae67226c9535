using CrossPropertyILGPU.Kernels.Backends.Cpu;
using CrossPropertyILGPU.Kernels.Tests.Support;

namespace CrossPropertyILGPU.Kernels.Tests.Backends.Cpu;

/// <summary>
/// The packed, register-blocked SGEMM against its scalar reference, bit for bit: both apply one
/// fused multiply-add per k in ascending k to every element after the same start, so any packing,
/// edge-tile or chunking slip shows as a changed bit, not a tolerance. Every vector width this
/// machine has, every operand layout the dense products use, every start, and each epilogue
/// (none, ReLU, the backward-ReLU mask).
/// </summary>
public sealed class SgemmTests
{
    private static readonly int[] Widths = [.. new[] { 16, 8, 4 }.Where(w => w <= SimdWidth.Lanes)];

    // (M, N, K): the awkward shapes, tile remainders in every dimension, depth past one
    // KC block (256) and past two with a ragged third, and ElemNet's first layer (K = 86).
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (17, 33, 65), (8, 32, 1), (9, 31, 3), (7, 65, 86), (32, 1024, 86), (130, 40, 257), (33, 70, 600), (3, 2, 0),
    ];

    public enum Layout
    {
        /// <summary>Forward: A = x row-major, B = w row-major.</summary>
        Forward,

        /// <summary>Input gradient: B = wᵀ read through strides.</summary>
        InputGradient,

        /// <summary>Weight gradient: A = xᵀ read through strides.</summary>
        WeightGradient,
    }

    [Test]
    public void PackedGemm_MatchesScalarReferenceBitForBit(
        [Values] Layout layout, [Values(0, 1, 2)] int startKind, [Values("none", "relu", "mask")] string epilogue)
    {
        var start = (GemmStart)startKind;
        foreach (var lanes in Widths)
        {
            foreach (var (m, n, k) in Shapes)
            {
                foreach (var chunks in new[] { 1, 3 })
                {
                    var expected = Problem(layout, start, epilogue, m, n, k);
                    var actual = Problem(layout, start, epilogue, m, n, k);
                    Sgemm.Reference(expected);
                    RunInChunks(actual, lanes, chunks);
                    Assert.That(Bits(actual.C), Is.EqualTo(Bits(expected.C)).AsCollection,
                        $"{layout} {start} {epilogue} {m}×{n}×{k}, {lanes} lanes, {chunks} chunks");
                }
            }
        }
    }

    [Test]
    public void Reference_AgreesWithDoubleArithmetic()
    {
        // The oracle itself, against plain double sums, so a wrong reference cannot hide a wrong kernel.
        var problem = Problem(Layout.InputGradient, GemmStart.Bias, "none", 5, 7, 300);
        Sgemm.Reference(problem);
        for (var i = 0; i < 5; i++)
        {
            for (var j = 0; j < 7; j++)
            {
                var sum = (double)problem.Bias[problem.BiasOffset + j];
                var bound = Math.Abs(sum);
                for (var p = 0; p < 300; p++)
                {
                    var product = (double)problem.A.At(i, p) * problem.B.At(p, j);
                    sum += product;
                    bound += Math.Abs(product);
                }
                Assert.That(problem.C[problem.COffset + (i * 7) + j], Is.EqualTo(sum).Within(Close.DotBound(301, bound)));
            }
        }
    }

    /// <summary>Runs <paramref name="problem"/> split into column chunks the way the backend splits it.</summary>
    private static void RunInChunks(GemmProblem problem, int lanes, int chunks)
    {
        var strips = Sgemm.Strips(problem.N, lanes);
        var packedA = new float[Sgemm.PackedAFloats];
        var packedB = new float[Sgemm.PackedBFloats(strips * Sgemm.NR(lanes), lanes)];
        for (var c = 0; c < chunks; c++)
        {
            Sgemm.RunChunk(problem, c * strips / chunks, (c + 1) * strips / chunks, lanes, packedA, packedB);
        }
    }

    /// <summary>
    /// Random operands laid out as the dense op of <paramref name="layout"/> stores them, inside
    /// larger arrays (nonzero offsets), with C prefilled for <see cref="GemmStart.Accumulate"/>; the
    /// mask, like C, has about half its entries positive.
    /// </summary>
    private static GemmProblem Problem(Layout layout, GemmStart start, string epilogue, int m, int n, int k)
    {
        const int pad = 5;
        var a = TestData.Uniform((m * k) + pad, 1);
        var b = TestData.Uniform((k * n) + pad, 2);
        var (aMatrix, bMatrix) = layout switch
        {
            // A[m,k] row-major; B[k,n] row-major.
            Layout.Forward => (new StridedMatrix(a, pad, k, 1), new StridedMatrix(b, pad, n, 1)),
            // B(p, j) = w[j, p] with w stored [n, k].
            Layout.InputGradient => (new StridedMatrix(a, pad, k, 1), new StridedMatrix(b, pad, 1, k)),
            // A(i, p) = x[p, i] with x stored [k, m].
            _ => (new StridedMatrix(a, pad, 1, m), new StridedMatrix(b, pad, n, 1)),
        };
        return new GemmProblem
        {
            A = aMatrix,
            B = bMatrix,
            C = TestData.Uniform((m * n) + 3, 3),
            COffset = 3,
            M = m,
            N = n,
            K = k,
            Start = start,
            Bias = TestData.Uniform(n + 2, 4),
            BiasOffset = 2,
            Relu = epilogue == "relu",
            Mask = epilogue == "mask" ? TestData.Uniform((m * n) + 1, 5) : null,
            MaskOffset = 1,
        };
    }

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
