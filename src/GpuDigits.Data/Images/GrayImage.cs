namespace GpuDigits.Data.Images;

/// <summary>
/// An 8-bit grayscale picture as read from a file: <see cref="Width"/> x <see cref="Height"/> bytes, row-major, with
/// the file's own brightness (0 = black, 255 = white). See <see cref="MnistPreprocessor"/> for MNIST's convention,
/// where 255 is ink.
/// </summary>
public sealed class GrayImage
{
    /// <summary>The longest side a reader accepts.</summary>
    public const int MaxSide = 32768;

    /// <summary>The most pixels a reader accepts (64 Mi, e.g. 8192 x 8192).</summary>
    public const long MaxPixels = 64L << 20;

    public GrayImage(int width, int height, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if ((long)width * height != pixels.Length)
            throw new ArgumentException($"A {width} x {height} image has {(long)width * height} pixels, got {pixels.Length}.", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Width * Height brightness values, row-major.</summary>
    public byte[] Pixels { get; }

    public byte this[int x, int y] => Pixels[y * Width + x];

    /// <summary>
    /// Throws <see cref="DataFormatException"/> unless a <paramref name="width"/> x <paramref name="height"/> image is
    /// within <see cref="MaxSide"/> and <see cref="MaxPixels"/>.
    /// </summary>
    internal static void CheckSize(string name, long width, long height)
    {
        if (width < 1 || height < 1)
            throw new DataFormatException(name, $"declares an empty image ({width} x {height})");
        if (width > MaxSide || height > MaxSide || width * height > MaxPixels)
            throw new DataFormatException(name,
                $"declares a {width:N0} x {height:N0} image; at most {MaxSide:N0} pixels a side and {MaxPixels:N0} pixels are supported");
    }
}
