using System.Runtime.InteropServices;
using GpuDigits.Engine.Interop;

namespace GpuDigits.Engine.OpenCL.Native;

/// <summary>
/// Typed bindings to the OpenCL ICD loader: only the calls the engine uses. Every signature is blittable
/// (handles as <see cref="nint"/>, sizes as <see cref="nuint"/>, out-values through pointers), so the generated
/// stubs need no marshalling and survive trimming. Status codes come back as <see cref="int"/>; callers pass them
/// through <see cref="ClStatus.Check"/>. The loader is <c>libOpenCL.so.1</c> on Linux and <c>OpenCL.dll</c> on
/// Windows (or the file named by the GPUDIGITS_OPENCL_LIBRARY environment variable).
/// </summary>
internal static unsafe partial class Cl
{
    private const string Lib = "OpenCL";

    public const int CL_SUCCESS = 0;
    public const uint CL_TRUE = 1;
    public const uint CL_FALSE = 0;

    public const ulong CL_DEVICE_TYPE_CPU = 1 << 1;
    public const ulong CL_DEVICE_TYPE_GPU = 1 << 2;
    public const ulong CL_DEVICE_TYPE_ACCELERATOR = 1 << 3;
    public const ulong CL_DEVICE_TYPE_ALL = 0xFFFFFFFF;

    public const uint CL_PLATFORM_VERSION = 0x0901;
    public const uint CL_PLATFORM_NAME = 0x0902;
    public const uint CL_PLATFORM_VENDOR = 0x0903;

    public const uint CL_DEVICE_TYPE = 0x1000;
    public const uint CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002;
    public const uint CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS = 0x1003;
    public const uint CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
    public const uint CL_DEVICE_MAX_WORK_ITEM_SIZES = 0x1005;
    public const uint CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
    public const uint CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    public const uint CL_DEVICE_LOCAL_MEM_SIZE = 0x1023;
    public const uint CL_DEVICE_AVAILABLE = 0x1027;
    public const uint CL_DEVICE_COMPILER_AVAILABLE = 0x1028;
    public const uint CL_DEVICE_NAME = 0x102B;
    public const uint CL_DEVICE_VENDOR = 0x102C;
    public const uint CL_DRIVER_VERSION = 0x102D;
    public const uint CL_DEVICE_VERSION = 0x102F;
    public const uint CL_DEVICE_OPENCL_C_VERSION = 0x103D;

    public const ulong CL_MEM_READ_WRITE = 1 << 0;

    public const uint CL_PROGRAM_BUILD_LOG = 0x1183;
    public const uint CL_KERNEL_WORK_GROUP_SIZE = 0x11B0;

    static Cl() => NativeLibraries.Register(Lib, LibraryCandidates());

    /// <summary>File names probed for the ICD loader on this OS, in order.</summary>
    public static string[] LibraryCandidates()
    {
        var overridePath = Environment.GetEnvironmentVariable("GPUDIGITS_OPENCL_LIBRARY");
        if (!string.IsNullOrWhiteSpace(overridePath)) return [overridePath];
        if (OperatingSystem.IsWindows()) return ["OpenCL.dll"];
        if (OperatingSystem.IsMacOS()) return ["/System/Library/Frameworks/OpenCL.framework/OpenCL"];
        return ["libOpenCL.so.1", "libOpenCL.so"];
    }

    /// <summary>Loads the ICD loader (and installs the import resolver) without throwing.</summary>
    public static bool TryLoad(out string reason)
    {
        NativeLibraries.Register(Lib, LibraryCandidates());
        return NativeLibraries.TryLoad(LibraryCandidates(), out _, out reason);
    }

    [LibraryImport(Lib)]
    public static partial int clGetPlatformIDs(uint numEntries, nint* platforms, uint* numPlatforms);

    [LibraryImport(Lib)]
    public static partial int clGetPlatformInfo(nint platform, uint paramName, nuint valueSize, void* value, nuint* valueSizeRet);

    [LibraryImport(Lib)]
    public static partial int clGetDeviceIDs(nint platform, ulong deviceType, uint numEntries, nint* devices, uint* numDevices);

    [LibraryImport(Lib)]
    public static partial int clGetDeviceInfo(nint device, uint paramName, nuint valueSize, void* value, nuint* valueSizeRet);

    [LibraryImport(Lib)]
    public static partial nint clCreateContext(nint* properties, uint numDevices, nint* devices, nint notify, nint userData, int* errcode);

    [LibraryImport(Lib)]
    public static partial int clReleaseContext(nint context);

    /// <summary>The OpenCL 1.2 entry point (deprecated in 2.0, still exported by every loader); properties 0 = in-order.</summary>
    [LibraryImport(Lib)]
    public static partial nint clCreateCommandQueue(nint context, nint device, ulong properties, int* errcode);

    [LibraryImport(Lib)]
    public static partial int clReleaseCommandQueue(nint queue);

    [LibraryImport(Lib)]
    public static partial nint clCreateProgramWithSource(nint context, uint count, byte** strings, nuint* lengths, int* errcode);

    [LibraryImport(Lib)]
    public static partial int clBuildProgram(nint program, uint numDevices, nint* devices, byte* options, nint notify, nint userData);

    [LibraryImport(Lib)]
    public static partial int clGetProgramBuildInfo(nint program, nint device, uint paramName, nuint valueSize, void* value, nuint* valueSizeRet);

    [LibraryImport(Lib)]
    public static partial int clReleaseProgram(nint program);

    [LibraryImport(Lib)]
    public static partial nint clCreateKernel(nint program, byte* kernelName, int* errcode);

    [LibraryImport(Lib)]
    public static partial int clGetKernelWorkGroupInfo(nint kernel, nint device, uint paramName, nuint valueSize, void* value, nuint* valueSizeRet);

    [LibraryImport(Lib)]
    public static partial int clSetKernelArg(nint kernel, uint index, nuint size, void* value);

    [LibraryImport(Lib)]
    public static partial int clReleaseKernel(nint kernel);

    [LibraryImport(Lib)]
    public static partial nint clCreateBuffer(nint context, ulong flags, nuint size, void* hostPtr, int* errcode);

    [LibraryImport(Lib)]
    public static partial int clReleaseMemObject(nint memory);

    [LibraryImport(Lib)]
    public static partial int clEnqueueWriteBuffer(nint queue, nint buffer, uint blocking, nuint offset, nuint size, void* ptr,
        uint numEvents, nint* waitList, nint* evt);

    [LibraryImport(Lib)]
    public static partial int clEnqueueReadBuffer(nint queue, nint buffer, uint blocking, nuint offset, nuint size, void* ptr,
        uint numEvents, nint* waitList, nint* evt);

    /// <summary>OpenCL 1.2: fills a range with a repeated pattern, copied at enqueue time (so it never blocks the host).</summary>
    [LibraryImport(Lib)]
    public static partial int clEnqueueFillBuffer(nint queue, nint buffer, void* pattern, nuint patternSize, nuint offset,
        nuint size, uint numEvents, nint* waitList, nint* evt);

    [LibraryImport(Lib)]
    public static partial int clEnqueueNDRangeKernel(nint queue, nint kernel, uint workDim, nuint* globalOffset,
        nuint* globalSize, nuint* localSize, uint numEvents, nint* waitList, nint* evt);

    [LibraryImport(Lib)]
    public static partial int clFinish(nint queue);
}
