using System.Text;
using GpuDigits.Engine.Cuda.Native;

namespace GpuDigits.Engine.Cuda;

/// <summary>A loaded PTX module (one kernel file plus the portability header) and the functions taken from it.</summary>
internal sealed unsafe class CudaModule : IDisposable
{
    private const int JitLogBytes = 16 * 1024;

    private CudaModule(nint handle, string fileName)
    {
        Handle = handle;
        FileName = fileName;
    }

    public nint Handle { get; private set; }

    public string FileName { get; }

    /// <summary>
    /// Loads <paramref name="ptx"/> into the current context (the driver JIT-compiles it for the GPU). PTX newer than
    /// the driver raises <see cref="CudaPtxVersionException"/>; other JIT failures carry the driver's error log.
    /// </summary>
    public static CudaModule Load(byte[] ptx, string fileName, string deviceId, int driverVersion, string nvrtcVersion)
    {
        var image = new byte[ptx.Length + 1]; // NUL-terminated text
        ptx.CopyTo(image, 0);
        var log = new byte[JitLogBytes];
        nint module = 0;
        int result;
        fixed (byte* i = image, l = log)
        {
            int* options = stackalloc int[2] { Cu.CU_JIT_ERROR_LOG_BUFFER, Cu.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES };
            void** values = stackalloc void*[2] { l, (void*)(nuint)JitLogBytes };
            result = Cu.cuModuleLoadDataEx(&module, i, 2, options, values);
        }
        if (result == Cu.CUDA_SUCCESS) return new CudaModule(module, fileName);

        int end = Array.IndexOf(log, (byte)0);
        string jitLog = Encoding.UTF8.GetString(log, 0, end < 0 ? log.Length : end).Trim();
        if (result == CuResult.UnsupportedPtxVersion)
            throw new CudaPtxVersionException(fileName, driverVersion, nvrtcVersion);
        if (result == CuResult.JitCompilerNotFound)
            throw new CudaException("cuModuleLoadDataEx", result, fileName,
                $"The NVIDIA driver's PTX JIT compiler (libnvidia-ptxjitcompiler) is missing, so {fileName} cannot be loaded " +
                $"({CuResult.Name(result)}). Reinstall the driver.");
        if (result == CuResult.OutOfMemory)
            throw new DeviceOutOfMemoryException(deviceId, ptx.Length, $"loading the module of {fileName}");
        throw new CudaException("cuModuleLoadDataEx", result, fileName,
            $"The CUDA driver could not load the PTX of {fileName} ({CuResult.Describe(result)})" +
            (jitLog.Length > 0 ? $". JIT log:{Environment.NewLine}{jitLog}" : "."));
    }

    /// <summary>Takes the kernel <paramref name="name"/> and its thread limit from the module.</summary>
    public CudaFunction GetFunction(string name)
    {
        ObjectDisposedException.ThrowIf(Handle == 0, this);
        var bytes = Encoding.ASCII.GetBytes(name + "\0");
        nint function;
        fixed (byte* n = bytes)
            CuResult.Check(Cu.cuModuleGetFunction(&function, Handle, n), "cuModuleGetFunction", $"{name} in {FileName}");
        int maxThreads;
        CuResult.Check(Cu.cuFuncGetAttribute(&maxThreads, Cu.CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, function),
            "cuFuncGetAttribute", name);
        return new CudaFunction(function, name, maxThreads);
    }

    public void Dispose()
    {
        if (Handle != 0) Cu.cuModuleUnload(Handle);
        Handle = 0;
    }
}

/// <summary>A kernel function and the largest block it can run (may be below the device limit when it needs many registers).</summary>
internal sealed record CudaFunction(nint Handle, string Name, int MaxThreadsPerBlock);
