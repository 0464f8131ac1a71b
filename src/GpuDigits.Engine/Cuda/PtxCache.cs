using System.Security.Cryptography;
using System.Text;

namespace GpuDigits.Engine.Cuda;

/// <summary>
/// PTX compiled by NVRTC, kept on disk so later runs skip the compile: one file per (kernel source, options,
/// NVRTC version), named <c>&lt;kernel&gt;-compute_XY-nvrtcA.B-&lt;hash&gt;.ptx</c>, where the hash is the SHA-256 of
/// everything that decides the output (source text with the header, every option including the architecture and
/// -D tunables, NVRTC version). Files are written to a temporary name in the same folder and renamed into place, so
/// a reader never sees half a file and concurrent writers (two processes compiling the same kernel) are harmless.
/// A cache that cannot be read or written is skipped: compiling always works.
/// </summary>
public sealed class PtxCache
{
    public const string FolderVariable = "GPUDIGITS_PTX_CACHE";

    /// <summary>Format tag mixed into every key, bumped when the way PTX is produced changes.</summary>
    private const string KeyVersion = "gpudigits-ptx-1";

    /// <summary>A cache in <paramref name="folder"/>; null disables caching.</summary>
    public PtxCache(string? folder) => Folder = folder;

    /// <summary>The folder, or null when caching is off.</summary>
    public string? Folder { get; }

    /// <summary>Compiles served from disk.</summary>
    public int Hits { get; private set; }

    /// <summary>Compiles that ran NVRTC.</summary>
    public int Misses { get; private set; }

    /// <summary>
    /// The folder the CUDA backend uses: $GPUDIGITS_PTX_CACHE ("off" or "" disables it), else the user cache folder
    /// (<c>$XDG_CACHE_HOME</c> or <c>~/.cache</c>, <c>%LOCALAPPDATA%</c> on Windows) + <c>gpudigits/ptx</c>.
    /// </summary>
    public static PtxCache Default()
    {
        var configured = Environment.GetEnvironmentVariable(FolderVariable);
        if (configured is not null)
            return new PtxCache(configured.Trim().Length == 0 || configured.Trim().Equals("off", StringComparison.OrdinalIgnoreCase)
                ? null : Path.GetFullPath(configured));
        string root;
        if (OperatingSystem.IsWindows())
            root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        else if (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg))
            root = xdg;
        else
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            root = home.Length > 0 ? Path.Combine(home, ".cache") : "";
        }
        return new PtxCache(root.Length == 0 ? null : Path.Combine(root, "gpudigits", "ptx"));
    }

    /// <summary>The SHA-256 (hex) of everything that decides the PTX.</summary>
    public static string Key(string source, IReadOnlyList<string> options, string nvrtcVersion)
    {
        var text = new StringBuilder(KeyVersion).Append('\n').Append("nvrtc ").Append(nvrtcVersion).Append('\n');
        foreach (var option in options) text.Append(option.Length).Append(':').Append(option).Append('\n');
        text.Append(source);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The cache file name of a compile.</summary>
    public static string FileName(string kernelFile, IReadOnlyList<string> options, string nvrtcVersion, string key)
    {
        var arch = options.FirstOrDefault(o => o.StartsWith("--gpu-architecture=", StringComparison.Ordinal))?["--gpu-architecture=".Length..] ?? "default";
        return $"{Path.GetFileNameWithoutExtension(kernelFile)}-{arch}-nvrtc{nvrtcVersion}-{key[..16]}.ptx";
    }

    /// <summary>
    /// The PTX of a compile: from the cache when a valid file is there, else from <paramref name="compile"/>, which is
    /// then stored. A compile error propagates and stores nothing.
    /// </summary>
    public byte[] GetOrCompile(string kernelFile, string source, IReadOnlyList<string> options, string nvrtcVersion,
        Func<byte[]> compile)
    {
        string? path = Folder is null ? null
            : Path.Combine(Folder, FileName(kernelFile, options, nvrtcVersion, Key(source, options, nvrtcVersion)));
        if (path is not null && TryRead(path) is { } cached)
        {
            Hits++;
            return cached;
        }
        var ptx = compile();
        Misses++;
        if (path is not null) TryWrite(path, ptx);
        return ptx;
    }

    /// <summary>True for text that looks like a whole PTX module (a torn or foreign file is not used).</summary>
    public static bool LooksLikePtx(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 16 || bytes.IndexOf((byte)0) >= 0) return false;
        var text = Encoding.UTF8.GetString(bytes);
        return text.Contains(".version ", StringComparison.Ordinal) && text.Contains(".target ", StringComparison.Ordinal)
               && text.Contains(".entry ", StringComparison.Ordinal);
    }

    private static byte[]? TryRead(string path)
    {
        try
        {
            if (!File.Exists(path)) return null;
            var bytes = File.ReadAllBytes(path);
            return LooksLikePtx(bytes) ? bytes : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void TryWrite(string path, byte[] ptx)
    {
        try
        {
            WriteAtomically(path, ptx);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only or full cache folder only costs the next run a compile.
        }
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> to a unique temporary file beside <paramref name="path"/>, flushes it to disk and
    /// renames it over <paramref name="path"/> (atomic on one file system); the temporary file never outlives a failure.
    /// </summary>
    internal static void WriteAtomically(string path, byte[] bytes)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
