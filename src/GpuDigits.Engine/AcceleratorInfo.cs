namespace GpuDigits.Engine;

public enum AcceleratorKind
{
    /// <summary>The managed SIMD CPU backend (<c>cpu</c>): the CPU trainer and the CPU twin of every kernel.</summary>
    Cpu,
    /// <summary>ILGPU's OpenCL accelerator (<c>opencl:N</c>).</summary>
    OpenCL,
    /// <summary>ILGPU's CUDA accelerator (<c>cuda:N</c>).</summary>
    Cuda,
    /// <summary>ILGPU's CPU accelerator (<c>ilgpu-cpu</c>): the GPU kernels, simulated with OS threads, for checking them.</summary>
    IlgpuCpu,
}

/// <summary>What a device is, as shown by <c>gpudigits devices</c> and written to the metrics CSV.</summary>
/// <param name="Kind">Backend family.</param>
/// <param name="Id">Selector a user types after <c>--device</c>, for example <c>cpu</c>, <c>ilgpu-cpu</c>, <c>opencl:1</c>, <c>cuda:0</c>.</param>
/// <param name="Name">Device name reported by the driver (or the CPU model).</param>
/// <param name="MemoryBytes">Global memory the device reports; for the CPU, the memory available to the process.</param>
/// <param name="ComputeUnits">Compute units / SMs / logical processors.</param>
/// <param name="Details">Free-form extra facts (platform, driver version, compute capability, SIMD width).</param>
/// <param name="IsGpu">True for a discrete or integrated GPU; <c>auto</c> selection only prefers GPUs.</param>
/// <param name="SharesHostMemory">True where the device's buffers are host memory (the managed CPU backend, ILGPU's CPU
/// accelerator, an OpenCL CPU device such as PoCL): what the device holds counts against the host's memory too, and
/// the device's reported memory is no limit of its own.</param>
public sealed record AcceleratorInfo(
    AcceleratorKind Kind,
    string Id,
    string Name,
    long MemoryBytes,
    int ComputeUnits,
    string Details,
    bool IsGpu,
    bool SharesHostMemory);

public static class AcceleratorKindNames
{
    /// <summary>The name users read: "cpu", "ilgpu-cpu", "OpenCL", "CUDA" (one spelling everywhere).</summary>
    public static string DisplayName(this AcceleratorKind kind) => kind switch
    {
        AcceleratorKind.Cpu => "cpu",
        AcceleratorKind.IlgpuCpu => "ilgpu-cpu",
        AcceleratorKind.OpenCL => "OpenCL",
        AcceleratorKind.Cuda => "CUDA",
        _ => kind.ToString(),
    };
}
