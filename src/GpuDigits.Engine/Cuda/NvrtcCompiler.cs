using System.Text;
using GpuDigits.Engine.Cuda.Native;

namespace GpuDigits.Engine.Cuda;

/// <summary>
/// Compiles kernel sources (already composed with the portability header, so its CUDA branch applies) to PTX with
/// NVRTC, for one virtual architecture <c>compute_XY</c>; the driver JIT-compiles the PTX for the actual GPU when the
/// module loads. Results go through a <see cref="PtxCache"/>.
/// </summary>
public sealed unsafe class NvrtcCompiler
{
    private readonly object _gate = new();

    private NvrtcCompiler(string libraryPath, int major, int minor, IReadOnlyList<int>? supported)
    {
        LibraryPath = libraryPath;
        Major = major;
        Minor = minor;
        SupportedArchitectures = supported;
    }

    /// <summary>The NVRTC file in use.</summary>
    public string LibraryPath { get; }

    public int Major { get; }
    public int Minor { get; }

    /// <summary>"major.minor".</summary>
    public string Version => $"{Major}.{Minor}";

    /// <summary>The compute architectures NVRTC can target (52 = compute_52, ...), or null where it cannot say (before 11.2).</summary>
    public IReadOnlyList<int>? SupportedArchitectures { get; }

    /// <summary>
    /// Loads NVRTC (see <see cref="NvrtcLibrary"/>) for a driver of <paramref name="driverVersion"/> (cuDriverGetVersion,
    /// 0 when unknown); null with the reason when it cannot be loaded. Never throws.
    /// </summary>
    public static NvrtcCompiler? TryOpen(int driverVersion, out string reason)
    {
        var library = NvrtcLibrary.Select(driverVersion, out reason);
        if (library is null) return null;
        try
        {
            return new NvrtcCompiler(library.Path, library.Major, library.Minor, QuerySupportedArchitectures());
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            reason = $"NVRTC at {library.Path} is unusable: {e.Message}";
            return null;
        }
    }

    private static int[]? QuerySupportedArchitectures()
    {
        try
        {
            int count;
            if (Nvrtc.nvrtcGetNumSupportedArchs(&count) != Nvrtc.NVRTC_SUCCESS || count <= 0) return null;
            var archs = new int[count];
            fixed (int* p = archs)
                if (Nvrtc.nvrtcGetSupportedArchs(p) != Nvrtc.NVRTC_SUCCESS) return null;
            Array.Sort(archs);
            return archs;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// The virtual architecture to compile for on a device of compute capability <paramref name="deviceArchitecture"/>
    /// (major * 10 + minor): the newest one NVRTC supports that is not newer than the device (PTX for an older
    /// architecture runs on newer GPUs; the driver JIT-compiles it). Null when NVRTC supports none that old (newer
    /// NVRTC releases drop old GPUs). Without a list (old NVRTC), the device's own architecture.
    /// </summary>
    public static int? ChooseArchitecture(int deviceArchitecture, IReadOnlyList<int>? supported)
    {
        if (supported is null || supported.Count == 0) return deviceArchitecture;
        int? best = null;
        foreach (var arch in supported)
            if (arch <= deviceArchitecture && (best is null || arch > best)) best = arch;
        return best;
    }

    /// <summary>The NVRTC options for one compile: the target architecture, then the -D definitions, in order.</summary>
    public static IReadOnlyList<string> Options(int architecture, IEnumerable<string> defines) =>
        [$"--gpu-architecture=compute_{architecture}", .. defines];

    /// <summary>
    /// Compiles <paramref name="source"/> to PTX (UTF-8 text, no terminating NUL). A compile error raises
    /// <see cref="CudaCompileException"/> naming <paramref name="fileName"/> with NVRTC's log.
    /// </summary>
    public byte[] CompileToPtx(string fileName, string source, IReadOnlyList<string> options)
    {
        lock (_gate)
        {
            byte[] src = NulTerminated(source);
            byte[] name = NulTerminated(fileName);
            var opts = options.Select(NulTerminated).ToArray();
            var handles = new System.Runtime.InteropServices.GCHandle[opts.Length];
            nint program = 0;
            try
            {
                var pointers = stackalloc byte*[Math.Max(1, opts.Length)];
                for (int i = 0; i < opts.Length; i++)
                {
                    handles[i] = System.Runtime.InteropServices.GCHandle.Alloc(opts[i], System.Runtime.InteropServices.GCHandleType.Pinned);
                    pointers[i] = (byte*)handles[i].AddrOfPinnedObject();
                }
                fixed (byte* s = src, n = name)
                    Check(Nvrtc.nvrtcCreateProgram(&program, s, n, 0, null, null), "nvrtcCreateProgram", fileName);

                int result = Nvrtc.nvrtcCompileProgram(program, opts.Length, pointers);
                if (result != Nvrtc.NVRTC_SUCCESS)
                {
                    string target = options.FirstOrDefault(o => o.StartsWith("--gpu-architecture=", StringComparison.Ordinal))?["--gpu-architecture=".Length..] ?? "the default architecture";
                    throw new CudaCompileException(fileName, target, Version, Nvrtc.ErrorString(result), ReadLog(program));
                }

                nuint size;
                Check(Nvrtc.nvrtcGetPTXSize(program, &size), "nvrtcGetPTXSize", fileName);
                var ptx = new byte[(int)size];
                fixed (byte* p = ptx) Check(Nvrtc.nvrtcGetPTX(program, p), "nvrtcGetPTX", fileName);
                int end = Array.IndexOf(ptx, (byte)0);
                return end < 0 ? ptx : ptx[..end];
            }
            finally
            {
                foreach (var h in handles)
                    if (h.IsAllocated) h.Free();
                if (program != 0) Nvrtc.nvrtcDestroyProgram(&program);
            }
        }
    }

    private static string ReadLog(nint program)
    {
        nuint size;
        if (Nvrtc.nvrtcGetProgramLogSize(program, &size) != Nvrtc.NVRTC_SUCCESS || size <= 1) return "";
        var log = new byte[(int)size];
        fixed (byte* p = log)
            if (Nvrtc.nvrtcGetProgramLog(program, p) != Nvrtc.NVRTC_SUCCESS) return "";
        int end = Array.IndexOf(log, (byte)0);
        return Encoding.UTF8.GetString(log, 0, end < 0 ? log.Length : end);
    }

    private static void Check(int result, string call, string fileName)
    {
        if (result != Nvrtc.NVRTC_SUCCESS)
            throw new AcceleratorException($"NVRTC call {call} ({fileName}) failed with {Nvrtc.ErrorString(result)} ({result}).");
    }

    private static byte[] NulTerminated(string text) => Encoding.UTF8.GetBytes(text + "\0");

    public override string ToString() => $"NVRTC {Version} ({LibraryPath})";
}
