namespace CrossPropertyILGPU.Kernels.Backends;

/// <summary>Which GEMM the ILGPU backend runs the dense products with (<c>--gemm</c>).</summary>
public enum GemmEngine
{
    /// <summary>This engine's tiled, register-blocked kernels with fused epilogues (every device).</summary>
    Custom = 0,

    /// <summary>
    /// cuBLAS SGEMM through ILGPU.Algorithms, with the epilogues as separate launches: the yardstick
    /// for the custom kernels. CUDA only.
    /// </summary>
    CuBlas,
}

/// <summary>Parsing and printing of <see cref="GemmEngine"/> as the CLI spells it.</summary>
public static class GemmEngines
{
    /// <summary>The names, case-insensitive.</summary>
    public static NameTable<GemmEngine> Table { get; } = new(ignoreCase: true, (GemmEngine.Custom, "custom"), (GemmEngine.CuBlas, "cublas"));

    /// <summary>The accepted spellings.</summary>
    public static IReadOnlyList<string> Names => Table.Names;

    /// <summary>The CLI spelling of <paramref name="engine"/>.</summary>
    public static string ToName(this GemmEngine engine) => Table.ToName(engine);

    /// <summary>Parses a CLI spelling (case-insensitive); false when it names no engine.</summary>
    public static bool TryParse(string? text, out GemmEngine engine) => Table.TryParse(text, out engine);
}
