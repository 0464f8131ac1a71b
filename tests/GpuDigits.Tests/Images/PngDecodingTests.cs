using System.Buffers.Binary;
using System.Text;
using GpuDigits.Data;
using GpuDigits.Data.Images;
using GpuDigits.Tests.Images;
using GpuDigits.Tests.Viz;
using NUnit.Framework;

namespace GpuDigits.Tests.Images;

/// <summary>
/// PNG through SkiaSharp (libpng), as <c>predict --image</c> reads it: files made by an encoder of the tests' own
/// (<see cref="TestPng"/>: every filter, colour type, bit depth, palette, transparency, Adam7) decode to the expected
/// gray pixels, and damaged files are refused with one line.
/// </summary>
public class PngDecodingTests
{
    private const int W = 13, H = 9; // odd sizes: rows are not multiples of anything convenient

    private static GrayImage Decode(byte[] png) => ImageFile.Decode(png, "test.png");

    private static DataFormatException Rejects(byte[] png)
    {
        var e = Assert.Throws<DataFormatException>(() => ImageFile.Decode(png, "test.png"))!;
        Assert.That(e.Message, Does.StartWith("test.png: ").And.Not.Contain('\n'));
        return e;
    }

    private static byte Luma(int r, int g, int b) => (byte)((299 * r + 587 * g + 114 * b + 500) / 1000);

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void Gray8WithEachFilterType(int filter)
    {
        var samples = TestPng.Noise(W * H, filter);
        var image = Decode(new TestPng { Width = W, Height = H, ColorType = 0, Samples = samples, FilterOfRow = _ => filter }.Encode());
        Assert.That((image.Width, image.Height), Is.EqualTo((W, H)));
        Assert.That(image.Pixels, Is.EqualTo(samples));
    }

    [TestCase(3)]
    [TestCase(4)]
    public void FewDistinctValuesExercisePredictorTies(int filter)
    {
        // Values 0..3 make equal distances (Paeth ties) and odd sums (Average rounding) common.
        var samples = TestPng.Noise(W * H * 3, 70 + filter).Select(b => (byte)(b & 3)).ToArray();
        var png = new TestPng { Width = W * 3, Height = H, ColorType = 0, Samples = samples, FilterOfRow = _ => filter }.Encode();
        Assert.That(Decode(png).Pixels, Is.EqualTo(samples));
        var rgb = new TestPng { Width = W, Height = H, ColorType = 2, Samples = samples, FilterOfRow = _ => filter }.Encode();
        Assert.That(Decode(rgb).Pixels, Is.EqualTo(Enumerable.Range(0, W * H).Select(i => Luma(samples[3 * i], samples[3 * i + 1], samples[3 * i + 2])).ToArray()));
    }

