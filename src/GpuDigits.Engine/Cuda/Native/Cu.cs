using System.Runtime.InteropServices;
using GpuDigits.Engine.Interop;

namespace GpuDigits.Engine.Cuda.Native;

/// <summary>
/// Typed bindings to the CUDA driver API (<c>libcuda.so.1</c> on Linux, <c>nvcuda.dll</c> on Windows, or the file
/// named by GPUDIGITS_CUDA_LIBRARY): only the calls the engine uses. Every signature is blittable (handles as
/// <see cref="nint"/>, device pointers as <see cref="ulong"/> CUdeviceptr, sizes as <see cref="nuint"/>, results
/// through pointers), so the generated stubs need no marshalling and survive trimming. Every call returns a CUresult
/// as <see cref="int"/>; callers pass it through <see cref="CuResult.Check"/>.
/// <para>
/// Versioned entry points are bound by their exported names (<c>cuMemAlloc_v2</c>, ...) as cuda.h maps them; every
/// one used here exists in drivers from CUDA 11.4 on, except that graphs need <c>cuGraphInstantiateWithFlags</c>
/// (11.4) and are switched off, not failed, where it is missing.
/// </para>
/// </summary>
internal static unsafe partial class Cu
{
    private const string Lib = "cuda";

    public const int CUDA_SUCCESS = 0;

    // CUdevice_attribute
    public const int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
    public const int CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X = 2;
    public const int CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y = 3;
    public const int CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X = 5;
    public const int CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y = 6;
    public const int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8;
    public const int CU_DEVICE_ATTRIBUTE_WARP_SIZE = 10;
    public const int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    public const int CU_DEVICE_ATTRIBUTE_INTEGRATED = 18;
    public const int CU_DEVICE_ATTRIBUTE_PCI_BUS_ID = 33;
    public const int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR = 39;
    public const int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    public const int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

    // CUfunction_attribute
    public const int CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0;
    public const int CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES = 1;
    public const int CU_FUNC_ATTRIBUTE_NUM_REGS = 4;

    // CUjit_option
    public const int CU_JIT_ERROR_LOG_BUFFER = 5;
    public const int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;

    /// <summary>CUstream_flags: the stream does not synchronize with the legacy default stream.</summary>
    public const uint CU_STREAM_NON_BLOCKING = 0x1;

    /// <summary>CUevent_flags.</summary>
    public const uint CU_EVENT_DEFAULT = 0x0;

    // CUstreamCaptureMode
    public const int CU_STREAM_CAPTURE_MODE_GLOBAL = 0;
    public const int CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1;
    public const int CU_STREAM_CAPTURE_MODE_RELAXED = 2;

    static Cu() => NativeLibraries.Register(Lib, LibraryCandidates());

    /// <summary>File names probed for the driver library on this OS, in order.</summary>
    public static string[] LibraryCandidates()
    {
        var overridePath = Environment.GetEnvironmentVariable("GPUDIGITS_CUDA_LIBRARY");
        if (!string.IsNullOrWhiteSpace(overridePath)) return [overridePath];
        if (OperatingSystem.IsWindows()) return ["nvcuda.dll"];
        return ["libcuda.so.1", "libcuda.so"];
    }

    /// <summary>
    /// Loads the driver library from <paramref name="candidates"/> (the platform's names when null) and installs the
    /// import resolver, without throwing; <paramref name="reason"/> says which names were tried when none loads.
    /// </summary>
    public static bool TryLoad(IReadOnlyList<string>? candidates, out string reason)
    {
        var names = candidates ?? LibraryCandidates();
        foreach (var name in names)
        {
            if (!NativeLibraries.TryLoad([name], out _, out _)) continue;
            // Bind the imports to the file that loaded (a failed probe never redirects them).
            NativeLibraries.Register(Lib, [name]);
            LoadedFrom = name;
            CuResult.DriverLoaded = true;
            reason = "";
            return true;
        }
        reason = names.Count == 1 ? $"{names[0]} not found" : $"none of {string.Join(", ", names)} could be loaded";
        return false;
    }

    /// <summary>The driver file the imports are bound to, once one has loaded.</summary>
    public static string? LoadedFrom { get; private set; }

    [LibraryImport(Lib)]
    public static partial int cuInit(uint flags);

    [LibraryImport(Lib)]
    public static partial int cuDriverGetVersion(int* version);

    [LibraryImport(Lib)]
    public static partial int cuGetErrorName(int error, byte** name);

    [LibraryImport(Lib)]
    public static partial int cuGetErrorString(int error, byte** text);

    // ---- devices

    [LibraryImport(Lib)]
    public static partial int cuDeviceGetCount(int* count);

    [LibraryImport(Lib)]
    public static partial int cuDeviceGet(int* device, int ordinal);

