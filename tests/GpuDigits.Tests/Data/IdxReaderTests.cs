using GpuDigits.Data;
using NUnit.Framework;

namespace GpuDigits.Tests.Data;

public class IdxReaderTests
{
    private TempFolder _temp = null!;

    [SetUp] public void CreateFolder() => _temp = new TempFolder();
    [TearDown] public void DeleteFolder() => _temp.Dispose();

    private string Write(string name, byte[] content, bool gzip) => _temp.Write(name, gzip ? IdxBytes.Gzip(content) : content);

    [TestCase(false)]
    [TestCase(true)]
    public void ReadsImages(bool gzip)
    {
        var pixels = IdxBytes.Noise(3 * 2 * 4, seed: 1);
        var images = IdxReader.ReadImages(Write("images", IdxBytes.Images(3, 2, 4, pixels), gzip));
        Assert.That((images.Count, images.Rows, images.Cols), Is.EqualTo((3, 2, 4)));
        Assert.That(images.Pixels, Is.EqualTo(pixels));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void ReadsLabels(bool gzip)
    {
        byte[] values = [7, 0, 9, 3, 3];
        var labels = IdxReader.ReadLabels(Write("labels", IdxBytes.Labels(values), gzip));
        Assert.That(labels.Labels, Is.EqualTo(values));
        Assert.That(labels.Count, Is.EqualTo(5));
    }

    [Test]
    public void ABadGzipTrailerIsReportedAsDamagedNotAsAnUnsupportedMethod()
    {
        var gz = IdxBytes.Gzip(IdxBytes.Labels([1, 2, 3, 4]));
        gz[^8] ^= 0xFF; // the CRC-32 of the trailer
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(_temp.Write("bad-crc", gz)))!;
        Assert.That(e.Message, Does.Contain("damaged").And.Not.Contain("unsupported compression method"));
    }

    [Test]
    public void GzipIsRecognizedByContentNotByName()
    {
        var pixels = IdxBytes.Noise(2 * 3 * 3, seed: 2);
        var content = IdxBytes.Images(2, 3, 3, pixels);
        string rawNamedGz = _temp.Write("raw.gz", content);
        string gzNamedRaw = _temp.Write("compressed-idx3-ubyte", IdxBytes.Gzip(content));
        Assert.That(IdxReader.ReadImages(rawNamedGz).Pixels, Is.EqualTo(pixels));
        Assert.That(IdxReader.ReadImages(gzNamedRaw).Pixels, Is.EqualTo(pixels));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void ReadsFromAStreamThatCannotSeek(bool gzip)
    {
        var pixels = IdxBytes.Noise(200_000, seed: 3);
        var content = IdxBytes.Images(2, 500, 200, pixels);
        using var stream = new NonSeekableStream(new MemoryStream(gzip ? IdxBytes.Gzip(content) : content));
        var images = IdxReader.ReadImages(stream, "piped");
        Assert.That(images.Pixels, Is.EqualTo(pixels));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void TruncatedDataIsRefused(bool gzip)
    {
        var content = IdxBytes.Images(4, 2, 2, IdxBytes.Noise(4 * 2 * 2, seed: 4));
        string path = Write("short-images", content[..^3], gzip);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.That(e!.Message, Does.StartWith(path + ":").And.Contain("truncated").And.Contain("4 x 2 x 2"));
    }

    [TestCase(0)]
    [TestCase(2)]
    [TestCase(9)]
    public void TruncatedHeaderIsRefused(int length)
    {
        var content = IdxBytes.Header(IdxBytes.ImagesMagic, 1, 1, 1)[..length];
        string path = _temp.Write("stub", content);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.That(e!.Message, Does.StartWith(path + ":").And.Contain("truncated"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void TrailingGarbageIsRefused(bool gzip)
    {
        string path = Write("long-labels", [.. IdxBytes.Labels([1, 2, 3]), 0xAA, 0xBB], gzip);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));
        Assert.That(e!.Message, Does.StartWith(path + ":").And.Contain("trailing garbage"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void LabelFileReadAsImagesNamesBothMagicNumbers(bool gzip)
    {
        string path = Write("labels", IdxBytes.Labels([1, 2, 3]), gzip);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.That(e!.Message, Does.Contain("expected magic 0x00000803, got 0x00000801").And.Contain("1 dimensions"));
    }

    [Test]
    public void FileThatIsNotIdxIsRefused()
    {
        string path = _temp.Write("readme.txt", "hello, world\n"u8.ToArray());
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));
        Assert.That(e!.Message, Is.EqualTo($"{path}: is not an IDX file: expected magic 0x00000801, got 0x68656C6C"));
    }

    [Test]
    public void NonByteDataTypeIsRefused()
    {
        string path = _temp.Write("floats", [.. IdxBytes.Header(0x00000D01, 1), 0, 0, 0, 0]);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));
        Assert.That(e!.Message, Does.Contain("type 0x0D").And.Contain("got 0x00000D01"));
    }

    [TestCase(0u, 28u, 28u)]
    [TestCase(5u, 0u, 28u)]
    public void ZeroDimensionIsRefused(uint count, uint rows, uint cols)
    {
        string path = _temp.Write("empty", IdxBytes.Header(IdxBytes.ImagesMagic, count, rows, cols));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.That(e!.Message, Does.Contain("as 0"));
    }

    [Test]
    public void CorruptGzipIsRefused()
    {
        string path = _temp.Write("broken.gz", [0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0, 0, 1, 2, 3, 4, 5, 6]);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.That(e!.Message, Does.StartWith(path + ":").And.Contain("gzip"));
    }

    // 2^31 images: no array can hold them.
    [TestCase(false, 0x8000_0000u, 28u, "absurd")]
    [TestCase(true, 0x8000_0000u, 28u, "absurd")]
    // 1,000,000 images of 28 x 28 = 784 MB, declared by a file of a few dozen bytes.
    [TestCase(false, 1_000_000u, 28u, "truncated")]
    [TestCase(true, 1_000_000u, 28u, "more than its gzip data can hold")]
    // 2^31 - 1 images of 1 x 1: more than an array can hold.
    [TestCase(false, 0x7FFF_FFFFu, 1u, "absurd")]
    // 2,000,000,000 images of 1 x 1: an array could hold them, this file cannot.
    [TestCase(false, 2_000_000_000u, 1u, "truncated")]
    [TestCase(true, 2_000_000_000u, 1u, "more than its gzip data can hold")]
    public void AbsurdDeclaredSizeIsRefusedWithoutAllocatingIt(bool gzip, uint count, uint side, string problem)
    {
        string path = Write("absurd", [.. IdxBytes.Header(IdxBytes.ImagesMagic, count, side, side), .. new byte[100]], gzip);
        Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path)); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(e!.Message, Does.StartWith(path + ":").And.Contain(problem));
        Assert.That(allocated, Is.LessThan(1 << 20));
    }

    [Test]
    public void GzipBufferGrowsOnlyWithTheDataThatArrives()
    {
        // 200 KB of incompressible data behind a header that declares 100 MB: the declared size is within what the
        // compressed length could expand to, so only reading finds the file short, after allocating about 256 KB.
        var content = IdxBytes.Images(100, 1000, 1000, IdxBytes.Noise(200_000, seed: 5));
        string path = _temp.Write("big-claim.gz", IdxBytes.Gzip(content));
        Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path)); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(e!.Message, Does.Contain("truncated").And.Contain("only 200,000 follow"));
        Assert.That(allocated, Is.LessThan(1 << 20));
    }
}
