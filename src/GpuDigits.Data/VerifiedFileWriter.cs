using System.Security.Cryptography;
using GpuDigits.Files;

namespace GpuDigits.Data;

/// <summary>
/// Writes a file's raw bytes (decompressing gzip content) into a folder so that a reader never sees a partial file:
/// the bytes go to a uniquely named temporary file in the same folder while being hashed, are flushed to disk, and
/// only a file whose length and SHA-256 match is renamed to its final name. The temporary file is deleted on any failure.
/// </summary>
internal static class VerifiedFileWriter
{
    private const int ChunkSize = 1 << 20;

    /// <summary>The suffix of temporary files; such a file never has a name the fetcher reads as data.</summary>
    public const string TempSuffix = ".partial";

    /// <summary>
    /// Writes <paramref name="content"/> as <paramref name="file"/> into <paramref name="directory"/> if it verifies;
    /// returns null on success, else why it failed (and then nothing was written).
    /// </summary>
    public static async Task<string?> TryWriteAsync(string directory, MnistFileSpec file, Stream content,
        CancellationToken cancellation)
    {
        string temp = Path.Combine(directory, $".{file.Name}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            string? problem;
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None,
                             bufferSize: 1, FileOptions.Asynchronous))
            {
                problem = await CopyAndVerifyAsync(content, output, file, cancellation).ConfigureAwait(false);
                if (problem is null) output.Flush(flushToDisk: true);
            }
            if (problem is null) File.Move(temp, Path.Combine(directory, file.Name), overwrite: true);
            return problem;
        }
        finally
        {
            TryDelete(temp);
        }
    }

    private static async Task<string?> CopyAndVerifyAsync(Stream source, Stream output, MnistFileSpec file,
        CancellationToken cancellation)
    {
        var (content, isGzip) = await GzipSniffer.OpenAsync(source, cancellation).ConfigureAwait(false);
        await using var _ = content.ConfigureAwait(false);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[(int)Math.Clamp(file.Length + 1, 1, ChunkSize)];
        long total = 0;
        try
        {
            int n;
            while ((n = await content.ReadAsync(buffer, cancellation).ConfigureAwait(false)) > 0)
            {
                total += n;
                if (total > file.Length)
                    return $"is longer than the expected {file.Length:N0} bytes";
                hash.AppendData(buffer, 0, n);
                await output.WriteAsync(buffer.AsMemory(0, n), cancellation).ConfigureAwait(false);
            }
        }
        catch (InvalidDataException e) when (isGzip)
        {
            return GzipErrors.Describe(e);
        }
        return Verdict(Convert.ToHexStringLower(hash.GetHashAndReset()), total, file);
    }

    /// <summary>Whether the file at <paramref name="path"/> has the expected length and SHA-256; else why not.</summary>
    public static string? Check(string path, MnistFileSpec file)
    {
        // Type and length before content: a FIFO or device would block or never end, and hashing a 20 GB file to
        // learn that it is the wrong length wastes minutes.
        var kind = FileKind.Of(path);
        if (kind != FileKindValue.Regular)
            return kind == FileKindValue.Directory ? "is a folder, not a file" : "is a device, FIFO or socket, not a regular file";
        long length = new FileInfo(path).Length;
        if (length != file.Length) return $"is {length:N0} bytes, expected {file.Length:N0}";
        using var stream = File.OpenRead(path);
        return Verdict(Convert.ToHexStringLower(SHA256.HashData(stream)), stream.Length, file);
    }

    private static string? Verdict(string actualHash, long actualLength, MnistFileSpec file)
    {
        if (actualLength == file.Length && string.Equals(actualHash, file.Sha256, StringComparison.OrdinalIgnoreCase))
            return null;
        string lengths = actualLength == file.Length ? "" : $" ({actualLength:N0} bytes, expected {file.Length:N0})";
        return $"has SHA-256 {actualHash}, expected {file.Sha256}{lengths}";
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
