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
    /// <summary>The accepted spellings.</summary>
    public static IReadOnlyList<string> Names { get; } = ["custom", "cublas"];

    /// <summary>The CLI spelling of <paramref name="engine"/>.</summary>
    public static string ToName(this GemmEngine engine) => engine switch
    {
        GemmEngine.Custom => "custom",
        GemmEngine.CuBlas => "cublas",
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "Unknown GEMM engine."),
    };

    /// <summary>Parses a CLI spelling (case-insensitive); false when it names no engine.</summary>
    public static bool TryParse(string? text, out GemmEngine engine)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "custom": engine = GemmEngine.Custom; return true;
            case "cublas": engine = GemmEngine.CuBlas; return true;
            default: engine = GemmEngine.Custom; return false;
        }
    }
}
