using System.Runtime.Intrinsics;

namespace GpuDigits.Engine.Cpu;

/// <summary>The managed CPU accelerator is always present; it opens accelerators with the options it was given.</summary>
public sealed class CpuAcceleratorProvider(CpuAcceleratorOptions? options = null) : IAcceleratorProvider
{
    private readonly CpuAcceleratorOptions _options = options ?? new();

    public AcceleratorKind Kind => AcceleratorKind.Cpu;

    public string? UnavailableReason => null;

    public IReadOnlyList<AcceleratorInfo> Discover() => [Describe(_options)];

    public Accelerator Create(AcceleratorInfo info) => new CpuAccelerator(_options);

    public static AcceleratorInfo Describe(CpuAcceleratorOptions? options = null)
    {
        options ??= new();
        return Describe(options.ResolvedPath, options.ResolvedThreads, options.AlwaysSplit);
    }

    internal static AcceleratorInfo Describe(GemmPath gemmPath, int threads, bool alwaysSplit)
    {
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return new AcceleratorInfo(AcceleratorKind.Cpu, "cpu", CpuModelName(), memory, Environment.ProcessorCount,
            $"managed SIMD, {SimdDescription()}, GEMM {gemmPath}, {threads} threads{(threads > 1 ? alwaysSplit ? " (always split)" : " (adaptive split)" : "")}", IsGpu: false,
            SharesHostMemory: true);
    }

    public static string SimdDescription() =>
        Vector512.IsHardwareAccelerated ? "Vector512" :
        Vector256.IsHardwareAccelerated ? "Vector256" :
        Vector128.IsHardwareAccelerated ? "Vector128" : "scalar";

    private static string CpuModelName()
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"))
            {
                var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                if (line is not null) return line[(line.IndexOf(':') + 1)..].Trim();
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return $"{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture} CPU";
    }
}
