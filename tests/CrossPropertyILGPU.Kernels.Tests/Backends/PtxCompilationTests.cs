using System.Reflection;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Ops;
using CrossPropertyILGPU.Kernels.Tests.Support;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace CrossPropertyILGPU.Kernels.Tests.Backends;

/// <summary>
/// Every kernel in <c>Ops/</c> compiles to PTX for Ampere (SM_80) and Hopper (SM_90) without a
/// device (docs/ILGPU.md §5), so a kernel that ILGPU's CUDA code generator rejects breaks CI instead of
/// a user's first GPU run. Grid-stride kernels are found by reflection (public static methods of
/// the Ops types whose first parameter is a thread index), so a new kernel is covered without
/// editing this test — and the ILGPU backend must load exactly that set. The tiled GEMM kernels
/// are compiled in every tile configuration and SGEMM variant, as explicitly grouped kernels, and
/// their PTX must stage tiles in shared memory behind barriers, with 16-byte loads in the
/// vectorised variants.
/// </summary>
public sealed class PtxCompilationTests
{
    private static readonly MethodInfo[] Kernels = typeof(IlgpuBackend).Assembly.GetTypes()
        .Where(t => t.Namespace == "CrossPropertyILGPU.Kernels.Ops" && t.IsClass)
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
        .Where(m => m.GetParameters() is [var first, ..] && first.ParameterType == typeof(Index1D))
        .OrderBy(m => m.DeclaringType!.Name).ThenBy(m => m.Name)
        .ToArray();

    private static IEnumerable<TestCaseData> KernelsAndArchitectures()
    {
        foreach (var kernel in Kernels)
        {
            yield return new TestCaseData(kernel, CudaArchitecture.SM_80, CudaInstructionSet.ISA_70)
                .SetArgDisplayNames($"{kernel.DeclaringType!.Name}.{kernel.Name}", "SM_80");
            yield return new TestCaseData(kernel, CudaArchitecture.SM_90, CudaInstructionSet.ISA_78)
                .SetArgDisplayNames($"{kernel.DeclaringType!.Name}.{kernel.Name}", "SM_90");
        }
    }

    private static IEnumerable<TestCaseData> TiledKernelsAndArchitectures()
    {
        foreach (var configuration in GemmTileConfiguration.All)
        {
            foreach (var generic in GemmTileConfiguration.GenericKernels)
            {
                var kernel = configuration.Instantiate(generic);
                var barriers = configuration.Threads > 1;
                var vector = configuration.Variant != GemmVariant.Blocked;
                yield return new TestCaseData(kernel, barriers, vector, CudaArchitecture.SM_80, CudaInstructionSet.ISA_70)
                    .SetArgDisplayNames($"{generic.Name}<{configuration.Size},{configuration.Variant}>", "SM_80");
                yield return new TestCaseData(kernel, barriers, vector, CudaArchitecture.SM_90, CudaInstructionSet.ISA_78)
                    .SetArgDisplayNames($"{generic.Name}<{configuration.Size},{configuration.Variant}>", "SM_90");
            }
        }
    }

    [Test]
    public void Discovery_FindsEveryKernelFamily()
    {
        var families = Kernels.Select(k => k.DeclaringType!.Name).Distinct().ToArray();
        Assert.That(families, Is.SupersetOf(new[] { "DenseKernels", "ReluKernels", "DropoutKernels", "LossKernels", "AdamKernels", "FillCopyKernels" }));
        Assert.That(Kernels, Has.Length.GreaterThanOrEqualTo(9));
        Assert.That(TiledKernelsAndArchitectures().Count(), Is.EqualTo(2 * 3 * GemmTileConfiguration.All.Count));
    }

    [Test]
    public void IlgpuBackend_LoadsExactlyTheDiscoveredKernels()
    {
        var backend = (IlgpuBackend)TestBackends.Get(TestBackends.IlgpuCpu)!;
        Assert.That(backend.LoadedKernels.Where(k => !k.IsGenericMethod), Is.EquivalentTo(Kernels));
        var tiled = backend.GemmTiles.SelectMany(c => GemmTileConfiguration.GenericKernels.Select(c.Instantiate));
        Assert.That(backend.LoadedKernels.Where(k => k.IsGenericMethod), Is.EquivalentTo(tiled));
    }

    [TestCaseSource(nameof(TiledKernelsAndArchitectures))]
    public void TiledKernel_CompilesToPtxWithSharedTilesAndBarriers(MethodInfo kernel, bool barriers, bool vector, CudaArchitecture architecture, CudaInstructionSet instructionSet)
    {
        using var context = Context.Create(builder => builder.EnableAlgorithms());
        using var backend = new PTXBackend(context, new CudaCapabilityContext(architecture), architecture, instructionSet, null);
        var compiled = backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(kernel), KernelSpecialization.Empty);

        var ptx = ((PTXCompiledKernel)compiled).PTXAssembly;
        Assert.That(ptx, Does.Contain(".visible .entry"));
        Assert.That(ptx, Does.Contain($".version {instructionSet.Major}.{instructionSet.Minor}"));
        Assert.That(ptx, Does.Contain(".shared"), "operand tiles in shared memory");
        // Multi-thread tiles wait for each other around the tile loads; the one-thread tile has no one to wait for.
        Assert.That(ptx.Contains("bar.sync", StringComparison.Ordinal), Is.EqualTo(barriers), "barriers around the tile loads");
        // The micro-tile's accumulators are registers: no per-thread local-memory array.
        Assert.That(ptx, Does.Not.Contain(".local"), "accumulators spilled to local memory");
        // The vectorised variants read operands as Float4: one 16-byte load each (docs/ILGPU.md §5).
        Assert.That(ptx.Contains("ld.v4.f32", StringComparison.Ordinal), Is.EqualTo(vector), "16-byte global loads");
    }

    [TestCaseSource(nameof(KernelsAndArchitectures))]
    public void Kernel_CompilesToPtx(MethodInfo kernel, CudaArchitecture architecture, CudaInstructionSet instructionSet)
    {
        using var context = Context.Create(builder => builder.EnableAlgorithms());
        using var backend = new PTXBackend(context, new CudaCapabilityContext(architecture), architecture, instructionSet, null);
        var compiled = backend.Compile(EntryPointDescription.FromImplicitlyGroupedKernel(kernel), KernelSpecialization.Empty);

        var ptx = ((PTXCompiledKernel)compiled).PTXAssembly;
        Assert.That(ptx, Does.Contain(".visible .entry"));
        // ILGPU targets the lowest architecture its capabilities need; the driver JITs upward.
        Assert.That(ptx, Does.Contain(".target sm_"));
        Assert.That(ptx, Does.Contain($".version {instructionSet.Major}.{instructionSet.Minor}"));
    }
}
