namespace GpuDigits.Engine.Cpu;

/// <summary>Which instruction set the CPU GEMM micro-kernel uses.</summary>
public enum GemmPath
{
    /// <summary>The widest path the machine runs natively: Vector512, else Vector256, else scalar.</summary>
    Auto,
    /// <summary>Plain scalar code; runs everywhere.</summary>
    Scalar,
    /// <summary>8-wide Vector256 FMA (AVX2 + FMA on x64).</summary>
    Vector256,
    /// <summary>16-wide Vector512 FMA (AVX-512). Forced on a machine without it, .NET emulates it: correct but slow.</summary>
    Vector512,
}

/// <summary>
/// Tuning knobs of the managed CPU accelerator. The defaults are what the machine supports; tests force a GEMM path
/// or the thread count; the CLI sets them from its environment (GPUDIGITS_CPU_THREADS, GPUDIGITS_CPU_SPLIT).
/// </summary>
public sealed record CpuAcceleratorOptions
{
    /// <summary>The GEMM micro-kernel; <see cref="GemmPath.Auto"/> picks the widest native one.</summary>
    public GemmPath GemmPath { get; init; } = GemmPath.Auto;

    /// <summary>Most threads one op may use (the caller plus pooled workers); 0 means one per logical processor.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Split every op that is large enough over the threads, even while splits are measured to lose (tests use this
    /// to cover the split code). The default lets the worker team stop splitting while the machine is too busy for
    /// splits to pay (see WorkerTeam).
    /// </summary>
    public bool AlwaysSplit { get; init; }

    /// <summary>The path <see cref="GemmPath.Auto"/> resolves to on this machine.</summary>
    public static GemmPath NativePath =>
        Vector512IsNative ? GemmPath.Vector512 :
        System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? GemmPath.Vector256 : GemmPath.Scalar;

    /// <summary>True when Vector512 runs on real AVX-512 hardware rather than in emulation.</summary>
    public static bool Vector512IsNative => System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;

    internal GemmPath ResolvedPath => GemmPath == GemmPath.Auto ? NativePath : GemmPath;

    internal int ResolvedThreads => Math.Clamp(Threads > 0 ? Threads : Environment.ProcessorCount, 1, 64);
}
