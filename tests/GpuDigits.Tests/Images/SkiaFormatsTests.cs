using System.Buffers.Binary;
using GpuDigits.Data;
using GpuDigits.Data.Images;
using GpuDigits.Tests.Images;
using GpuDigits.Tests.Viz;
using NUnit.Framework;
using SkiaSharp;

namespace GpuDigits.Tests.Images;

/// <summary>
/// JPEG, BMP, GIF and WebP pictures decode through SkiaSharp into the same gray image the PNG reader gives (JPEG and
/// lossy WebP within their compression error), and a header claiming too many pixels is refused before decoding.
/// </summary>
public sealed class SkiaFormatsTests
{
    /// <summary>A 40 x 30 gray gradient with a dark bar, as RGBA.</summary>
    private static (SKBitmap Bitmap, byte[] Gray) Picture()
    {
        var bitmap = new SKBitmap(new SKImageInfo(40, 30, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var gray = new byte[40 * 30];
        for (int y = 0; y < 30; y++)
            for (int x = 0; x < 40; x++)
            {
                byte v = (byte)(x >= 15 && x < 22 ? 20 : 100 + 3 * x);
                bitmap.SetPixel(x, y, new SKColor(v, v, v, 255));
                gray[y * 40 + x] = v;
            }
        return (bitmap, gray);
    }

    [TestCase(SKEncodedImageFormat.Jpeg, 95, 6.0)]
    [TestCase(SKEncodedImageFormat.Webp, 100, 2.0)]
    public void EncodedPicturesDecodeToTheirGray(SKEncodedImageFormat format, int quality, double meanError)
    {
        var (bitmap, expected) = Picture();
        using var image = SKImage.FromBitmap(bitmap);
        var bytes = image.Encode(format, quality).ToArray();
        var decoded = ImageFile.Decode(bytes, $"picture.{format}");
        Assert.That((decoded.Width, decoded.Height), Is.EqualTo((40, 30)));
        double error = decoded.Pixels.Zip(expected).Average(p => Math.Abs(p.First - p.Second));
        Assert.That(error, Is.LessThan(meanError), $"{format}: mean |error| {error:F2}");
    }

    [Test]
    public void ABmpDecodesExactly()
    {
        var bmp = Bmp(3, 2, (x, y) => (byte)(50 * x + 20 * y));
        var decoded = ImageFile.Decode(bmp, "small.bmp");
        Assert.That((decoded.Width, decoded.Height), Is.EqualTo((3, 2)));
        Assert.That(decoded.Pixels, Is.EqualTo(new byte[] { 0, 50, 100, 20, 70, 120 }));
    }

    [Test]
    public void AGifDecodesItsFirstFrame()
    {
        // 1 x 1 GIF89a, global colour table (white, black), one pixel of colour 0.
        byte[] gif = [0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 255, 255, 255, 0, 0, 0,
            0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B];
        var decoded = ImageFile.Decode(gif, "dot.gif");
        Assert.That((decoded.Width, decoded.Height), Is.EqualTo((1, 1)));
        Assert.That(decoded.Pixels[0], Is.EqualTo(255));
    }

    [Test]
    public void AHeaderClaimingTooManyPixelsIsRefusedBeforeDecoding()
    {
        var header = Bmp(10000, 10000, (_, _) => 0, headerOnly: true);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var e = Assert.Throws<DataFormatException>(() => ImageFile.Decode(header, "huge.bmp"))!;
        Assert.That(e.Message, Does.Contain("too large to decode").Or.Contain("not one SkiaSharp can decode"));
        Assert.That(GC.GetTotalAllocatedBytes(precise: true) - before, Is.LessThan(20_000_000));
    }

    [Test]
    public void ATruncatedJpegIsOneClearError()
    {
        var (bitmap, _) = Picture();
        using var image = SKImage.FromBitmap(bitmap);
        var bytes = image.Encode(SKEncodedImageFormat.Jpeg, 90).ToArray();
        var e = Assert.Throws<DataFormatException>(() => ImageFile.Decode(bytes[..(bytes.Length / 2)], "half.jpg"))!;
        Assert.That(e.Message, Does.Contain("JPEG"));
    }

    /// <summary>
    /// One rule for truncated pictures: a JPEG whose header declares 30,000 rows over the 16 rows of data it holds
    /// (complete, with its end marker) is refused like one cut short, not half-decoded and accepted.
    /// </summary>
    [TestCase(30_000)]
    [TestCase(17)]
    public void AJpegWithFewerRowsThanItsHeaderDeclaresIsRefused(int declaredRows)
    {
        var (bitmap, _) = Picture();
        using var strip = new SKBitmap(new SKImageInfo(40, 16, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.ExtractSubset(strip, new SKRectI(0, 0, 40, 16));
        using var image = SKImage.FromBitmap(strip);
        var bytes = image.Encode(SKEncodedImageFormat.Jpeg, 90).ToArray();
        Assert.That(ImageFile.Decode(bytes, "strip.jpg").Height, Is.EqualTo(16), "the JPEG as encoded decodes");

        int sof = Enumerable.Range(2, bytes.Length - 3).First(i => bytes[i] == 0xFF && bytes[i + 1] is 0xC0 or 0xC1 or 0xC2);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(sof + 5), (ushort)declaredRows);
        var e = Assert.Throws<DataFormatException>(() => ImageFile.Decode(bytes, "tall.jpg"))!;
        Assert.That(e.Message, Does.Contain("truncated JPEG").And.Contain($"40 x {declaredRows}"));
    }

    /// <summary>
    /// Complete JPEGs decode exactly as Skia decodes the file untouched (the end-marker rule above changes nothing for
    /// them): every size from one pixel to a few MCUs wide and tall, noisy content, low to high quality.
    /// </summary>
    [TestCase(1, 1, 90)]
    [TestCase(7, 9, 10)]
    [TestCase(40, 30, 50)]
    [TestCase(333, 17, 100)]
    [TestCase(64, 64, 75)]
    public void CompleteJpegsDecodeAsSkiaDecodesThemUntouched(int w, int h, int quality)
    {
        var random = new Random(w * 1000 + h);
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)(x * 255 / w), (byte)random.Next(256), 255));
        using var image = SKImage.FromBitmap(bitmap);
        var bytes = image.Encode(SKEncodedImageFormat.Jpeg, quality).ToArray();

        using var untouched = SKBitmap.Decode(bytes, new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var expected = new byte[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                var c = untouched.GetPixel(x, y);
                expected[y * w + x] = (byte)((299 * c.Red + 587 * c.Green + 114 * c.Blue + 500) / 1000); // BT.601 luma
            }
        Assert.That(ImageFile.Decode(bytes, "noise.jpg").Pixels, Is.EqualTo(expected));
    }

    /// <summary>A 24-bit bottom-up BMP of gray pixels.</summary>
    private static byte[] Bmp(int w, int h, Func<int, int, byte> gray, bool headerOnly = false)
    {
        int row = (3 * w + 3) / 4 * 4;
        long size = 54 + (long)row * h;
        var bytes = new byte[headerOnly ? 54 : size];
        bytes[0] = (byte)'B';
        bytes[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), (int)Math.Min(size, int.MaxValue));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), w);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), h);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(28), 24);
        if (headerOnly) return bytes;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int at = 54 + (h - 1 - y) * row + 3 * x;
                bytes[at] = bytes[at + 1] = bytes[at + 2] = gray(x, y);
            }
        return bytes;
    }
}
