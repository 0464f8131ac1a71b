using System.IO.Compression;

namespace GpuDigits.Data;

/// <summary>Recognizes gzip data by its magic bytes (0x1f 0x8b), never by a file name.</summary>
internal static class GzipSniffer
{
    /// <summary>
    /// Deflate cannot expand data by more than about 1032:1, so n compressed bytes never decompress to more
    /// than n * this many bytes. A header that declares more is lying.
    /// </summary>
    public const long MaxExpansionRatio = 1032;

    public static bool IsGzip(ReadOnlySpan<byte> start) => start.Length >= 2 && start[0] == 0x1f && start[1] == 0x8b;

    /// <summary>
    /// Reads the first two bytes of <paramref name="stream"/> and returns a stream of its whole content:
    /// decompressed when it is gzip, as is otherwise. Neither returned stream owns <paramref name="stream"/>.
    /// </summary>
    public static Stream Open(Stream stream, out bool isGzip)
    {
        var start = new byte[2];
        int got = stream.ReadAtLeast(start, 2, throwOnEndOfStream: false);
        return Wrap(stream, start, got, out isGzip);
    }

    /// <inheritdoc cref="Open"/>
    public static async Task<(Stream Content, bool IsGzip)> OpenAsync(Stream stream, CancellationToken cancellation)
    {
        var start = new byte[2];
        int got = await stream.ReadAtLeastAsync(start, 2, throwOnEndOfStream: false, cancellation).ConfigureAwait(false);
        var content = Wrap(stream, start, got, out bool isGzip);
        return (content, isGzip);
    }

    private static Stream Wrap(Stream stream, byte[] start, int got, out bool isGzip)
    {
        isGzip = IsGzip(start.AsSpan(0, got));
        Stream whole = new PrefixedStream(start[..got], stream);
        return isGzip ? new GZipStream(whole, CompressionMode.Decompress, leaveOpen: false) : whole;
    }
}
