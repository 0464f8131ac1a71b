using System.Runtime.InteropServices;

namespace GpuDigits.Engine.Cuda.Native;

/// <summary>
/// Typed bindings to NVRTC, the CUDA runtime compiler (<c>libnvrtc.so.*</c>, <c>nvrtc64_*.dll</c>). Which file backs
/// them is decided by <see cref="NvrtcLibrary"/> before the first call. Blittable signatures only (strings as
/// NUL-terminated UTF-8 byte pointers); results are <c>nvrtcResult</c> values as <see cref="int"/>.
/// </summary>
internal static unsafe partial class Nvrtc
{
    public const string Lib = "nvrtc";

    public const int NVRTC_SUCCESS = 0;
    public const int NVRTC_ERROR_COMPILATION = 6;

    [LibraryImport(Lib)]
    public static partial int nvrtcVersion(int* major, int* minor);

    /// <summary>NVRTC 11.2+.</summary>
    [LibraryImport(Lib)]
    public static partial int nvrtcGetNumSupportedArchs(int* count);

    /// <summary>NVRTC 11.2+: the compute architectures (52, 60, ... 90) it can target, ascending.</summary>
    [LibraryImport(Lib)]
    public static partial int nvrtcGetSupportedArchs(int* archs);

    [LibraryImport(Lib)]
    public static partial byte* nvrtcGetErrorString(int result);

    [LibraryImport(Lib)]
    public static partial int nvrtcCreateProgram(nint* program, byte* source, byte* name, int numHeaders,
        byte** headers, byte** includeNames);

    [LibraryImport(Lib)]
    public static partial int nvrtcDestroyProgram(nint* program);

    [LibraryImport(Lib)]
    public static partial int nvrtcCompileProgram(nint program, int numOptions, byte** options);

    [LibraryImport(Lib)]
    public static partial int nvrtcGetPTXSize(nint program, nuint* size);

    [LibraryImport(Lib)]
    public static partial int nvrtcGetPTX(nint program, byte* ptx);

    [LibraryImport(Lib)]
    public static partial int nvrtcGetProgramLogSize(nint program, nuint* size);

    [LibraryImport(Lib)]
    public static partial int nvrtcGetProgramLog(nint program, byte* log);

    /// <summary>NVRTC_ERROR_* text of a result (from the library once loaded).</summary>
    public static string ErrorString(int result)
    {
        try
        {
            var text = nvrtcGetErrorString(result);
            if (text != null) return Marshal.PtrToStringUTF8((nint)text) ?? $"nvrtcResult {result}";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        return $"nvrtcResult {result}";
    }
}
