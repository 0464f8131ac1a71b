using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;

namespace GpuDigits.Engine.Interop;

/// <summary>
/// The one <see cref="NativeLibrary.SetDllImportResolver"/> hook of the engine assembly (.NET allows a single resolver
/// per assembly, so every driver binding registers here instead of installing its own). A binding declares its
/// <c>[LibraryImport]</c> methods against a short logical name ("OpenCL") and registers the file names to probe for
/// that name on this OS; the first that loads wins and is kept for the life of the process.
/// </summary>
internal static class NativeLibraries
{
    private static readonly ConcurrentDictionary<string, string[]> Candidates = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, nint> Loaded = new(StringComparer.Ordinal);
    private static readonly object Gate = new();
    private static bool _installed;

    /// <summary>Declares the files to probe for <paramref name="logicalName"/>, in order.</summary>
    public static void Register(string logicalName, IReadOnlyList<string> fileNames)
    {
        Candidates[logicalName] = fileNames.ToArray();
        lock (Gate)
        {
            if (_installed) return;
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
            _installed = true;
        }
    }

    /// <summary>
    /// Loads the first of <paramref name="fileNames"/> that exists; on failure <paramref name="reason"/> says which
    /// names were tried. Does not throw.
    /// </summary>
    public static bool TryLoad(IReadOnlyList<string> fileNames, out nint handle, out string reason)
    {
        foreach (var name in fileNames)
        {
            if (Loaded.TryGetValue(name, out handle)) { reason = ""; return true; }
            if (NativeLibrary.TryLoad(name, typeof(NativeLibraries).Assembly, DllImportSearchPath.SafeDirectories, out handle)
                || NativeLibrary.TryLoad(name, out handle))
            {
                Loaded[name] = handle;
                reason = "";
                return true;
            }
        }
        handle = 0;
        reason = fileNames.Count == 1 ? $"{fileNames[0]} not found" : $"none of {string.Join(", ", fileNames)} could be loaded";
        return false;
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        Candidates.TryGetValue(libraryName, out var files) && TryLoad(files, out var handle, out _) ? handle : 0;
}