    [Test]
    public void EveryFilterTypeMixedRowByRowOnSmoothAndNoisyData()
    {
        // A gradient (where predictors are exact) and noise (where they are not), every filter on every kind of row.
        var samples = Enumerable.Range(0, 40 * 25).Select(i => (byte)(i % 40 < 20 ? (i % 40) * 6 + i / 40 : (i * 7919) >> 3)).ToArray();
        var image = Decode(new TestPng { Width = 40, Height = 25, ColorType = 0, Samples = samples, FilterOfRow = y => y % 5 }.Encode());
        Assert.That(image.Pixels, Is.EqualTo(samples));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(3)]
    [TestCase(4)]
    public void Rgb8BecomesLuminance(int filter)
    {
        var rgb = TestPng.Noise(W * H * 3, 10 + filter);
        var image = Decode(new TestPng { Width = W, Height = H, ColorType = 2, Samples = rgb, FilterOfRow = y => (filter + y) % 5 }.Encode());
        var expected = Enumerable.Range(0, W * H).Select(i => Luma(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2])).ToArray();
        Assert.That(image.Pixels, Is.EqualTo(expected));
    }

    [Test]
    public void OpaqueRgbaEqualsRgb()
    {
        var rgb = TestPng.Noise(W * H * 3, 21);
        var rgba = Enumerable.Range(0, W * H).SelectMany(i => new[] { rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], (byte)255 }).ToArray();
        var a = Decode(new TestPng { Width = W, Height = H, ColorType = 2, Samples = rgb, FilterOfRow = _ => 4 }.Encode());
        var b = Decode(new TestPng { Width = W, Height = H, ColorType = 6, Samples = rgba, FilterOfRow = y => y % 5 }.Encode());
        Assert.That(b.Pixels, Is.EqualTo(a.Pixels));
    }

    [TestCase((byte)0, (byte)255, TestName = "Dark strokes on a transparent canvas go on white")]
    [TestCase((byte)255, (byte)0, TestName = "Light strokes on a transparent canvas go on black")]
    public void TransparencyIsFlattenedOntoAContrastingBackground(byte ink, byte background)
    {
        // Transparent black everywhere, an opaque stroke in the middle row, one half-transparent pixel.
        var rgba = new byte[W * H * 4];
        for (int x = 2; x < W - 2; x++)
        {
            int i = (H / 2 * W + x) * 4;
            rgba[i] = rgba[i + 1] = rgba[i + 2] = ink;
            rgba[i + 3] = 255;
        }
        int half = (1 * W + 1) * 4;
        rgba[half] = rgba[half + 1] = rgba[half + 2] = ink;
        rgba[half + 3] = 128;
        var image = Decode(new TestPng { Width = W, Height = H, ColorType = 6, Samples = rgba, FilterOfRow = _ => 1 }.Encode());

        Assert.That(image[0, 0], Is.EqualTo(background));
        Assert.That(image[W / 2, H / 2], Is.EqualTo(ink));
        Assert.That(image[1, 1], Is.EqualTo((ink * 128 + background * 127 + 127) / 255));
    }

    [Test]
    public void GrayAlpha8()
    {
        var gray = TestPng.Noise(W * H, 30);
        var samples = gray.SelectMany(g => new[] { g, (byte)255 }).ToArray();
        var image = Decode(new TestPng { Width = W, Height = H, ColorType = 4, Samples = samples, FilterOfRow = y => (y + 2) % 5 }.Encode());
        Assert.That(image.Pixels, Is.EqualTo(gray));
    }

    [TestCase(0)]
    [TestCase(2)]
    public void SixteenBitSamplesAreScaledToEightBits(int colorType)
    {
        int channels = colorType == 0 ? 1 : 3;
        var values = Enumerable.Range(0, W * H * channels).Select(i => (ushort)(i * 2654435761u >> 16)).ToArray();
        var samples = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(samples.AsSpan(2 * i), values[i]);
        var image = Decode(new TestPng { Width = W, Height = H, ColorType = colorType, BitDepth = 16, Samples = samples, FilterOfRow = y => y % 5 }.Encode());

        // To 8 bits by rounding or by keeping the high byte (libpng may do either): within 1 of the rounded value.
        byte Eight(int i) => (byte)((values[i] * 255 + 32767) / 65535);
        var expected = Enumerable.Range(0, W * H).Select(p => channels == 1 ? Eight(p) : Luma(Eight(3 * p), Eight(3 * p + 1), Eight(3 * p + 2))).ToArray();
        for (int p = 0; p < expected.Length; p++)
            Assert.That((int)image.Pixels[p], Is.EqualTo(expected[p]).Within(1), $"pixel {p}");
    }

    [Test]
    public void PaletteWithTransparency()
    {
        byte[] palette = [0, 0, 0, 255, 255, 255, 200, 100, 50];
        var indices = Enumerable.Range(0, W * H).Select(i => (byte)(i % 3)).ToArray();
        var image = Decode(new TestPng { Width = W, Height = H, ColorType = 3, Samples = indices, Palette = palette, FilterOfRow = y => y % 5 }.Encode());
        Assert.That(image.Pixels.Take(3), Is.EqualTo(new[] { (byte)0, (byte)255, Luma(200, 100, 50) }));

        // Entry 1 (dark gray) fully transparent, entry 2 half: the visible pixels (black, orange) are dark on
        // average, so the background is white.
        byte[] grayPalette = [0, 0, 0, 60, 60, 60, 200, 100, 50];
        image = Decode(new TestPng { Width = W, Height = H, ColorType = 3, Samples = indices, Palette = grayPalette, Transparency = [255, 0, 128], FilterOfRow = _ => 2 }.Encode());
        Assert.That(image.Pixels.Take(3), Is.EqualTo(new[] { (byte)0, (byte)255, (byte)((Luma(200, 100, 50) * 128 + 255 * 127 + 127) / 255) }));
    }

    [Test]
    public void SplitImageDataAndAncillaryChunksAreFine()
    {
        var samples = TestPng.Noise(W * H, 40);
        var png = new TestPng
        {
            Width = W, Height = H, Samples = samples, FilterOfRow = y => y % 5, IdatChunks = 4,
            ChunksBeforeData = [("tEXt", Encoding.ASCII.GetBytes("Comment\0drawn by a test")), ("gAMA", [0, 0, 0xB1, 0x8F])],
        }.Encode();
        Assert.That(Decode(png).Pixels, Is.EqualTo(samples));
    }

    [Test]
    public void WriterOutputReadsBack()
    {
        var pixels = TestPng.Noise(31 * 17, 50);
        Assert.That(Decode(PngWriter.EncodeGray(31, 17, pixels)).Pixels, Is.EqualTo(pixels));
    }


    [TestCase(1)]
    [TestCase(2)]
    [TestCase(4)]
    public void LowBitDepthGrayIsScaledToEightBits(int depth)
    {
        int levels = (1 << depth) - 1, perByte = 8 / depth, rowBytes = (W + perByte - 1) / perByte;
        var values = Enumerable.Range(0, W * H).Select(i => (byte)(i * 7 % (levels + 1))).ToArray();
        var samples = new byte[rowBytes * H];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                samples[y * rowBytes + x / perByte] |= (byte)(values[y * W + x] << (8 - depth * (x % perByte + 1)));
        var image = Decode(new TestPng { Width = W, Height = H, BitDepth = depth, Samples = samples, FilterOfRow = y => y % 5 }.Encode());
        Assert.That(image.Pixels, Is.EqualTo(values.Select(v => (byte)(v * 255 / levels)).ToArray()));
    }

    [Test]
    public void InterlacedImagesDecodeLikeTheirPlainTwins()
    {
        var samples = TestPng.Noise(W * H, 45);
        var plain = Decode(new TestPng { Width = W, Height = H, Samples = samples, FilterOfRow = y => y % 5 }.Encode());
        var interlaced = Decode(new TestPng { Width = W, Height = H, Samples = samples, FilterOfRow = y => y % 5, Interlace = 1 }.Encode());
        Assert.That(interlaced.Pixels, Is.EqualTo(samples));
        Assert.That(interlaced.Pixels, Is.EqualTo(plain.Pixels));
        var rgb = TestPng.Noise(W * H * 3, 46);
        Assert.That(Decode(new TestPng { Width = W, Height = H, ColorType = 2, Samples = rgb, Interlace = 1, FilterOfRow = _ => 4 }.Encode()).Pixels,
            Is.EqualTo(Decode(new TestPng { Width = W, Height = H, ColorType = 2, Samples = rgb }.Encode()).Pixels));
    }

    private static byte[] Valid() => new TestPng { Width = W, Height = H, Samples = TestPng.Noise(W * H, 60), FilterOfRow = y => y % 5 }.Encode();

    [Test]
    public void ABadCrcInACriticalChunkIsRefused()
    {
        var png = Valid();
        png[TestPng.FindChunk(png, "IDAT") + 10] ^= 1;
        Rejects(png);
        png = Valid();
        png[8 + 8 + 3] ^= 1; // the width, inside IHDR
        Assert.That(Rejects(png).Message, Does.Contain("PNG"));
    }

    [Test]
    public void TruncatedFilesAreRefusedAtEveryLength()
    {
        var png = Valid();
        // Cut anywhere before the last pixels' data: the final bytes of the zlib stream (its Adler-32 and end of block)
        // and the chunk CRC are not needed to produce every row, so libpng may accept a cut inside them.
        int dataEnd = png.Length - 12 - 4 - 8;
        for (int length = 8; length < dataEnd; length += 7)
            Assert.That(Rejects(png[..length]).Message, Does.Contain("truncated"), $"cut at {length} of {png.Length}");
    }

    [Test]
    public void ImageDataShorterThanTheHeaderSaysIsTruncated()
    {
        var full = new TestPng { Width = W, Height = H, Samples = new byte[W * H] };
        var rows = full.Filtered()[..((W + 1) * (H - 2))];
        byte[] png = [.. full.Encode()[..33], .. TestPng.Chunk("IDAT", TestPng.Zlib(rows)), .. TestPng.Chunk("IEND", [])];
        Assert.That(Rejects(png).Message, Does.Contain("truncated"));
    }

    [Test]
    public void OtherDamageIsRefusedWithAReason()
    {
        Assert.That(Rejects([1, 2, 3]).Message, Does.Contain("neither a PNG"));
        Assert.That(Rejects(new TestPng { Width = 4, Height = 4, ColorType = 5, Samples = new byte[16] }.Encode()).Message, Does.Contain("PNG"));
        Rejects(new TestPng { Width = 4, Height = 4, Samples = new byte[16], ChunksBeforeData = [("ABCD", [1])] }.Encode());
        Rejects(new TestPng { Width = 4, Height = 4, Samples = new byte[16], FilterOfRow = _ => 7 }.Encode());
        byte[] garbage = [.. Valid()[..33], .. TestPng.Chunk("IDAT", [0x78, 0x9C, 0xFF, 0xFF, 0xFF, 0xFF]), .. TestPng.Chunk("IEND", [])];
        Rejects(garbage);
        Rejects([.. Valid()[..33], .. TestPng.Chunk("IEND", [])]);
    }

    [Test]
    public void AnImageWithinTheBudgetButShortOfDataIsTruncated()
    {
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, 7000);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 7000);
        header[8] = 8;
        byte[] png = [.. Valid()[..8], .. TestPng.Chunk("IHDR", header), .. TestPng.Chunk("IDAT", TestPng.Zlib(new byte[5000])), .. TestPng.Chunk("IEND", [])];
        Assert.That(Rejects(png).Message, Does.Contain("truncated"));
    }

    [TestCase(100_000, 10, "100,000 x 10")]
    [TestCase(0, 10, "PNG")]                       // libpng refuses the header
    [TestCase(8192, 8192, "too large to decode")]  // beyond the pixel budget: refused from the header
    public void AbsurdSizesCostNoMemory(int width, int height, string problem)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        byte[] png = [.. Valid()[..8], .. TestPng.Chunk("IHDR", header), .. TestPng.Chunk("IDAT", TestPng.Zlib(new byte[5000])), .. TestPng.Chunk("IEND", [])];
        Assert.Throws<DataFormatException>(() => Decode(png)); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Rejects(png);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(e.Message, Does.Contain(problem));
        Assert.That(allocated, Is.LessThan(1 << 20));
    }
}

