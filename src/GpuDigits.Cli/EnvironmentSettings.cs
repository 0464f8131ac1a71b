using GpuDigits.Engine;
using GpuDigits.Engine.Cpu;

namespace GpuDigits.Cli;

/// <summary>
/// Every GPUDIGITS_* environment variable the gpudigits command reads, read here and nowhere else (the libraries take
/// these settings as arguments; the README's "Environment variables" table lists them). A value that makes no sense is
/// a usage error naming the variable.
/// </summary>
public static class EnvironmentSettings
{
    /// <summary>The data folder when <c>--data</c> is not given.</summary>
    public const string DataVariable = "GPUDIGITS_DATA";

    /// <summary>Most threads of the managed CPU backend (a positive number).</summary>
    public const string CpuThreadsVariable = "GPUDIGITS_CPU_THREADS";

    /// <summary><c>always</c>: the CPU backend splits every large-enough op over its threads, even while splits lose.</summary>
    public const string CpuSplitVariable = "GPUDIGITS_CPU_SPLIT";

    /// <summary>0/off: CUDA launches every op instead of replaying a recorded step (what <c>--cuda-graphs</c> overrides).</summary>
    public const string CudaGraphsVariable = "GPUDIGITS_CUDA_GRAPHS";

    private static string? Value(string name) => Environment.GetEnvironmentVariable(name) is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

    /// <summary>$GPUDIGITS_DATA as a full path, or null.</summary>
    public static string? DataDirectory => Value(DataVariable) is { } dir ? Path.GetFullPath(dir) : null;

    /// <summary>The CPU backend's options from GPUDIGITS_CPU_THREADS and GPUDIGITS_CPU_SPLIT.</summary>
    public static CpuAcceleratorOptions CpuOptions()
    {
        int threads = 0;
        if (Value(CpuThreadsVariable) is { } text && (!int.TryParse(text, out threads) || threads < 1))
            throw new UsageException($"{CpuThreadsVariable}='{text}' is not a positive number of threads.");
        bool always = Value(CpuSplitVariable) switch
        {
            null or "adaptive" => false,
            "always" => true,
            var other => throw new UsageException($"{CpuSplitVariable}='{other}' is neither 'always' nor 'adaptive'."),
        };
        return new CpuAcceleratorOptions { Threads = threads, AlwaysSplit = always };
    }

    /// <summary>Parses a GPUDIGITS_CUDA_GRAPHS value: null/empty = on; 1/on/true/yes, 0/off/false/no.</summary>
    public static bool ParseCudaGraphs(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "1" or "on" or "true" or "yes" => true,
        "0" or "off" or "false" or "no" => false,
        _ => throw new UsageException($"{CudaGraphsVariable}='{text}' is not one of on, off, 1, 0."),
    };

    /// <summary>The catalog of every backend, configured from the environment.</summary>
    public static AcceleratorCatalog Catalog() =>
        AcceleratorCatalog.Default(CpuOptions(), ParseCudaGraphs(Environment.GetEnvironmentVariable(CudaGraphsVariable)));
}
