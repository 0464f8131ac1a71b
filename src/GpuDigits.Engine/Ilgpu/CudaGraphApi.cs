using System.Runtime.InteropServices;

namespace GpuDigits.Engine.Ilgpu;

/// <summary>
/// The slice of the CUDA driver API that ILGPU 1.5.3 lacks and the engine needs: stream capture into a graph and
/// graph launch, to record a training step once and replay it. Everything else (context, memory, modules, launches)
/// is ILGPU's. Bound as "cuda", which the runtime resolves to <c>libcuda.so.1</c> (see <see cref="IlgpuRuntime"/>) or
/// <c>nvcuda.dll</c>; signatures are blittable (handles as <see cref="nint"/>, results as the CUresult int).
/// </summary>
internal static unsafe partial class CudaGraphApi
{
    private const string Lib = "cuda";

    public const int Success = 0;

    /// <summary>CU_STREAM_CAPTURE_MODE_THREAD_LOCAL: only this thread's unsafe calls invalidate the capture.</summary>
    public const int CaptureThreadLocal = 1;

    [LibraryImport(Lib)]
    public static partial int cuStreamBeginCapture_v2(nint stream, int mode);

    [LibraryImport(Lib)]
    public static partial int cuStreamEndCapture(nint stream, nint* graph);

    [LibraryImport(Lib)]
    public static partial int cuGraphGetNodes(nint graph, nint* nodes, nuint* count);

    [LibraryImport(Lib)]
    public static partial int cuGraphInstantiateWithFlags(nint* graphExec, nint graph, ulong flags);

    [LibraryImport(Lib)]
    public static partial int cuGraphLaunch(nint graphExec, nint stream);

    [LibraryImport(Lib)]
    public static partial int cuGraphExecDestroy(nint graphExec);

    [LibraryImport(Lib)]
    public static partial int cuGraphDestroy(nint graph);

    [LibraryImport(Lib)]
    public static partial int cuGetErrorName(int error, byte** name);

    /// <summary>"CUDA_ERROR_... (code)", or the bare code when the driver cannot name it.</summary>
    public static string Describe(int result)
    {
        byte* name = null;
        try
        {
            if (cuGetErrorName(result, &name) == Success && name != null)
                return $"{Marshal.PtrToStringUTF8((nint)name)} ({result})";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        return $"CUresult {result}";
    }

    /// <summary>Throws an <see cref="AcceleratorException"/> naming the call unless it succeeded.</summary>
    public static void Check(int result, string call, string deviceId)
    {
        if (result != Success)
            throw new StepRecordingException($"{call} on {deviceId} failed with {Describe(result)}.");
    }
}
