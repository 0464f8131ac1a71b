namespace GpuDigits.Data;

/// <summary>The content of an IDX image file: <paramref name="Count"/> images of Rows x Cols bytes, row-major.</summary>
/// <param name="Count">Number of images (the first IDX dimension).</param>
/// <param name="Rows">Image height in pixels.</param>
/// <param name="Cols">Image width in pixels.</param>
/// <param name="Pixels">Count * Rows * Cols bytes, image after image.</param>
public sealed record IdxImages(int Count, int Rows, int Cols, byte[] Pixels);
