using System.Buffers.Binary;

namespace GpuDigits.Data;

/// <summary>
/// Reads IDX files of unsigned bytes (the MNIST format), raw or gzip-compressed; gzip is recognized by its
/// magic bytes. A header is 0x00 0x00, a type byte (0x08 = unsigned byte), a dimension count, then one
/// big-endian 32-bit size per dimension; the data follows. Anything malformed is a <see cref="DataFormatException"/>.
/// Memory is only allocated as far as the file can justify it: a raw file's declared size is checked against its
/// length first, and gzip data is read into a buffer that grows only as decompressed bytes arrive.
/// </summary>
public static class IdxReader
{
    private const byte UnsignedByteType = 0x08;
    private const int FirstChunk = 16 * 1024; // a stream of unknown length earns more only by delivering it

    /// <summary>Reads an image file (magic 0x00000803: count, rows, cols).</summary>
    public static IdxImages ReadImages(string path)
    {
        using var file = File.OpenRead(path);
        return ReadImages(file, path);
    }

    /// <summary>Reads an image file from <paramref name="stream"/>; <paramref name="name"/> is used in error messages.</summary>
    public static IdxImages ReadImages(Stream stream, string name)
    {
        var (dims, data) = Read(stream, name, 3);
        return new IdxImages(dims[0], dims[1], dims[2], data);
    }

    /// <summary>Reads a label file (magic 0x00000801: count).</summary>
    public static IdxLabels ReadLabels(string path)
    {
        using var file = File.OpenRead(path);
        return ReadLabels(file, path);
    }

    /// <summary>Reads a label file from <paramref name="stream"/>; <paramref name="name"/> is used in error messages.</summary>
    public static IdxLabels ReadLabels(Stream stream, string name) => new(Read(stream, name, 1).Data);

    private static (int[] Dims, byte[] Data) Read(Stream stream, string name, int dimensionCount)
    {
        ArgumentNullException.ThrowIfNull(stream);
        // Total bytes left in the stream (compressed bytes for gzip), when it can tell.
        long? available = stream.CanSeek ? stream.Length - stream.Position : null;
        using var content = GzipSniffer.Open(stream, out bool isGzip);
        try
        {
            long? rawLength = isGzip ? null : available;
            long? expansionLimit = isGzip ? available * GzipSniffer.MaxExpansionRatio : null;
            return ReadContent(content, name, dimensionCount, rawLength, expansionLimit);
        }
        catch (InvalidDataException e) when (isGzip)
        {
            throw new DataFormatException(name, GzipErrors.Describe(e), e);
        }
    }

    private static (int[] Dims, byte[] Data) ReadContent(Stream content, string name, int dimensionCount,
        long? rawLength, long? expansionLimit)
    {
        int headerLength = 4 + 4 * dimensionCount;
        Span<byte> header = stackalloc byte[headerLength];
        int got = content.ReadAtLeast(header[..4], 4, throwOnEndOfStream: false);
        if (got < 4) throw new DataFormatException(name, $"is truncated: {got} bytes, too short for an IDX header");
        CheckMagic(name, header[..4], dimensionCount);

        got = content.ReadAtLeast(header[4..], headerLength - 4, throwOnEndOfStream: false);
        if (got < headerLength - 4)
            throw new DataFormatException(name, $"is truncated inside its header ({4 + got} of {headerLength} bytes)");
        var dims = ReadDimensions(name, header[4..], dimensionCount, out long size);
        string shape = string.Join(" x ", dims);

        if (rawLength is { } length)
        {
            long held = length - headerLength;
            if (size > held)
                throw new DataFormatException(name,
                    $"is truncated: its header declares {shape} = {size:N0} data bytes but the file holds only {held:N0}");
            if (size < held)
                throw new DataFormatException(name,
                    $"has {held - size:N0} bytes of trailing garbage after the {size:N0} data bytes its header declares ({shape})");
        }
        if (expansionLimit is { } limit && headerLength + size > limit)
            throw new DataFormatException(name,
                $"declares {shape} = {size:N0} data bytes, more than its gzip data can hold (at most {limit:N0} bytes)");

        var data = rawLength is null ? ReadGrowing(content, (int)size, name, shape) : ReadExact(content, (int)size, name, shape);
        if (content.ReadByte() >= 0)
            throw new DataFormatException(name, $"has trailing garbage after the {size:N0} data bytes its header declares ({shape})");
        return (dims, data);
    }

    private static void CheckMagic(string name, ReadOnlySpan<byte> magic, int dimensionCount)
    {
        uint expected = (uint)(UnsignedByteType << 8 | dimensionCount);
        uint actual = BinaryPrimitives.ReadUInt32BigEndian(magic);
        if (actual == expected) return;
        string hex = $"expected magic 0x{expected:X8}, got 0x{actual:X8}";
        if (magic[0] != 0 || magic[1] != 0)
            throw new DataFormatException(name, $"is not an IDX file: {hex}");
        if (magic[2] != UnsignedByteType)
            throw new DataFormatException(name,
                $"holds data of type 0x{magic[2]:X2}, not unsigned bytes (0x{UnsignedByteType:X2}): {hex}");
        throw new DataFormatException(name, $"has {magic[3]} dimensions, expected {dimensionCount}: {hex}");
    }

    private static int[] ReadDimensions(string name, ReadOnlySpan<byte> raw, int count, out long size)
    {
        var dims = new int[count];
        size = 1;
        for (int i = 0; i < count; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(raw[(4 * i)..]);
            if (d == 0) throw new DataFormatException(name, $"declares dimension {i} as 0");
            if (d > int.MaxValue || size > Array.MaxLength / d)
                throw new DataFormatException(name,
                    $"declares an absurd size: dimension {i} is {d:N0}, the data would exceed {Array.MaxLength:N0} bytes");
            dims[i] = (int)d;
            size *= d;
        }
        return dims;
    }

    private static byte[] ReadExact(Stream content, int size, string name, string shape)
    {
        var data = new byte[size];
        int got = content.ReadAtLeast(data, size, throwOnEndOfStream: false);
        if (got < size) throw Truncated(name, got, size, shape);
        return data;
    }

    /// <summary>Reads <paramref name="size"/> bytes into a buffer that doubles only when full, capped at the size.</summary>
    private static byte[] ReadGrowing(Stream content, int size, string name, string shape)
    {
        var buffer = new byte[Math.Min(size, FirstChunk)];
        int filled = 0;
        while (filled < size)
        {
            if (filled == buffer.Length) Array.Resize(ref buffer, (int)Math.Min(size, 2L * buffer.Length));
            int n = content.Read(buffer, filled, buffer.Length - filled);
            if (n == 0) throw Truncated(name, filled, size, shape);
            filled += n;
        }
        return buffer;
    }

    private static DataFormatException Truncated(string name, int got, int size, string shape) =>
        new(name, $"is truncated: its header declares {shape} = {size:N0} data bytes but only {got:N0} follow");
}
