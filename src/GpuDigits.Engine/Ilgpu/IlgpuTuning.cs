using GpuDigits.Kernels;
using ILGPU.Runtime;

namespace GpuDigits.Engine.Ilgpu;

using IlgpuDevice = ILGPU.Runtime.Accelerator;

/// <summary>
/// Every launch-shape parameter of the ILGPU backend, in one place, chosen once per device from its limits. The GEMM
/// tile is the first of <see cref="GemmTiles"/> whose group and shared memory fit the device.
/// </summary>
public sealed record IlgpuTuning(
    GemmTileChoice Gemm,
    int ElementwiseGroup,
    int MaxGridGroups,
    int SoftmaxGroup,
    int ColumnSumsX,
    int ColumnSumsY)
{
    /// <summary>Softmax groups at most (each writes one partial; the partials buffer is sized for this many).</summary>
    public const int MaxSoftmaxGroups = 256;

    /// <summary>GEMM tilings, largest first.</summary>
    public static IReadOnlyList<GemmTileChoice> GemmTiles { get; } =
    [
        GemmTileChoice.Of<GemmTile64>(),
        GemmTileChoice.Of<GemmTile32>(),
        GemmTileChoice.Of<GemmTile16>(),
    ];

    public static IlgpuTuning For(IlgpuDevice device)
    {
        int maxThreads = device.MaxNumThreadsPerGroup;
        var gemm = GemmTiles.FirstOrDefault(t => t.Threads <= maxThreads && t.SharedBytes <= device.MaxSharedMemoryPerGroup)
                   ?? throw new AcceleratorException(
                       $"No GEMM tiling fits {device.Name}: it allows {maxThreads} threads and {device.MaxSharedMemoryPerGroup} bytes of shared memory per group.");
        int group = FloorPow2(Math.Min(256, maxThreads));
        int softmax = FloorPow2(Math.Min(128, Math.Min(maxThreads, SoftmaxCrossEntropyKernels.MaxGroupSize)));
        int colX = Math.Min(32, group);
        int colY = FloorPow2(Math.Max(1, Math.Min(8, Math.Min(maxThreads, ReductionKernels.MaxGroupSize) / colX)));
        int grid = Math.Max(1, device.NumMultiprocessors) * 8;
        return new IlgpuTuning(gemm, group, grid, softmax, colX, colY);
    }

    /// <summary>Groups for a 1-D grid-stride kernel over <paramref name="count"/> items: enough to cover it, capped.</summary>
    public int GridFor(long count) => (int)Math.Clamp((count + ElementwiseGroup - 1) / ElementwiseGroup, 1, MaxGridGroups);

    private static int FloorPow2(int value) => value < 1 ? 1 : 1 << (31 - int.LeadingZeroCount(value));

    public override string ToString() =>
        $"GEMM {Gemm}; groups of {ElementwiseGroup} (grid <= {MaxGridGroups}), softmax {SoftmaxGroup}, column sums {ColumnSumsX}x{ColumnSumsY}";
}

/// <summary>One GEMM tiling: its tile type (the generic argument of the kernel) and what it needs of the device.</summary>
public sealed record GemmTileChoice(Type TileType, int TileM, int TileN, int TileK)
{
    public static GemmTileChoice Of<TTile>() where TTile : struct, IGemmTile
    {
        var t = default(TTile);
        return new GemmTileChoice(typeof(TTile), t.TileM, t.TileN, t.TileK) { Entries = KernelCatalog.Gemm<TTile>() };
    }

    /// <summary>The catalog's four transpose forms of this tiling's GEMM kernel (NN, NT, TN, TT).</summary>
    internal IReadOnlyList<KernelEntry<Action<GemmArgs, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>>>> Entries { get; private init; } = [];

    public int ThreadsX => TileN / GemmKernels.RegisterBlock;

    public int ThreadsY => TileM / GemmKernels.RegisterBlock;

    public int Threads => ThreadsX * ThreadsY;

    public long SharedBytes => sizeof(float) * (long)TileK * (TileM + GemmKernels.Pad + TileN + GemmKernels.Pad);

    public override string ToString() => $"{TileM}x{TileN} tile, k slice {TileK}, {ThreadsX}x{ThreadsY} threads";
}
