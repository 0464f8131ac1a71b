using System.IO.Compression;
using GpuDigits.Data;
using GpuDigits.Model;

namespace GpuDigits.Tools.Fuzzing;

/// <summary>Small valid MNIST-shaped IDX files: 20 images of 28 x 28 and their 20 labels.</summary>
internal static class IdxSamples
{
    public const int Count = 20;
    public const int Side = 28;

    public static byte[] Images { get; } = BuildImages();
    public static byte[] Labels { get; } = BuildLabels();

    private static byte[] BuildImages()
    {
        var r = new SeededRandom(20);
        var bytes = new byte[16 + Count * Side * Side];
        Header(bytes, 0x00000803, Count, Side, Side);
        // Mostly background with strokes of ink, like the real images (and as compressible).
        for (int i = 16; i < bytes.Length; i++) bytes[i] = r.NextInt(5) == 0 ? (byte)(128 + r.NextInt(128)) : (byte)0;
        return bytes;
    }

    private static byte[] BuildLabels()
    {
        var bytes = new byte[8 + Count];
        Header(bytes, 0x00000801, Count);
        for (int i = 0; i < Count; i++) bytes[8 + i] = (byte)(i % 10);
        return bytes;
    }

    public static void Header(byte[] bytes, uint magic, params int[] dims)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        for (int i = 0; i < dims.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * i), (uint)dims[i]);
    }

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(data);
        return output.ToArray();
    }

    /// <summary>Parses <paramref name="bytes"/> as an image file (variant bit 0 clear) or a label file, seekable (bit 1 clear) or not.</summary>
    public static void Read(byte[] bytes, int variant, string name)
    {
        Stream stream = new MemoryStream(bytes, writable: false);
        if ((variant & 2) != 0) stream = new ForwardOnlyStream(stream);
        using (stream)
        {
            if ((variant & 1) == 0) IdxReader.ReadImages(stream, name);
            else IdxReader.ReadLabels(stream, name);
        }
    }

    /// <summary>Variant bits: 1 = read as labels, 2 = through a stream that cannot seek (no length known).</summary>
    public static int PickVariant(SeededRandom r, bool isLabels)
    {
        bool asLabels = r.NextInt(5) == 0 ? !isLabels : isLabels; // now and then the wrong reader
        return (asLabels ? 1 : 0) | (r.NextInt(2) == 0 ? 2 : 0);
    }
}

/// <summary>Raw IDX files through <see cref="IdxReader"/>: memory bounded by the input's length.</summary>
public sealed class IdxFuzzTarget : FuzzTarget
{
    public override string Name => "idx";

    public override FuzzInput Generate(SeededRandom random)
    {
        bool labels = random.NextInt(3) == 0;
        var seed = labels ? IdxSamples.Labels : IdxSamples.Images;
        var bytes = Mutator.Mutate(seed, random, labels ? 8 : 16, bigEndian: true, out var how);
        int variant = IdxSamples.PickVariant(random, labels);
        return new FuzzInput(bytes, $"{(labels ? "labels" : "images")}: {how}", variant);
    }

    public override void Parse(FuzzInput input) => IdxSamples.Read(input.Bytes, input.Variant, "fuzz.idx");

    public override bool IsExpected(Exception e) => e is DataFormatException;

    public override long AllocationBound(FuzzInput input) => FixedAllowance + 4L * input.Bytes.Length;
}

/// <summary>
/// Gzip-compressed IDX files: damaged gzip streams, valid gzip around damaged IDX content, and small gzip files that
/// expand a lot. Memory is bounded by what the gzip data really decompresses to (never more than deflate's 1032:1).
/// </summary>
public sealed class GzipIdxFuzzTarget : FuzzTarget
{
    private static readonly byte[] GzImages = IdxSamples.Gzip(IdxSamples.Images);
    private static readonly byte[] GzLabels = IdxSamples.Gzip(IdxSamples.Labels);
    private static readonly Lazy<byte[][]> Bombs = new(BuildBombs);

    public override string Name => "gz";

    public override FuzzInput Generate(SeededRandom random)
    {
        bool labels = random.NextInt(3) == 0;
        int mode = random.NextInt(10);
        byte[] bytes;
        string how;
        if (mode < 5)
        {
            bytes = Mutator.Mutate(labels ? GzLabels : GzImages, random, 24, bigEndian: false, out how);
            how = "gzip bytes: " + how;
        }
        else if (mode < 9)
        {
            var idx = Mutator.Mutate(labels ? IdxSamples.Labels : IdxSamples.Images, random, labels ? 8 : 16, bigEndian: true, out how);
            bytes = IdxSamples.Gzip(idx);
            how = "content: " + how;
        }
        else
        {
            int which = random.NextInt(Bombs.Value.Length);
            labels = false;
            bytes = random.NextInt(2) == 0 ? Bombs.Value[which] : Mutator.Mutate(Bombs.Value[which], random, 24, bigEndian: false, out how);
            how = $"expanding gzip {which}";
        }
        int variant = IdxSamples.PickVariant(random, labels);
        return new FuzzInput(bytes, $"{(labels ? "labels" : "images")} {how}", variant, DecompressedLength(bytes));
    }

    public override void Parse(FuzzInput input) => IdxSamples.Read(input.Bytes, input.Variant, "fuzz.idx.gz");

    public override bool IsExpected(Exception e) => e is DataFormatException;

    /// <summary>The managed buffer a <see cref="GZipStream"/> reads compressed data through, whatever the input's size.</summary>
    public const long DecompressorBuffer = 64 * 1024;

    /// <summary>
    /// The decompressor's own buffer, plus four times what the input holds: its own bytes and the bytes its gzip data
    /// decompresses to (at most 1032 times its length).
    /// </summary>
    public override long AllocationBound(FuzzInput input) =>
        FixedAllowance + DecompressorBuffer + 4L * (input.Bytes.Length + input.ContentLength);

    /// <summary>How many bytes the gzip data decompresses to before it ends or breaks (0 if it is not gzip).</summary>
    public static long DecompressedLength(byte[] bytes)
    {
        if (bytes.Length < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b) return 0;
        long total = 0, cap = 1032L * bytes.Length + 1;
        var buffer = new byte[16 * 1024];
        try
        {
            using var gzip = new GZipStream(new MemoryStream(bytes, writable: false), CompressionMode.Decompress);
            int n;
            while (total < cap && (n = gzip.Read(buffer)) > 0) total += n;
        }
        catch (InvalidDataException) { }
        return total;
    }

    /// <summary>Files of zeros (about 1000:1 compressible) under honest and lying IDX headers.</summary>
    private static byte[][] BuildBombs()
    {
        byte[] Image(int declaredCount, int actualCount)
        {
            var bytes = new byte[16 + actualCount * 784];
            IdxSamples.Header(bytes, 0x00000803, declaredCount, 28, 28);
            return IdxSamples.Gzip(bytes);
        }
        return [Image(1000, 1000), Image(5000, 1000), Image(int.MaxValue, 1000), Image(1000, 2)];
    }
}

/// <summary>A read-only stream that hides its length and cannot seek (a pipe, a download).</summary>
internal sealed class ForwardOnlyStream(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => inner.Read(buffer);
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
