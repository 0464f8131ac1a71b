namespace GpuDigits.Engine.Kernels;

/// <summary>
/// The compile-time blocking of <c>kernels/gemm.cl</c>, shared by the GPU backends: each work-group (CUDA block)
/// computes a <see cref="TileM"/> x <see cref="TileN"/> block of C over <see cref="TileK"/>-deep k slices staged in
/// local (shared) memory, each work-item (thread) a <see cref="PerItemM"/> x <see cref="PerItemN"/> block of
/// accumulators. Passed to the compiler (OpenCL C or NVRTC) as the same -D options.
/// </summary>
public readonly record struct GemmTiling(int TileM, int TileN, int TileK, int PerItemM, int PerItemN)
{
    /// <summary>Tried in order; the first one the device can run is used (the last runs on any device).</summary>
    public static IReadOnlyList<GemmTiling> Candidates { get; } =
    [
        new(64, 64, 16, 4, 4), // 16 x 16 work-items
        new(32, 32, 16, 4, 4), // 8 x 8
        new(16, 16, 16, 4, 4), // 4 x 4
        new(8, 8, 8, 8, 8),    // 1 work-item
    ];

    /// <summary>Local-memory padding of each staged row (GD_GEMM_PAD).</summary>
    public const int Pad = 1;

    /// <summary>Work-items along columns of C: OpenCL dimension 0, CUDA block x.</summary>
    public int GroupX => TileN / PerItemN;

    /// <summary>Work-items along rows of C: OpenCL dimension 1, CUDA block y.</summary>
    public int GroupY => TileM / PerItemM;

    public int WorkItems => GroupX * GroupY;

    public long LocalMemoryBytes => sizeof(float) * (long)TileK * (TileM + Pad + TileN + Pad);

    public bool IsValid =>
        TileM > 0 && TileN > 0 && TileK > 0 && PerItemM > 0 && PerItemN > 0 &&
        TileM % PerItemM == 0 && TileN % PerItemN == 0 &&
        TileM * TileK % WorkItems == 0 && TileN * TileK % WorkItems == 0;

    /// <summary>The -D definitions, one per tunable, as OpenCL C and NVRTC both take them.</summary>
    public IReadOnlyList<string> Defines =>
    [
        $"-DGD_GEMM_TILE_M={TileM}", $"-DGD_GEMM_TILE_N={TileN}", $"-DGD_GEMM_TILE_K={TileK}",
        $"-DGD_GEMM_WPT_M={PerItemM}", $"-DGD_GEMM_WPT_N={PerItemN}", $"-DGD_GEMM_PAD={Pad}",
    ];

    /// <summary>The -D definitions as one option string (clBuildProgram).</summary>
    public string CompilerOptions => string.Join(' ', Defines);

    /// <summary>Parses "TM,TN,TK,WM,WN" (the GPUDIGITS_OPENCL_GEMM_TILING / GPUDIGITS_CUDA_GEMM_TILING overrides); null when malformed.</summary>
    public static GemmTiling? Parse(string? text)
    {
        var parts = (text ?? "").Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 5) return null;
        var v = new int[5];
        for (int i = 0; i < 5; i++)
            if (!int.TryParse(parts[i], out v[i])) return null;
        var tiling = new GemmTiling(v[0], v[1], v[2], v[3], v[4]);
        return tiling.IsValid ? tiling : null;
    }

    public override string ToString() =>
        $"{TileM}x{TileN} block, k slice {TileK}, {GroupX}x{GroupY} work-items, {PerItemM}x{PerItemN} per item";
}
