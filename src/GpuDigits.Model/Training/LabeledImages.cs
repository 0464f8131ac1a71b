namespace GpuDigits.Model.Training;

/// <summary>Images as raw bytes (Count x Features, row-major) with one class label byte each.</summary>
public sealed record LabeledImages(byte[] Pixels, byte[] Labels, int Count, int Features)
{
    public LabeledImages Validate(int classes)
    {
        if (Count < 1) throw new ArgumentException("The data set holds no samples.");
        if ((long)Count * Features != Pixels.Length)
            throw new ArgumentException($"{Count} samples of {Features} features need {(long)Count * Features} bytes, got {Pixels.Length}.");
        if (Labels.Length != Count)
            throw new ArgumentException($"{Count} samples but {Labels.Length} labels.");
        foreach (var l in Labels)
            if (l >= classes) throw new ArgumentException($"Label {l} is outside 0..{classes - 1}.");
        return this;
    }

    /// <summary>The first <paramref name="count"/> samples (or all, if fewer).</summary>
    public LabeledImages Take(int count)
    {
        count = Math.Min(count, Count);
        return new LabeledImages(Pixels.AsSpan(0, count * Features).ToArray(), Labels.AsSpan(0, count).ToArray(), count, Features);
    }
}

/// <summary>Pixel standardization: x = (byte / 255 - Mean) / Std, with Mean and Std of the training pixels.</summary>
public readonly record struct PixelNormalization(float Mean, float Std)
{
    public float InvStd => 1f / Std;

    /// <summary>Population mean and std of bytes / 255, computed exactly through a 256-bin histogram.</summary>
    public static PixelNormalization FromPixels(ReadOnlySpan<byte> pixels)
    {
        if (pixels.IsEmpty) return new PixelNormalization(0f, 1f);
        Span<long> histogram = stackalloc long[256];
        foreach (var b in pixels) histogram[b]++;
        double sum = 0, sumSq = 0;
        for (int v = 0; v < 256; v++)
        {
            double x = v / 255.0;
            sum += histogram[v] * x;
            sumSq += histogram[v] * x * x;
        }
        double mean = sum / pixels.Length;
        double variance = Math.Max(sumSq / pixels.Length - mean * mean, 0);
        double std = Math.Sqrt(variance);
        return new PixelNormalization((float)mean, std > 1e-12 ? (float)std : 1f);
    }
}
