namespace GpuDigits.Data;

/// <summary>
/// One part of MNIST (training or test): <see cref="Count"/> images of Rows x Cols bytes, row-major and image
/// after image in <see cref="Images"/>, and one label 0-9 per image in <see cref="Labels"/>.
/// </summary>
public sealed class MnistSplit
{
    /// <summary>Number of classes (digits 0-9); every label is below it.</summary>
    public const int Classes = 10;

    /// <summary>Images in MNIST's training split.</summary>
    public const int TrainImages = 60_000;

    public MnistSplit(byte[] images, byte[] labels, int count, int rows, int cols)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        if ((long)count * rows * cols != images.Length)
            throw new ArgumentException($"{count} images of {rows} x {cols} need {(long)count * rows * cols} bytes, got {images.Length}.", nameof(images));
        if (labels.Length != count)
            throw new ArgumentException($"{Phrase.Count(count, "image")} need {Phrase.Count(count, "label")}, got {labels.Length}.", nameof(labels));
        Images = images;
        Labels = labels;
        Count = count;
        Rows = rows;
        Cols = cols;
    }

    /// <summary>Count * Features pixel bytes (0 = background, 255 = ink).</summary>
    public byte[] Images { get; }

    /// <summary>Count labels, each in 0..9.</summary>
    public byte[] Labels { get; }

    public int Count { get; }
    public int Rows { get; }
    public int Cols { get; }

    /// <summary>Pixels per image, Rows * Cols.</summary>
    public int Features => Rows * Cols;

    /// <summary>The pixels of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Image(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Images.AsSpan(index * Features, Features);
    }

    /// <summary>A copy of the first <paramref name="count"/> samples (0 &lt;= count &lt;= Count).</summary>
    public MnistSplit Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        return new MnistSplit(Images.AsSpan(0, count * Features).ToArray(), Labels.AsSpan(0, count).ToArray(),
            count, Rows, Cols);
    }

    /// <summary>
    /// Reads an image file and its label file (raw or gzip IDX) and checks that they belong together: the same
    /// number of samples, and every label below <paramref name="classes"/> (MNIST's ten unless told otherwise).
    /// </summary>
    public static MnistSplit Load(string imagesPath, string labelsPath, int classes = Classes)
    {
        var images = IdxReader.ReadImages(imagesPath);
        var labels = IdxReader.ReadLabels(labelsPath);
        if (images.Count != labels.Count)
            throw new DataFormatException(labelsPath,
                $"holds {Phrase.Count(labels.Count, "label")} but {imagesPath} holds {Phrase.Count(images.Count, "image")}; they must match");
        int bad = Array.FindIndex(labels.Labels, l => l >= classes);
        if (bad >= 0)
            throw new DataFormatException(labelsPath,
                $"holds label {labels.Labels[bad]} at index {bad:N0}; MNIST labels are 0..{classes - 1}");
        return new MnistSplit(images.Pixels, labels.Labels, images.Count, images.Rows, images.Cols);
    }
}
