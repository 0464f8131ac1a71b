using GpuDigits.Files;

namespace GpuDigits.Data.Images;

/// <summary>
/// Reads a picture file as grayscale, choosing the reader by the file's first bytes: PNG, JPEG, BMP, GIF and WebP
/// through SkiaSharp, PGM (P2, P5) with our reader.
/// </summary>
public static class ImageFile
{
    /// <summary>The largest image file read (64 MiB).</summary>
    public const long MaxFileBytes = 64L << 20;

    public static GrayImage Read(string path)
    {
        var bytes = ReadBytes(path);
        return Decode(bytes, path);
    }

    public static GrayImage Decode(ReadOnlySpan<byte> bytes, string name)
    {
        if (PgmReader.HasMagic(bytes)) return PgmReader.Decode(bytes, name);
        if (SkiaImageReader.Format(bytes) is not null) return SkiaImageReader.Decode(bytes, name);
        if (bytes.Length >= 2 && bytes[0] == 'P' && bytes[1] is (byte)'1' or (byte)'3' or (byte)'4' or (byte)'6')
            throw new DataFormatException(name,
                $"is a P{(char)bytes[1]} (PBM/PPM) file; PNG, JPEG, BMP, GIF, WebP and PGM (P2, P5) images are supported");
        throw new DataFormatException(name, "is neither a PNG, JPEG, BMP, GIF, WebP nor a PGM (P2, P5) image");
    }

    internal static byte[] ReadBytes(string path)
    {
        FileKind.RequireRegular(path, "Image file"); // a folder, FIFO or device: refused before it is opened
        using var file = File.OpenRead(path);
        if (file.Length > MaxFileBytes)
            throw new DataFormatException(path, $"is {file.Length:N0} bytes; image files of at most {MaxFileBytes:N0} bytes are read");
        var bytes = new byte[file.Length];
        file.ReadExactly(bytes);
        return bytes;
    }
}
