using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace GpuDigits.Data.Images;

/// <summary>
/// A small PNG decoder for what digit pictures are saved as: non-interlaced grayscale, gray + alpha, RGB or RGBA at
/// 8 or 16 bits per sample, and 8-bit palette images (with tRNS transparency). Every chunk's CRC is checked, the IDAT
/// chunks are concatenated and inflated with <see cref="ZLibStream"/>, and all five scanline filters are undone.
/// Colour becomes luminance (0.299 R + 0.587 G + 0.114 B); transparent pixels are laid over a background that
/// contrasts with the picture's visible pixels (white under dark strokes, black under light ones), so a digit drawn
/// on a transparent canvas stays visible. Anything else (interlacing, 1/2/4-bit samples, unknown critical chunks,
/// damaged or truncated data) is a <see cref="DataFormatException"/> that says what is wrong.
/// </summary>
public static class PngReader
{
    private const int InflateChunk = 64 * 1024;

    /// <summary>Largest image decoded, in pixels (50 MP: a phone photo fits; a decompression bomb does not).</summary>
    public const long MaxPixels = 50_000_000;

    /// <summary>Largest inflated image data decoded (512 MiB), checked from the header before anything is inflated.</summary>
    public const long MaxImageDataBytes = 512L << 20;

    /// <summary>The eight bytes every PNG file starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Whether <paramref name="data"/> starts with the PNG signature.</summary>
    public static bool HasSignature(ReadOnlySpan<byte> data) => data.StartsWith(Signature);

    public static GrayImage Read(string path) => Decode(ImageFile.ReadBytes(path), path);

    /// <summary>Decodes a whole PNG file held in memory; <paramref name="name"/> is used in error messages.</summary>
    public static GrayImage Decode(ReadOnlySpan<byte> png, string name)
    {
        if (!HasSignature(png))
            throw new DataFormatException(name, "is not a PNG file: it does not start with the PNG signature");

        Header? header = null;
        byte[]? palette = null;
        byte[]? transparency = null;
        var idat = new List<(int Offset, int Length)>();
        long idatLength = 0;
        bool ended = false;
        int pos = Signature.Length;
        while (!ended)
        {
            if (png.Length - pos < 12)
                throw new DataFormatException(name, $"is truncated: it ends at byte {png.Length:N0} without an IEND chunk");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(png[pos..]);
            var typeBytes = png.Slice(pos + 4, 4);
            string type = ChunkType(name, typeBytes, pos);
            if (length > int.MaxValue || length > png.Length - pos - 12L)
                throw new DataFormatException(name,
                    $"is truncated: chunk {type} at byte {pos:N0} declares {length:N0} data bytes but only {Math.Max(0, png.Length - pos - 12L):N0} follow");
            var data = png.Slice(pos + 8, (int)length);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(png[(pos + 8 + (int)length)..]);
            uint actual = Crc32.Compute(png.Slice(pos + 4, 4 + (int)length));
            if (stored != actual)
                throw new DataFormatException(name,
                    $"is damaged: chunk {type} at byte {pos:N0} has CRC 0x{stored:X8}, its content gives 0x{actual:X8}");

            if (header is null && type != "IHDR")
                throw new DataFormatException(name, $"does not start with an IHDR chunk (found {type})");
            switch (type)
            {
                case "IHDR":
                    if (header is not null) throw new DataFormatException(name, "has a second IHDR chunk");
                    header = ReadHeader(name, data);
                    break;
                case "PLTE":
                    if (length == 0 || length % 3 != 0 || length > 768)
                        throw new DataFormatException(name, $"has a PLTE chunk of {length} bytes; a palette is 1 to 256 RGB triples");
                    palette = data.ToArray();
                    break;
                case "tRNS":
                    transparency = data.ToArray();
                    break;
                case "IDAT":
                    idat.Add((pos + 8, (int)length));
                    idatLength += length;
                    break;
                case "IEND":
                    ended = true;
                    break;
                default:
                    if (char.IsUpper(type[0]))
                        throw new DataFormatException(name, $"needs chunk {type}, which this reader does not know");
                    break; // ancillary: safe to ignore
            }
            pos += 12 + (int)length;
        }

        var h = header!.Value;
        if (h.ColorType == 3 && palette is null)
            throw new DataFormatException(name, "is a palette image without a PLTE chunk");
        if (idat.Count == 0)
            throw new DataFormatException(name, "has no image data (no IDAT chunk)");

        var raw = Inflate(name, png, idat, idatLength, h);
        Unfilter(name, raw, h);
        return ToGray(name, raw, h, palette, transparency);
    }

