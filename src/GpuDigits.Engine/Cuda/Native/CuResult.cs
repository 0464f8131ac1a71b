using System.Runtime.InteropServices;

namespace GpuDigits.Engine.Cuda.Native;

/// <summary>CUresult codes by name and description, and the check every driver call goes through.</summary>
internal static unsafe class CuResult
{
    public const int InvalidValue = 1;
    public const int OutOfMemory = 2;
    public const int NotInitialized = 3;
    public const int StubLibrary = 34;
    public const int NoDevice = 100;
    public const int InvalidImage = 200;
    public const int NoBinaryForGpu = 209;
    public const int InvalidPtx = 218;
    public const int JitCompilerNotFound = 221;
    public const int UnsupportedPtxVersion = 222;
    public const int NotSupported = 801;
    public const int StreamCaptureUnsupported = 900;
    public const int StreamCaptureInvalidated = 901;

    /// <summary>The CUDA_ERROR_* names of cuda.h, for the codes a user of this engine can meet (and when no driver is loaded).</summary>
    private static readonly Dictionary<int, string> Names = new()
    {
        [0] = "CUDA_SUCCESS",
        [1] = "CUDA_ERROR_INVALID_VALUE",
        [2] = "CUDA_ERROR_OUT_OF_MEMORY",
        [3] = "CUDA_ERROR_NOT_INITIALIZED",
        [4] = "CUDA_ERROR_DEINITIALIZED",
        [5] = "CUDA_ERROR_PROFILER_DISABLED",
        [34] = "CUDA_ERROR_STUB_LIBRARY",
        [36] = "CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER",
        [46] = "CUDA_ERROR_DEVICE_UNAVAILABLE",
        [100] = "CUDA_ERROR_NO_DEVICE",
        [101] = "CUDA_ERROR_INVALID_DEVICE",
        [102] = "CUDA_ERROR_DEVICE_NOT_LICENSED",
        [200] = "CUDA_ERROR_INVALID_IMAGE",
        [201] = "CUDA_ERROR_INVALID_CONTEXT",
        [202] = "CUDA_ERROR_CONTEXT_ALREADY_CURRENT",
        [205] = "CUDA_ERROR_MAP_FAILED",
        [206] = "CUDA_ERROR_UNMAP_FAILED",
        [209] = "CUDA_ERROR_NO_BINARY_FOR_GPU",
        [214] = "CUDA_ERROR_ECC_UNCORRECTABLE",
        [215] = "CUDA_ERROR_UNSUPPORTED_LIMIT",
        [216] = "CUDA_ERROR_CONTEXT_ALREADY_IN_USE",
        [218] = "CUDA_ERROR_INVALID_PTX",
        [219] = "CUDA_ERROR_INVALID_GRAPHICS_CONTEXT",
        [220] = "CUDA_ERROR_NVLINK_UNCORRECTABLE",
        [221] = "CUDA_ERROR_JIT_COMPILER_NOT_FOUND",
        [222] = "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
        [223] = "CUDA_ERROR_JIT_COMPILATION_DISABLED",
        [224] = "CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY",
        [225] = "CUDA_ERROR_UNSUPPORTED_DEVSIDE_SYNC",
        [300] = "CUDA_ERROR_INVALID_SOURCE",
        [301] = "CUDA_ERROR_FILE_NOT_FOUND",
        [302] = "CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND",
        [303] = "CUDA_ERROR_SHARED_OBJECT_INIT_FAILED",
        [304] = "CUDA_ERROR_OPERATING_SYSTEM",
        [400] = "CUDA_ERROR_INVALID_HANDLE",
        [401] = "CUDA_ERROR_ILLEGAL_STATE",
        [402] = "CUDA_ERROR_LOSSY_QUERY",
        [500] = "CUDA_ERROR_NOT_FOUND",
        [600] = "CUDA_ERROR_NOT_READY",
        [700] = "CUDA_ERROR_ILLEGAL_ADDRESS",
        [701] = "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
        [702] = "CUDA_ERROR_LAUNCH_TIMEOUT",
        [703] = "CUDA_ERROR_LAUNCH_INCOMPATIBLE_TEXTURING",
        [708] = "CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE",
        [709] = "CUDA_ERROR_CONTEXT_IS_DESTROYED",
        [710] = "CUDA_ERROR_ASSERT",
        [714] = "CUDA_ERROR_HARDWARE_STACK_ERROR",
        [715] = "CUDA_ERROR_ILLEGAL_INSTRUCTION",
        [716] = "CUDA_ERROR_MISALIGNED_ADDRESS",
        [717] = "CUDA_ERROR_INVALID_ADDRESS_SPACE",
        [718] = "CUDA_ERROR_INVALID_PC",
        [719] = "CUDA_ERROR_LAUNCH_FAILED",
        [720] = "CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE",
        [800] = "CUDA_ERROR_NOT_PERMITTED",
        [801] = "CUDA_ERROR_NOT_SUPPORTED",
        [802] = "CUDA_ERROR_SYSTEM_NOT_READY",
        [803] = "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
        [804] = "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
        [900] = "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED",
        [901] = "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED",
        [902] = "CUDA_ERROR_STREAM_CAPTURE_MERGE",
        [903] = "CUDA_ERROR_STREAM_CAPTURE_UNMATCHED",
        [904] = "CUDA_ERROR_STREAM_CAPTURE_UNJOINED",
        [905] = "CUDA_ERROR_STREAM_CAPTURE_ISOLATION",
        [906] = "CUDA_ERROR_STREAM_CAPTURE_IMPLICIT",
        [907] = "CUDA_ERROR_CAPTURED_EVENT",
        [908] = "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD",
        [909] = "CUDA_ERROR_TIMEOUT",
        [910] = "CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE",
        [999] = "CUDA_ERROR_UNKNOWN",
    };

    /// <summary>Set once the driver library has loaded: names and descriptions then come from the driver itself.</summary>
    internal static volatile bool DriverLoaded;

    /// <summary>The CUDA_ERROR_* name of a code: the driver's own when it is loaded, else this table's, else "CUresult N".</summary>
    public static string Name(int result)
    {
        if (DriverLoaded && TryDriverString(result, description: false) is { } name) return name;
        return TableName(result);
    }

    /// <summary>The name from the built-in table only (no driver needed).</summary>
    public static string TableName(int result) => Names.TryGetValue(result, out var name) ? name : $"CUresult {result}";

    /// <summary>The driver's one-line description of a code, or null without a driver.</summary>
    public static string? Description(int result) => DriverLoaded ? TryDriverString(result, description: true) : null;

    private static string? TryDriverString(int result, bool description)
    {
        try
        {
            byte* text = null;
            int status = description ? Cu.cuGetErrorString(result, &text) : Cu.cuGetErrorName(result, &text);
            return status == Cu.CUDA_SUCCESS && text != null ? Marshal.PtrToStringUTF8((nint)text) : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>"CUDA_ERROR_X (description)" as the messages show it.</summary>
    public static string Describe(int result)
    {
        var description = Description(result);
        return description is null ? Name(result) : $"{Name(result)}: {description}";
    }

    /// <summary>Throws <see cref="CudaException"/> naming <paramref name="call"/> unless the result is CUDA_SUCCESS.</summary>
    public static void Check(int result, string call, string? subject = null)
    {
        if (result != Cu.CUDA_SUCCESS) throw new CudaException(call, result, subject);
    }

    /// <summary>"12.4" for the driver's 12040.</summary>
    public static string FormatVersion(int version) => $"{version / 1000}.{version % 1000 / 10}";
}
