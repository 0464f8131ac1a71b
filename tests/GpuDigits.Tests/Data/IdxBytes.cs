using System.Buffers.Binary;
using System.IO.Compression;

namespace GpuDigits.Tests.Data;

/// <summary>Builds IDX files (and gzip copies) byte by byte, so tests can make good and broken ones.</summary>
internal static class IdxBytes
{
    public const uint ImagesMagic = 0x00000803;
    public const uint LabelsMagic = 0x00000801;

    /// <summary>A header: the magic, then each dimension, all big-endian.</summary>
    public static byte[] Header(uint magic, params uint[] dims)
    {
        var header = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteUInt32BigEndian(header, magic);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        return header;
    }

    public static byte[] Images(int count, int rows, int cols, byte[] pixels) =>
        [.. Header(ImagesMagic, (uint)count, (uint)rows, (uint)cols), .. pixels];

    public static byte[] Labels(byte[] labels) => [.. Header(LabelsMagic, (uint)labels.Length), .. labels];

    /// <summary>Deterministic pseudo-random bytes.</summary>
    public static byte[] Noise(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(data);
        return output.ToArray();
    }
}
