using SkiaSharp;

namespace GpuDigits.Data.Images;

/// <summary>Encodes 8-bit grayscale PNG files (small enough to embed in an SVG as a data URI) through SkiaSharp.</summary>
public static class PngWriter
{
    public static unsafe byte[] EncodeGray(int width, int height, ReadOnlySpan<byte> pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if ((long)width * height != pixels.Length)
            throw new ArgumentException($"A {width} x {height} image has {(long)width * height} pixels, got {pixels.Length}.", nameof(pixels));
        var info = new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        fixed (byte* p = pixels)
        {
            using var pixmap = new SKPixmap(info, (nint)p, width);
            using var data = pixmap.Encode(SKEncodedImageFormat.Png, 100)
                ?? throw new InvalidOperationException($"SkiaSharp could not encode a {width} x {height} gray PNG.");
            return data.ToArray();
        }
    }
}
