using System.Runtime.InteropServices;

namespace GpuDigits.Files;

/// <summary>What a path names, from the file system's own type bits (stat): .NET's file attributes cannot tell a
/// regular file from a device node or a FIFO, and writing over one or reading from one must be refused.</summary>
public enum FileKindValue
{
    Missing,
    Regular,
    Directory,
    /// <summary>A device node, FIFO, socket (or, for <see cref="FileKind.OfLink"/>, anything but a file or folder).</summary>
    Special,
    /// <summary>A symbolic link (only from <see cref="FileKind.OfLink"/>).</summary>
    Link,
}

/// <summary>
/// The type of a path via libc <c>stat</c>/<c>lstat</c> on Linux (where glibc 2.33+ exports them; the mode word sits
/// at a fixed offset per architecture). Elsewhere, or when the call is unavailable, regular files and folders are told
/// apart by .NET and everything else counts as regular: the check is a safety net on the platform we ship for.
/// </summary>
public static class FileKind
{
    /// <summary>What <paramref name="path"/> names, following symbolic links.</summary>
    public static FileKindValue Of(string path) => Stat(path, follow: true);

    /// <summary>What <paramref name="path"/> itself is (a symbolic link is <see cref="FileKindValue.Link"/>).</summary>
    public static FileKindValue OfLink(string path) => Stat(path, follow: false);

    /// <summary>Throws an <see cref="IOException"/> unless <paramref name="path"/> is absent or a regular file (or a link).</summary>
    public static void RequireReplaceable(string path)
    {
        var kind = OfLink(path);
        if (kind is FileKindValue.Directory or FileKindValue.Special)
            throw new IOException($"'{path}' is {Describe(kind)}, not a regular file; refusing to replace it");
    }

    /// <summary>Throws an <see cref="IOException"/> unless <paramref name="path"/> is a regular file (links followed).</summary>
    public static void RequireRegular(string path, string what)
    {
        var kind = Of(path);
        if (kind == FileKindValue.Missing) throw new FileNotFoundException($"{what} '{path}' does not exist.", path);
        if (kind != FileKindValue.Regular)
            throw new IOException($"{what} '{path}' is {Describe(kind)}, not a regular file.");
    }

    private static string Describe(FileKindValue kind) => kind switch
    {
        FileKindValue.Directory => "a folder",
        FileKindValue.Special => "a device, FIFO or socket",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static FileKindValue Stat(string path, bool follow)
    {
        if (OperatingSystem.IsLinux() && ModeOffset() is { } offset)
        {
            try
            {
                Span<byte> buffer = stackalloc byte[256];
                int rc = follow ? Native.stat(path, ref MemoryMarshal.GetReference(buffer))
                                : Native.lstat(path, ref MemoryMarshal.GetReference(buffer));
                if (rc != 0) return FileKindValue.Missing;
                uint mode = BitConverter.ToUInt32(buffer.Slice(offset, 4));
                return (mode & 0xF000) switch
                {
                    0x8000 => FileKindValue.Regular,
                    0x4000 => FileKindValue.Directory,
                    0xA000 => FileKindValue.Link,
                    _ => FileKindValue.Special,
                };
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { }
        }
        if (Directory.Exists(path)) return FileKindValue.Directory;
        return File.Exists(path) ? FileKindValue.Regular : FileKindValue.Missing;
    }

    /// <summary>
    /// What identifies one version of a regular file without reading it (see <see cref="FileIdentity"/>); null where
    /// stat is unavailable (not Linux x86-64 or AArch64, or no such file).
    /// </summary>
    public static FileIdentity? Identity(string path)
    {
        if (!OperatingSystem.IsLinux() || ModeOffset() is null) return null;
        try
        {
            var b = new byte[256];
            if (Native.stat(path, ref b[0]) != 0) return null;
            // Both layouts: st_dev at 0, st_ino at 8, st_size at 48, st_mtim at 88 and st_ctim at 104 (16 bytes each).
            long L(int at) => BitConverter.ToInt64(b, at);
            return new FileIdentity(L(0), L(8), L(48), L(88) * 1_000_000_000 + L(96), L(104) * 1_000_000_000 + L(112));
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether <paramref name="a"/> and <paramref name="b"/> name one existing file (same device and inode, links
    /// followed): the same path, a hard link, a symbolic link or another spelling of it. Where stat is unavailable,
    /// equal full paths of an existing file.
    /// </summary>
    public static bool SameFile(string a, string b)
    {
        if (Identity(a) is { } x && Identity(b) is { } y) return x.Device == y.Device && x.Inode == y.Inode;
        return File.Exists(a) && string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);
    }

    /// <summary>Offset of st_mode in glibc's struct stat: 24 on x86-64, 16 on AArch64.</summary>
    private static int? ModeOffset() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 24,
        Architecture.Arm64 => 16,
        _ => null,
    };

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, ref byte buffer);

        [DllImport("libc", SetLastError = true)]
        public static extern int lstat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, ref byte buffer);
    }
}

/// <summary>
/// One version of a regular file: device, inode, size, and the modification and status-change times in nanoseconds
/// since the epoch. The change time cannot be set back by a program, so a rewritten file never matches an old identity.
/// </summary>
public readonly record struct FileIdentity(long Device, long Inode, long Size, long ModifiedNs, long ChangedNs)
{
    /// <summary>When the file (its content or its metadata) last changed.</summary>
    public DateTimeOffset Changed => DateTimeOffset.FromUnixTimeMilliseconds(ChangedNs / 1_000_000);

    public override string ToString() => $"{Device}:{Inode}:{Size}:{ModifiedNs}:{ChangedNs}";
}
