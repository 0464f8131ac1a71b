namespace GpuDigits.Files;

/// <summary>
/// Writes output files so that a reader sees either the old file or the complete new one, never a partial file:
/// the content goes to a uniquely named temporary file in the destination folder, is flushed to disk, and is then
/// renamed over the destination. On any failure the temporary file is deleted and the destination is untouched. A
/// destination that is a folder, device node, FIFO or socket is refused (an <see cref="IOException"/>), never replaced.
/// A failure to write is a <see cref="FileWriteException"/> that names the destination, never the temporary file.
/// </summary>
public static class AtomicFile
{
    /// <summary>The suffix of the temporary files (hidden: their names start with a dot).</summary>
    public const string TempSuffix = ".tmp";

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' names no file.", nameof(path));
        // A rename goes over whatever is there: a device node (/dev/null, /dev/full) or a FIFO would be replaced
        // by a regular file. Only an absent or regular target (or a link, which is replaced itself) is written.
        FileKind.RequireReplaceable(full);
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            using (var stream = new FileSizeGuard(file))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
            SyncDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw FileWriteException.From(full, e);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>
    /// Makes the rename itself durable (fsync of the folder), so a power cut right after a save cannot bring back the
    /// old file. Best effort: file systems that cannot sync a folder are left alone.
    /// </summary>
    private static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = Posix.open(directory, Posix.O_RDONLY | Posix.O_DIRECTORY);
        if (fd < 0) return;
        Posix.fsync(fd);
        Posix.close(fd);
    }

    private static class Posix
    {
        public const int O_RDONLY = 0;
        public const int O_DIRECTORY = 0x10000; // Linux; other systems ignore unknown bits or fail the open, which is skipped

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int open([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int flags);

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int fsync(int fd);

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
    }

    /// <summary>
    /// The temporary file's stream as the writer sees it. .NET reports a write refused with EFBIG (the file system's or
    /// the process's file size limit) as <see cref="ArgumentOutOfRangeException"/>; here it is the
    /// <see cref="IOException"/> it is, like a full disk (ENOSPC).
    /// </summary>
    private sealed class FileSizeGuard(FileStream file) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => file.CanSeek;
        public override bool CanWrite => true;
        public override long Length => file.Length;
        public override long Position { get => file.Position; set => file.Position = value; }

        public override void Write(byte[] buffer, int offset, int count) => Guard(() => file.Write(buffer, offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            try
            {
                file.Write(buffer);
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw TooLarge(e);
            }
        }

        public override void WriteByte(byte value) => Guard(() => file.WriteByte(value));
        public override void Flush() => Guard(file.Flush);
        public void Flush(bool flushToDisk) => Guard(() => file.Flush(flushToDisk));
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => file.Seek(offset, origin);
        public override void SetLength(long value) => Guard(() => file.SetLength(value));

        private void Guard(Action action)
        {
            try
            {
                action();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw TooLarge(e);
            }
        }

        private static IOException TooLarge(Exception e) =>
            new("File too large (the file system or a file size limit refused to let it grow)", e);

        protected override void Dispose(bool disposing)
        {
            // The FileStream is the caller's; a failed final flush on close is reported the same way.
            if (disposing) Guard(file.Flush);
            base.Dispose(disposing);
        }
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/>, atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content)
    {
        var copy = content.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>Writes UTF-8 text (no byte-order mark) through a <see cref="TextWriter"/>, atomically.</summary>
    public static void WriteText(string path, Action<TextWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), bufferSize: 64 * 1024, leaveOpen: true);
            write(writer);
        });
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
