namespace GpuDigits.Data;

/// <summary>
/// Pixel standardization statistics: the population mean and standard deviation of the training pixels scaled to
/// [0, 1]. A pixel byte p becomes (p / 255 - Mean) / Std.
/// </summary>
public sealed record Normalization(double Mean, double Std)
{
    /// <summary>
    /// Computes the statistics of <paramref name="pixels"/> exactly: a 256-bin histogram gives integer sums of p and
    /// p^2, and the variance numerator N * sum(p^2) - sum(p)^2 is formed in 128-bit integers before one division.
    /// </summary>
    public static Normalization FromImages(ReadOnlySpan<byte> pixels)
    {
        if (pixels.IsEmpty) throw new ArgumentException("Cannot compute pixel statistics of no pixels.", nameof(pixels));
        Span<long> histogram = stackalloc long[256];
        histogram.Clear();
        foreach (byte p in pixels) histogram[p]++;

        Int128 sum = 0, sumSquares = 0;
        for (int v = 1; v < 256; v++)
        {
            sum += (Int128)histogram[v] * v;
            sumSquares += (Int128)histogram[v] * (v * v);
        }
        Int128 n = pixels.Length;
        double scale = 255.0 * 255.0;
        double mean = (double)sum / ((double)n * 255.0);
        double variance = (double)(n * sumSquares - sum * sum) / ((double)(n * n) * scale);
        return new Normalization(mean, Math.Sqrt(variance));
    }

    /// <summary>The standardized value of pixel byte <paramref name="pixel"/>.</summary>
    public float Apply(byte pixel) => (float)((pixel / 255.0 - Mean) / Std);
}