public class PgmReaderTests
{
    private static GrayImage Decode(string text) => ImageFile.Decode(Encoding.ASCII.GetBytes(text), "test.pgm");

    private static DataFormatException Rejects(byte[] bytes)
    {
        var e = Assert.Throws<DataFormatException>(() => ImageFile.Decode(bytes, "test.pgm"))!;
        Assert.That(e.Message, Does.StartWith("test.pgm: ").And.Not.Contain('\n'));
        return e;
    }

    [Test]
    public void P2WithCommentsAndASmallMaximum()
    {
        var image = Decode("P2\n# a comment\n3 2 # width height\n15\n0 15 7\n\n 8   1\t15\n");
        Assert.That((image.Width, image.Height), Is.EqualTo((3, 2)));
        Assert.That(image.Pixels, Is.EqualTo(new byte[] { 0, 255, 119, 136, 17, 255 }));
    }

    [Test]
    public void P5EightAndSixteenBit()
    {
        byte[] eight = [.. "P5 2 2 255\n"u8, 0, 10, 200, 255];
        Assert.That(ImageFile.Decode(eight, "a.pgm").Pixels, Is.EqualTo(new byte[] { 0, 10, 200, 255 }));

        byte[] sixteen = [.. "P5\n2 1\n1000\n"u8, 0x03, 0xE8, 0x01, 0xF4]; // 1000, 500 of 1000
        Assert.That(ImageFile.Decode(sixteen, "b.pgm").Pixels, Is.EqualTo(new byte[] { 255, 128 }));
    }

