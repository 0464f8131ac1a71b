using System.Buffers.Binary;
using System.IO.Compression;

namespace GpuDigits.Data.Images;

/// <summary>
/// Encodes 8-bit grayscale PNG files (IHDR, one IDAT, IEND), small enough to embed in an SVG as a data URI. Each row
/// uses the Up filter except the first (None), which suits digit images whose rows resemble the ones above.
/// </summary>
public static class PngWriter
{
    public static byte[] EncodeGray(int width, int height, ReadOnlySpan<byte> pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if ((long)width * height != pixels.Length)
            throw new ArgumentException($"A {width} x {height} image has {(long)width * height} pixels, got {pixels.Length}.", nameof(pixels));

        var scanlines = new byte[(long)height * (width + 1)];
        for (int y = 0; y < height; y++)
        {
            var row = pixels.Slice(y * width, width);
            var target = scanlines.AsSpan(y * (width + 1), width + 1);
            if (y == 0)
            {
                target[0] = 0;
                row.CopyTo(target[1..]);
                continue;
            }
            var above = pixels.Slice((y - 1) * width, width);
            target[0] = 2;
            for (int x = 0; x < width; x++) target[1 + x] = (byte)(row[x] - above[x]);
        }

        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            zlib.Write(scanlines);

        var png = new MemoryStream();
        png.Write(PngReader.Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)height);
        header[8] = 8;  // bit depth
        header[9] = 0;  // grayscale
        header[10] = 0; // deflate
        header[11] = 0; // adaptive filtering
        header[12] = 0; // not interlaced
        WriteChunk(png, "IHDR"u8, header);
        WriteChunk(png, "IDAT"u8, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Append(Crc32.Compute(type), data));
        output.Write(word);
    }
}