    [LibraryImport(Lib)]
    public static partial int cuDeviceGetName(byte* name, int length, int device);

    [LibraryImport(Lib)]
    public static partial int cuDeviceGetAttribute(int* value, int attribute, int device);

    [LibraryImport(Lib)]
    public static partial int cuDeviceTotalMem_v2(nuint* bytes, int device);

    // ---- contexts (the device's primary context, shared with any CUDA runtime code in the process)

    [LibraryImport(Lib)]
    public static partial int cuDevicePrimaryCtxRetain(nint* context, int device);

    [LibraryImport(Lib)]
    public static partial int cuDevicePrimaryCtxRelease_v2(int device);

    [LibraryImport(Lib)]
    public static partial int cuCtxSetCurrent(nint context);

    [LibraryImport(Lib)]
    public static partial int cuMemGetInfo_v2(nuint* free, nuint* total);

    // ---- modules

    [LibraryImport(Lib)]
    public static partial int cuModuleLoadDataEx(nint* module, void* image, uint numOptions, int* options, void** optionValues);

    [LibraryImport(Lib)]
    public static partial int cuModuleGetFunction(nint* function, nint module, byte* name);

    [LibraryImport(Lib)]
    public static partial int cuModuleUnload(nint module);

    [LibraryImport(Lib)]
    public static partial int cuFuncGetAttribute(int* value, int attribute, nint function);

    // ---- memory

    [LibraryImport(Lib)]
    public static partial int cuMemAlloc_v2(ulong* pointer, nuint bytes);

    [LibraryImport(Lib)]
    public static partial int cuMemFree_v2(ulong pointer);

    [LibraryImport(Lib)]
    public static partial int cuMemcpyHtoD_v2(ulong destination, void* source, nuint bytes);

    [LibraryImport(Lib)]
    public static partial int cuMemcpyDtoH_v2(void* destination, ulong source, nuint bytes);

    [LibraryImport(Lib)]
    public static partial int cuMemcpyHtoDAsync_v2(ulong destination, void* source, nuint bytes, nint stream);

    [LibraryImport(Lib)]
    public static partial int cuMemcpyDtoHAsync_v2(void* destination, ulong source, nuint bytes, nint stream);

    [LibraryImport(Lib)]
    public static partial int cuMemsetD8Async(ulong destination, byte value, nuint count, nint stream);

    [LibraryImport(Lib)]
    public static partial int cuMemsetD16Async(ulong destination, ushort value, nuint count, nint stream);

    [LibraryImport(Lib)]
    public static partial int cuMemsetD32Async(ulong destination, uint value, nuint count, nint stream);

    // ---- streams and events

    [LibraryImport(Lib)]
    public static partial int cuStreamCreate(nint* stream, uint flags);

    [LibraryImport(Lib)]
    public static partial int cuStreamSynchronize(nint stream);

    [LibraryImport(Lib)]
    public static partial int cuStreamDestroy_v2(nint stream);

    [LibraryImport(Lib)]
    public static partial int cuEventCreate(nint* evt, uint flags);

    [LibraryImport(Lib)]
    public static partial int cuEventRecord(nint evt, nint stream);

    [LibraryImport(Lib)]
    public static partial int cuEventSynchronize(nint evt);

    [LibraryImport(Lib)]
    public static partial int cuEventElapsedTime(float* milliseconds, nint start, nint end);

    [LibraryImport(Lib)]
    public static partial int cuEventDestroy_v2(nint evt);

    // ---- launches

    [LibraryImport(Lib)]
    public static partial int cuLaunchKernel(nint function, uint gridX, uint gridY, uint gridZ,
        uint blockX, uint blockY, uint blockZ, uint sharedMemoryBytes, nint stream, void** parameters, void** extra);

    // ---- stream capture and graphs

    [LibraryImport(Lib)]
    public static partial int cuStreamBeginCapture_v2(nint stream, int mode);

    [LibraryImport(Lib)]
    public static partial int cuStreamEndCapture(nint stream, nint* graph);

    [LibraryImport(Lib)]
    public static partial int cuGraphGetNodes(nint graph, nint* nodes, nuint* count);

    /// <summary>CUDA 11.4+; the unversioned cuGraphInstantiate of CUDA 12 headers maps to this entry point too.</summary>
    [LibraryImport(Lib)]
    public static partial int cuGraphInstantiateWithFlags(nint* graphExec, nint graph, ulong flags);

    [LibraryImport(Lib)]
    public static partial int cuGraphLaunch(nint graphExec, nint stream);

    [LibraryImport(Lib)]
    public static partial int cuGraphExecDestroy(nint graphExec);

    [LibraryImport(Lib)]
    public static partial int cuGraphDestroy(nint graph);
}