    [Test]
    public void BrokenFilesAreRefusedWithAReason()
    {
        Assert.That(Rejects([.. "P5 4 4 255\n"u8, 1, 2, 3]).Message, Does.Contain("needs 16 bytes of samples, only 3 follow"));
        Assert.That(Rejects("P2 2 1 9\n3 12\n"u8.ToArray()).Message, Does.Contain("sample 12 at (1, 0), above its maximum value 9"));
        Assert.That(Rejects("P2 2 2 9\n1 2 3\n"u8.ToArray()).Message, Does.Contain("truncated"));
        Assert.That(Rejects("P2 2 x 9\n"u8.ToArray()).Message, Does.Contain("malformed height"));
        Assert.That(Rejects("P2 2 2 0\n"u8.ToArray()).Message, Does.Contain("maximum value 0"));
        Assert.That(Rejects("P6 1 1 255\n\0\0\0"u8.ToArray()).Message, Does.Contain("P6 (PBM/PPM)"));
        Assert.That(Rejects("TIFF, not yet"u8.ToArray()).Message, Does.Contain("neither a PNG, JPEG, BMP, GIF, WebP nor a PGM"));
    }

    [Test]
    public void AbsurdSizesCostNoMemory()
    {
        byte[] claim = [.. "P5 8000 8000 65535\n"u8, .. new byte[100]];
        Assert.Throws<DataFormatException>(() => ImageFile.Decode(claim, "x.pgm"));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(Rejects(claim).Message, Does.Contain("needs 128,000,000 bytes"));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1 << 20));

        Assert.That(Rejects("P2 99999999999 1 255\n"u8.ToArray()).Message, Does.Contain("absurd width"));
        Assert.That(Rejects("P2 40000 2 255\n"u8.ToArray()).Message, Does.Contain("40,000 x 2"));
    }
}
