using SkiaSharp;

namespace GpuDigits.Data.Images;

/// <summary>
/// PNG (every bit depth and colour type, palette, transparency, interlaced), JPEG, BMP, GIF (first frame) and WebP
/// through SkiaSharp's codecs (libpng, libjpeg-turbo, libwebp: the maintained decoders; only PGM has a reader of our
/// own, as Skia has none). The header's size is checked against a pixel and memory budget before anything is
/// decoded; pixels are decoded as unpremultiplied RGBA and turned into gray (transparency flattened onto a
/// contrasting background) like every other format.
/// </summary>
internal static class SkiaImageReader
{
    /// <summary>The most pixels decoded (50 million: a 7000 x 7000 photo).</summary>
    public const long MaxPixels = 50_000_000;

    /// <summary>The most bytes of decoded pixels (RGBA) held at once.</summary>
    public const long MaxImageDataBytes = 512L << 20;

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The formats sent here, by their first bytes.</summary>
    public static string? Format(ReadOnlySpan<byte> b)
    {
        if (b.StartsWith(PngSignature)) return "PNG";
        if (b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return "JPEG";
        if (b.Length >= 2 && b[0] == (byte)'B' && b[1] == (byte)'M') return "BMP";
        if (b.Length >= 6 && b[..4].SequenceEqual("GIF8"u8)) return "GIF";
        if (b.Length >= 12 && b[..4].SequenceEqual("RIFF"u8) && b[8..12].SequenceEqual("WEBP"u8)) return "WebP";
        return null;
    }

    public static unsafe GrayImage Decode(ReadOnlySpan<byte> bytes, string name)
    {
        string format = Format(bytes) ?? "image";
        using var data = SKData.CreateCopy(format == "JPEG" ? JpegWithoutEndMarker(bytes) : bytes);
        using var codec = SKCodec.Create(data)
            ?? throw new DataFormatException(name, $"looks like a {format} file but is not one SkiaSharp can decode (damaged or truncated header)");
        int w = codec.Info.Width, h = codec.Info.Height;
        long pixels = (long)w * h;
        if (w < 1 || h < 1) throw new DataFormatException(name, $"is an empty {format} image ({w} x {h})");
        if (pixels > MaxPixels || 4 * pixels > MaxImageDataBytes)
            throw new DataFormatException(name,
                $"is too large to decode: {w} x {h} ({pixels:N0} pixels); at most {MaxPixels:N0} pixels and {MaxImageDataBytes:N0} bytes are decoded");
        GrayImage.CheckSize(name, w, h);

        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[pixels * 4];
        SKCodecResult result;
        fixed (byte* p = rgba) result = codec.GetPixels(info, (nint)p);
        if (result == SKCodecResult.IncompleteInput)
            throw new DataFormatException(name, $"is a truncated {format} file ({w} x {h}: its image data ends early)");
        if (result != SKCodecResult.Success)
            throw new DataFormatException(name, $"is a damaged {format} file (the decoder says {result})");

        var gray = new byte[pixels];
        var alpha = new byte[pixels];
        bool transparent = false;
        for (long i = 0; i < pixels; i++)
        {
            gray[i] = GrayConversion.Luma(rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]);
            alpha[i] = rgba[4 * i + 3];
            transparent |= alpha[i] != 255;
        }
        if (transparent) GrayConversion.Flatten(gray, alpha);
        return new GrayImage(w, h, gray);
    }

    /// <summary>
    /// One rule for truncated pictures: image data that ends before the rows the header declares is refused. libjpeg
    /// breaks it for a JPEG that ends with its end marker (EOI) after too few rows of data: on meeting the marker it
    /// fills every missing row with gray, warns, and reports success (Skia passes no warnings on). Only a JPEG cut short
    /// without EOI comes back as incomplete. So a sequential JPEG (every row in one pass) is decoded with its EOI, and
    /// anything after it, replaced by 8 bytes of stuffed 0xFF (the lookahead the Huffman decoder reads past the last
    /// code, which no valid code can complete a block from): a complete picture decodes as before, one with missing
    /// rows runs out of data and is reported incomplete like any other truncated picture. A progressive JPEG needs its
    /// EOI to end its last pass and is decoded as it is.
    /// </summary>
    internal static ReadOnlySpan<byte> JpegWithoutEndMarker(ReadOnlySpan<byte> jpeg)
    {
        int end = jpeg.LastIndexOf([(byte)0xFF, (byte)0xD9]);
        if (end < 0 || !IsSequential(jpeg)) return jpeg; // no EOI: truncated, and the decoder says so
        var padded = new byte[end + 16];
        jpeg[..end].CopyTo(padded);
        for (int i = end; i < padded.Length; i += 2) padded[i] = 0xFF; // FF 00: a stuffed FF byte, not a marker
        return padded;
    }

    /// <summary>Whether the frame header is a sequential one (SOF0, SOF1: baseline and extended Huffman).</summary>
    private static bool IsSequential(ReadOnlySpan<byte> jpeg)
    {
        for (int at = 2; at + 4 <= jpeg.Length && jpeg[at] == 0xFF;)
        {
            byte marker = jpeg[at + 1];
            if (marker is 0xC0 or 0xC1) return true;
            if (marker is >= 0xC2 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC) return false; // progressive, lossless, arithmetic
            if (marker == 0xDA) return false; // a scan before any frame header: not a JPEG to second-guess
            at += 2 + (jpeg[at + 2] << 8 | jpeg[at + 3]);
        }
        return false;
    }
}
