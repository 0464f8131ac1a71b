using System.Runtime.InteropServices;
using GpuDigits.Engine.Interop;

namespace GpuDigits.Engine.Cuda.Native;

/// <summary>An NVRTC library file that loaded, and its version.</summary>
internal sealed record NvrtcLibraryInfo(string Path, int Major, int Minor)
{
    /// <summary>In the driver's encoding (12.4 = 12040), to compare with cuDriverGetVersion.</summary>
    public int CudaVersion => Major * 1000 + Minor * 10;

    public string Version => $"{Major}.{Minor}";
}

/// <summary>
/// Finds NVRTC. Candidates, in order: the file named by GPUDIGITS_NVRTC_LIBRARY (alone, when set); the versioned
/// names (newest first: <c>libnvrtc.so.13</c>, <c>.12</c>, <c>.11.2</c>, then <c>libnvrtc.so</c>; on Windows
/// <c>nvrtc64_130_0.dll</c>, <c>nvrtc64_120_0.dll</c>, <c>nvrtc64_112_0.dll</c>) in the lib64 (bin) folders of
/// CUDA_PATH and CUDA_HOME; the same names through the system search path; then in <c>/usr/local/cuda/lib64</c>.
/// PTX from an NVRTC newer than the driver does not load, so the first candidate no newer than the driver wins;
/// when every one is newer, the newest found is used (and loading its PTX reports the mismatch).
/// </summary>
internal static unsafe class NvrtcLibrary
{
    public const string OverrideVariable = "GPUDIGITS_NVRTC_LIBRARY";

    private static readonly object Gate = new();
    private static NvrtcLibraryInfo? _selected;

    /// <summary>The file names to probe, given an environment (a function from variable name to value) and the OS.</summary>
    public static IReadOnlyList<string> Candidates(Func<string, string?> environment, bool windows)
    {
        var overridePath = environment(OverrideVariable);
        if (!string.IsNullOrWhiteSpace(overridePath)) return [overridePath];

        string[] names = windows
            ? ["nvrtc64_130_0.dll", "nvrtc64_120_0.dll", "nvrtc64_112_0.dll"]
            : ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"];
        var result = new List<string>();
        foreach (var variable in new[] { "CUDA_PATH", "CUDA_HOME" })
        {
            var root = environment(variable);
            if (string.IsNullOrWhiteSpace(root)) continue;
            string[] folders = windows
                ? [System.IO.Path.Combine(root, "bin", "x64"), System.IO.Path.Combine(root, "bin")]
                : [System.IO.Path.Combine(root, "lib64"), System.IO.Path.Combine(root, "lib")];
            foreach (var folder in folders)
                result.AddRange(names.Select(n => System.IO.Path.Combine(folder, n)));
        }
        result.AddRange(names);
        if (!windows) result.AddRange(names.Select(n => System.IO.Path.Combine("/usr/local/cuda/lib64", n)));
        return result.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// Picks and loads NVRTC for a driver of <paramref name="driverVersion"/> (0 when unknown), once per process;
    /// null with a reason when no candidate loads. Never throws.
    /// </summary>
    public static NvrtcLibraryInfo? Select(int driverVersion, out string reason)
    {
        lock (Gate)
        {
            reason = "";
            if (_selected is not null) return _selected;
            var candidates = Candidates(Environment.GetEnvironmentVariable, OperatingSystem.IsWindows());
            var found = new List<NvrtcLibraryInfo>();
            var broken = new List<string>();
            foreach (var path in candidates)
            {
                if (!NativeLibraries.TryLoad([path], out var handle, out _)) continue;
                if (ReadVersion(handle) is not var (major, minor))
                {
                    broken.Add($"{path} has no usable nvrtcVersion");
                    continue;
                }
                var info = new NvrtcLibraryInfo(path, major, minor);
                if (found.Any(f => f.Version == info.Version)) continue;
                found.Add(info);
                if (driverVersion == 0 || info.CudaVersion <= driverVersion) break;
            }
            if (found.Count == 0)
            {
                reason = $"NVRTC (the CUDA runtime compiler) could not be loaded: tried {string.Join(", ", candidates)}" +
                         (broken.Count > 0 ? $" ({string.Join("; ", broken)})" : "") +
                         ". Install NVRTC (the CUDA toolkit's cuda-nvrtc package) or set CUDA_PATH or " + OverrideVariable;
                return null;
            }
            var pick = found.FirstOrDefault(f => driverVersion == 0 || f.CudaVersion <= driverVersion)
                       ?? found.MaxBy(f => f.CudaVersion)!;
            NativeLibraries.Register(Nvrtc.Lib, [pick.Path]);
            return _selected = pick;
        }
    }

    private static (int Major, int Minor)? ReadVersion(nint handle)
    {
        if (!NativeLibrary.TryGetExport(handle, "nvrtcVersion", out var export)) return null;
        int major = 0, minor = 0;
        int status = ((delegate* unmanaged<int*, int*, int>)export)(&major, &minor);
        return status == Nvrtc.NVRTC_SUCCESS && major > 0 ? (major, minor) : null;
    }
}
