using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace GpuDigits.Tests.Images;

/// <summary>
/// A PNG encoder for tests, independent of the production code: its own bitwise CRC-32, its own forward filters
/// (any of the five per row), any colour type and bit depth, Adam7 interlacing (8- and 16-bit samples), IDAT split
/// into several chunks, extra chunks. Samples are given unfiltered, row after row, without filter bytes.
/// </summary>
internal sealed class TestPng
{
    public required int Width { get; init; }
    public required int Height { get; init; }
    public int ColorType { get; init; }
    public int BitDepth { get; init; } = 8;
    public required byte[] Samples { get; init; }
    public Func<int, int> FilterOfRow { get; init; } = _ => 0;
    public byte[]? Palette { get; init; }
    public byte[]? Transparency { get; init; }
    public byte Interlace { get; init; }
    public int IdatChunks { get; init; } = 1;
    public List<(string Type, byte[] Data)> ChunksBeforeData { get; init; } = [];

    public int Channels => ColorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 1 };
    public int BytesPerPixel => Math.Max(1, Channels * BitDepth / 8);
    public int RowBytes => (Width * Channels * BitDepth + 7) / 8;

    public byte[] Encode()
    {
        var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Height);
        header[8] = (byte)BitDepth;
        header[9] = (byte)ColorType;
        header[12] = Interlace;
        png.Write(Chunk("IHDR", header));
        if (Palette is not null) png.Write(Chunk("PLTE", Palette));
        if (Transparency is not null) png.Write(Chunk("tRNS", Transparency));
        foreach (var (type, data) in ChunksBeforeData) png.Write(Chunk(type, data));
        var compressed = Zlib(Filtered());
        int per = (compressed.Length + IdatChunks - 1) / IdatChunks;
        for (int at = 0; at < compressed.Length; at += per)
            png.Write(Chunk("IDAT", compressed.AsSpan(at, Math.Min(per, compressed.Length - at)).ToArray()));
        png.Write(Chunk("IEND", []));
        return png.ToArray();
    }

    // Adam7: each pass takes the pixels at (x0 + i dx, y0 + j dy).
    private static readonly (int X0, int Y0, int Dx, int Dy)[] Passes =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    /// <summary>
    /// The scanlines with their filter bytes, each row filtered with FilterOfRow(row); interlaced: the seven passes'
    /// reduced images one after the other, each filtered the same way (empty passes contribute nothing).
    /// </summary>
    public byte[] Filtered()
    {
        if (Interlace == 0) return FilteredRows();
        if (BitDepth < 8) throw new NotSupportedException("Interlacing here takes 8- and 16-bit samples.");
        var output = new List<byte>();
        int bpp = BytesPerPixel;
        foreach (var (x0, y0, dx, dy) in Passes)
        {
            int w = (Width - x0 + dx - 1) / dx, h = (Height - y0 + dy - 1) / dy;
            if (w <= 0 || h <= 0) continue;
            var sub = new byte[w * h * bpp];
            for (int j = 0; j < h; j++)
                for (int i = 0; i < w; i++)
                    Array.Copy(Samples, ((y0 + j * dy) * Width + x0 + i * dx) * bpp, sub, (j * w + i) * bpp, bpp);
            output.AddRange(new TestPng { Width = w, Height = h, ColorType = ColorType, BitDepth = BitDepth, Samples = sub, FilterOfRow = FilterOfRow }.FilteredRows());
        }
        return [.. output];
    }

    private byte[] FilteredRows()
    {
        if (Samples.Length != RowBytes * Height) throw new ArgumentException($"{Samples.Length} sample bytes for {Height} rows of {RowBytes}.");
        var output = new byte[Height * (RowBytes + 1)];
        for (int y = 0; y < Height; y++)
        {
            int filter = FilterOfRow(y);
            output[y * (RowBytes + 1)] = (byte)filter;
            for (int i = 0; i < RowBytes; i++)
            {
                int raw = Samples[y * RowBytes + i];
                int left = i >= BytesPerPixel ? Samples[y * RowBytes + i - BytesPerPixel] : 0;
                int above = y > 0 ? Samples[(y - 1) * RowBytes + i] : 0;
                int corner = y > 0 && i >= BytesPerPixel ? Samples[(y - 1) * RowBytes + i - BytesPerPixel] : 0;
                int prediction = filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => above,
                    3 => (left + above) / 2,
                    4 => PaethPrediction(left, above, corner),
                    _ => 0,
                };
                output[y * (RowBytes + 1) + 1 + i] = unchecked((byte)(raw - prediction));
            }
        }
        return output;
    }

    /// <summary>The neighbour (left, above, corner, in that order of preference) closest to left + above - corner.</summary>
    private static int PaethPrediction(int left, int above, int corner)
    {
        int estimate = left + above - corner;
        int[] candidates = [left, above, corner];
        int best = 0;
        for (int k = 1; k < 3; k++)
            if (Math.Abs(estimate - candidates[k]) < Math.Abs(estimate - candidates[best])) best = k;
        return candidates[best];
    }

    public static byte[] Zlib(byte[] data)
    {
        var output = new MemoryStream();
        using (var z = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true)) z.Write(data);
        return output.ToArray();
    }

    public static byte[] Chunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    /// <summary>CRC-32 computed bit by bit (polynomial 0xEDB88320, reflected), without a table.</summary>
    public static uint Crc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }

    /// <summary>Deterministic pseudo-random bytes.</summary>
    public static byte[] Noise(int length, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Offset of the first chunk of <paramref name="type"/> in <paramref name="png"/>.</summary>
    public static int FindChunk(byte[] png, string type)
    {
        int pos = 8;
        while (pos + 8 <= png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            if (Encoding.ASCII.GetString(png, pos + 4, 4) == type) return pos;
            pos += 12 + length;
        }
        throw new InvalidOperationException($"No {type} chunk.");
    }
}
