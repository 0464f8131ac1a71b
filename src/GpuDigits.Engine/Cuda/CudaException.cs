using GpuDigits.Engine.Cuda.Native;

namespace GpuDigits.Engine.Cuda;

/// <summary>A CUDA driver call failed; the message names the call, the CUDA_ERROR_* name and the driver's description.</summary>
public class CudaException : AcceleratorException
{
    public CudaException(string call, int result, string? subject = null)
        : this(call, result, subject,
            $"CUDA call {call}{(subject is null ? "" : $" ({subject})")} failed with {CuResult.Describe(result)} ({result}).")
    {
    }

    protected internal CudaException(string call, int result, string? subject, string message) : base(message)
    {
        Call = call;
        Result = result;
        Subject = subject;
    }

    /// <summary>The driver function that failed, for example <c>cuLaunchKernel</c>.</summary>
    public string Call { get; }

    /// <summary>The raw CUresult.</summary>
    public int Result { get; }

    /// <summary>The CUDA_ERROR_* name of <see cref="Result"/>.</summary>
    public string ResultName => CuResult.Name(Result);

    /// <summary>What the call was about (a kernel or file name), when known.</summary>
    public string? Subject { get; }
}

/// <summary>
/// A kernel source did not compile with NVRTC: the message names the kernel file and holds the compiler's log (whose
/// lines point into that file, thanks to the #line markers of <see cref="Kernels.KernelSources.Compose(string)"/>).
/// </summary>
public sealed class CudaCompileException : AcceleratorException
{
    public CudaCompileException(string fileName, string target, string nvrtcVersion, string result, string log)
        : base($"CUDA kernel source {fileName} failed to compile with NVRTC {nvrtcVersion} for {target} ({result}). Compiler log:" +
               Environment.NewLine + (string.IsNullOrWhiteSpace(log) ? "(NVRTC gave no log)" : log.TrimEnd()))
    {
        FileName = fileName;
        Log = log;
    }

    /// <summary>The kernel file that failed, for example <c>gemm.cl</c>.</summary>
    public string FileName { get; }

    /// <summary>NVRTC's program log.</summary>
    public string Log { get; }
}

/// <summary>
/// The driver cannot load the PTX that NVRTC produced because NVRTC is newer than the driver
/// (CUDA_ERROR_UNSUPPORTED_PTX_VERSION): the message says which versions met and what to do.
/// </summary>
public sealed class CudaPtxVersionException : CudaException
{
    public CudaPtxVersionException(string fileName, int driverVersion, string nvrtcVersion)
        : base("cuModuleLoadDataEx", CuResult.UnsupportedPtxVersion, fileName,
            $"The NVIDIA driver supports CUDA {CuResult.FormatVersion(driverVersion)}; NVRTC {nvrtcVersion} produced newer PTX " +
            $"for {fileName}, which the driver cannot load: update the driver or use an older NVRTC (one no newer than " +
            $"{CuResult.FormatVersion(driverVersion)}: set GPUDIGITS_NVRTC_LIBRARY to its libnvrtc file, or CUDA_PATH to its toolkit).")
    {
        DriverVersion = driverVersion;
        NvrtcVersion = nvrtcVersion;
    }

    /// <summary>cuDriverGetVersion's value, for example 12020.</summary>
    public int DriverVersion { get; }

    /// <summary>"major.minor" of the NVRTC that produced the PTX.</summary>
    public string NvrtcVersion { get; }
}