    private readonly record struct Header(int Width, int Height, int BitDepth, int ColorType)
    {
        public int Channels => ColorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        public int BytesPerSample => BitDepth / 8;
        public int BytesPerPixel => Channels * BytesPerSample;
        public long RowBytes => (long)Width * BytesPerPixel;
    }

    private static string ChunkType(string name, ReadOnlySpan<byte> type, int pos)
    {
        foreach (byte b in type)
            if (!(b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z'))
                throw new DataFormatException(name, $"is damaged: the chunk at byte {pos:N0} has no valid type (bytes {Convert.ToHexString(type)})");
        return Encoding.ASCII.GetString(type);
    }

    private static Header ReadHeader(string name, ReadOnlySpan<byte> data)
    {
        if (data.Length != 13) throw new DataFormatException(name, $"has an IHDR chunk of {data.Length} bytes; it must be 13");
        uint width = BinaryPrimitives.ReadUInt32BigEndian(data);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        int depth = data[8], color = data[9], compression = data[10], filter = data[11], interlace = data[12];
        GrayImage.CheckSize(name, width, height);
        string kind = color switch
        {
            0 => "grayscale", 2 => "RGB", 3 => "palette", 4 => "gray + alpha", 6 => "RGBA",
            _ => throw new DataFormatException(name, $"declares colour type {color}, which PNG does not define"),
        };
        bool defined = color switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            _ => depth is 8 or 16,
        };
        if (!defined) throw new DataFormatException(name, $"declares bit depth {depth} for a {kind} image, which PNG does not define");
        if (depth < 8 || (color == 3 && depth != 8))
            throw new DataFormatException(name,
                $"is a {depth}-bit {kind} image; this reader takes 8 or 16 bits per sample (palette images: 8). Save it as 8-bit grayscale or RGB");
        if (compression != 0) throw new DataFormatException(name, $"declares compression method {compression}; PNG defines only 0");
        if (filter != 0) throw new DataFormatException(name, $"declares filter method {filter}; PNG defines only 0");
        if (interlace == 1)
            throw new DataFormatException(name, "is interlaced (Adam7), which this reader does not support. Save it without interlacing");
        if (interlace != 0) throw new DataFormatException(name, $"declares interlace method {interlace}, which PNG does not define");
        return new Header((int)width, (int)height, depth, color);
    }

    /// <summary>
    /// Inflates the concatenated IDAT data into Height rows of (1 filter byte + RowBytes). The buffer grows only as
    /// inflated bytes arrive, so a header that claims a huge image costs nothing until the data is really there.
    /// </summary>
    private static byte[] Inflate(string name, ReadOnlySpan<byte> png, List<(int Offset, int Length)> idat, long idatLength, Header h)
    {
        long expected = h.Height * (1 + h.RowBytes);
        long pixels = (long)h.Width * h.Height;
        if (pixels > MaxPixels || expected > MaxImageDataBytes || expected > Array.MaxLength)
            throw new DataFormatException(name,
                $"is too large to decode: {h.Width} x {h.Height} ({pixels:N0} pixels, {expected:N0} bytes of image data); " +
                $"at most {MaxPixels:N0} pixels and {MaxImageDataBytes:N0} bytes are decoded");
        var compressed = new byte[idatLength];
        int at = 0;
        foreach (var (offset, length) in idat)
        {
            png.Slice(offset, length).CopyTo(compressed.AsSpan(at));
            at += length;
        }

        var buffer = new byte[Math.Min(expected, InflateChunk)];
        int filled = 0;
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress);
            while (filled < expected)
            {
                if (filled == buffer.Length) Array.Resize(ref buffer, (int)Math.Min(expected, 2L * buffer.Length));
                int n = zlib.Read(buffer, filled, buffer.Length - filled);
                if (n == 0) break;
                filled += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(name, $"is damaged: its image data is not a valid zlib stream ({e.Message})", e);
        }
        if (filled < expected)
            throw new DataFormatException(name,
                $"is truncated: a {h.Width} x {h.Height} image needs {expected:N0} bytes of image data, its IDAT chunks inflate to {filled:N0}");
        return buffer;
    }

