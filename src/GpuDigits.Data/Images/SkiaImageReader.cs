using SkiaSharp;

namespace GpuDigits.Data.Images;

/// <summary>
/// JPEG, BMP, GIF (first frame) and WebP through SkiaSharp's codecs (the maintained decoders; only PNG and PGM have
/// readers of our own). The header's size is checked against the same pixel and memory budget as PNG before anything
/// is decoded; pixels are decoded as unpremultiplied RGBA and turned into gray like every other format.
/// </summary>
internal static class SkiaImageReader
{
    /// <summary>The formats sent here, by their first bytes.</summary>
    public static string? Format(ReadOnlySpan<byte> b)
    {
        if (b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return "JPEG";
        if (b.Length >= 2 && b[0] == (byte)'B' && b[1] == (byte)'M') return "BMP";
        if (b.Length >= 6 && b[..4].SequenceEqual("GIF8"u8)) return "GIF";
        if (b.Length >= 12 && b[..4].SequenceEqual("RIFF"u8) && b[8..12].SequenceEqual("WEBP"u8)) return "WebP";
        return null;
    }

    public static unsafe GrayImage Decode(ReadOnlySpan<byte> bytes, string name)
    {
        string format = Format(bytes) ?? "image";
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data)
            ?? throw new DataFormatException(name, $"looks like a {format} file but is not one SkiaSharp can decode (damaged or truncated header)");
        int w = codec.Info.Width, h = codec.Info.Height;
        long pixels = (long)w * h;
        if (w < 1 || h < 1) throw new DataFormatException(name, $"is an empty {format} image ({w} x {h})");
        if (pixels > PngReader.MaxPixels || 4 * pixels > PngReader.MaxImageDataBytes)
            throw new DataFormatException(name,
                $"is too large to decode: {w} x {h} ({pixels:N0} pixels); at most {PngReader.MaxPixels:N0} pixels and {PngReader.MaxImageDataBytes:N0} bytes are decoded");
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
}
