using System.CommandLine;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Transfer;

namespace CrossPropertyILGPU.Cli.Verbs;

/// <summary>Options shared by the verbs (docs/CLI.md "Common options").</summary>
internal static class CommonOptions
{
    public static Option<string> Device() => new("--device")
    {
        Description = "Compute backend: auto, cpu, ilgpu-cpu, cuda or opencl.",
        DefaultValueFactory = _ => DeviceKind.Auto.ToName(),
    };

    public static Option<string> Gemm() => new("--gemm")
    {
        Description = "Dense-layer GEMM on the ILGPU devices: custom (this engine's tiled kernels) or cublas (CUDA only, the baseline).",
        DefaultValueFactory = _ => "custom",
    };

    public static Option<int> Seed() => new("--seed")
    {
        Description = "Seed of all randomness: split, initialisation, shuffling, dropout.",
        DefaultValueFactory = _ => Network.Training.TrainerOptions.DefaultSeed,
    };

    public static Option<bool> Quiet() => new("--quiet")
    {
        Description = "No progress display; one plain line per epoch still goes to stderr. Default: off.",
    };

    public static Option<string?> FormulaColumn() => new("--formula-column")
    {
        Description = "Formula column (default: the column named formula, pretty_comp or composition).",
    };

    public static Option<string?> Target() => new("--target")
    {
        Description = "Target column (default: the last column); several, comma-separated (a,b,c), train a multi-output model, an empty cell leaving a row unlabelled for that target.",
    };

    /// <summary>Parses the --gemm value; a bad one is a usage error listing the valid ones.</summary>
    public static GemmEngine ParseGemm(string text) =>
        GemmEngines.TryParse(text, out var engine)
            ? engine
            : throw new UsageException($"--gemm {text}: unknown GEMM. Valid: {string.Join(", ", GemmEngines.Names)}.");

    /// <summary>Parses the --device value; a bad one is a usage error listing the valid ones.</summary>
    public static DeviceKind ParseDevice(string text) =>
        DeviceKinds.TryParse(text, out var kind)
            ? kind
            : throw new UsageException($"--device {text}: unknown device. Valid devices: {string.Join(", ", DeviceKinds.Names)}.");
}