    /// <summary>Undoes the scanline filters in place (filter bytes stay where they are).</summary>
    private static void Unfilter(string name, byte[] raw, Header h)
    {
        int rowBytes = (int)h.RowBytes, stride = rowBytes + 1, bpp = h.BytesPerPixel;
        for (int y = 0; y < h.Height; y++)
        {
            int filter = raw[y * stride];
            var row = raw.AsSpan(y * stride + 1, rowBytes);
            ReadOnlySpan<byte> prior = y == 0 ? default : raw.AsSpan((y - 1) * stride + 1, rowBytes);
            switch (filter)
            {
                case 0:
                    break;
                case 1: // Sub: left neighbour
                    for (int i = bpp; i < rowBytes; i++) row[i] += row[i - bpp];
                    break;
                case 2: // Up: the byte above
                    if (y > 0) for (int i = 0; i < rowBytes; i++) row[i] += prior[i];
                    break;
                case 3: // Average of left and above
                    for (int i = 0; i < rowBytes; i++)
                    {
                        int left = i >= bpp ? row[i - bpp] : 0, up = y > 0 ? prior[i] : 0;
                        row[i] += (byte)((left + up) >> 1);
                    }
                    break;
                case 4: // Paeth predictor of left, above and upper-left
                    for (int i = 0; i < rowBytes; i++)
                    {
                        int left = i >= bpp ? row[i - bpp] : 0;
                        int up = y > 0 ? prior[i] : 0;
                        int upLeft = y > 0 && i >= bpp ? prior[i - bpp] : 0;
                        row[i] += (byte)Paeth(left, up, upLeft);
                    }
                    break;
                default:
                    throw new DataFormatException(name, $"is damaged: row {y} uses filter type {filter}; PNG defines 0 to 4");
            }
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        return pb <= pc ? b : c;
    }

    private static GrayImage ToGray(string name, byte[] raw, Header h, byte[]? palette, byte[]? trns)
    {
        int w = h.Width, stride = (int)h.RowBytes + 1, bps = h.BytesPerSample;
        var gray = new byte[(long)w * h.Height];
        byte[]? alpha = h.ColorType is 4 or 6 || trns is not null ? new byte[gray.Length] : null;
        int paletteEntries = palette?.Length / 3 ?? 0;

        // A sample as 16 bits (8-bit samples compare with tRNS keys as they are) and scaled to 8 bits.
        int Sample(int offset) => bps == 1 ? raw[offset] : raw[offset] << 8 | raw[offset + 1];
        byte Eight(int offset) => bps == 1 ? raw[offset] : (byte)((Sample(offset) * 255 + 32767) / 65535);
        int Key(int i) => trns!.Length >= 2 * i + 2 ? trns[2 * i] << 8 | trns[2 * i + 1] : -1;

        for (int y = 0; y < h.Height; y++)
        {
            int rowStart = y * stride + 1;
            for (int x = 0; x < w; x++)
            {
                int p = rowStart + x * h.BytesPerPixel;
                long i = (long)y * w + x;
                switch (h.ColorType)
                {
                    case 0:
                        gray[i] = Eight(p);
                        if (alpha is not null) alpha[i] = Sample(p) == Key(0) ? (byte)0 : (byte)255;
                        break;
                    case 2:
                        gray[i] = GrayConversion.Luma(Eight(p), Eight(p + bps), Eight(p + 2 * bps));
                        if (alpha is not null)
                            alpha[i] = Sample(p) == Key(0) && Sample(p + bps) == Key(1) && Sample(p + 2 * bps) == Key(2) ? (byte)0 : (byte)255;
                        break;
                    case 3:
                        int index = raw[p];
                        if (index >= paletteEntries)
                            throw new DataFormatException(name, $"is damaged: pixel ({x}, {y}) uses palette entry {index}, the palette has {paletteEntries}");
                        gray[i] = GrayConversion.Luma(palette![3 * index], palette[3 * index + 1], palette[3 * index + 2]);
                        if (alpha is not null) alpha[i] = index < trns!.Length ? trns[index] : (byte)255;
                        break;
                    case 4:
                        gray[i] = Eight(p);
                        alpha![i] = Eight(p + bps);
                        break;
                    default:
                        gray[i] = GrayConversion.Luma(Eight(p), Eight(p + bps), Eight(p + 2 * bps));
                        alpha![i] = Eight(p + 3 * bps);
                        break;
                }
            }
        }
        if (alpha is not null) GrayConversion.Flatten(gray, alpha);
        return new GrayImage(w, h.Height, gray);
    }
}
