using GpuDigits.Data;

namespace GpuDigits.Tests.Data;

/// <summary>Writes data folders of one's own (the four IDX files, and a classes.txt when given) for tests.</summary>
internal static class OwnDataFolder
{
    /// <summary>The four files from these splits (gzip when <paramref name="gzip"/>), and <paramref name="names"/> as classes.txt.</summary>
    public static string Write(string folder, MnistSplit train, MnistSplit test, IReadOnlyList<string>? names = null, bool gzip = false)
    {
        Directory.CreateDirectory(folder);
        void Put(MnistFileSpec file, byte[] bytes) =>
            File.WriteAllBytes(Path.Combine(folder, file.Name + (gzip ? ".gz" : "")), gzip ? IdxBytes.Gzip(bytes) : bytes);
        Put(MnistFiles.TrainImages, IdxBytes.Images(train.Count, train.Rows, train.Cols, train.Images));
        Put(MnistFiles.TrainLabels, IdxBytes.Labels(train.Labels));
        Put(MnistFiles.TestImages, IdxBytes.Images(test.Count, test.Rows, test.Cols, test.Images));
        Put(MnistFiles.TestLabels, IdxBytes.Labels(test.Labels));
        if (names is not null) File.WriteAllLines(Path.Combine(folder, FolderDataSet.ClassesFileName), names);
        return folder;
    }

    /// <summary>
    /// The first <paramref name="count"/> images of <paramref name="split"/> whose digit is one of <paramref name="digits"/>,
    /// labeled by its position in that list (a three-class set of real pictures).
    /// </summary>
    public static MnistSplit Digits(MnistSplit split, int[] digits, int count)
    {
        var picked = Enumerable.Range(0, split.Count).Where(i => digits.Contains(split.Labels[i])).Take(count).ToArray();
        var pixels = picked.SelectMany(i => split.Image(i).ToArray()).ToArray();
        var labels = picked.Select(i => (byte)Array.IndexOf(digits, (int)split.Labels[i])).ToArray();
        return new MnistSplit(pixels, labels, picked.Length, split.Rows, split.Cols);
    }

    /// <summary>
    /// <paramref name="count"/> noisy 28 x 28 pictures in <paramref name="classes"/> classes: class c is a bright
    /// horizontal bar at row 2 + 24c / classes with faint noise around it (easy to learn, any number of classes).
    /// </summary>
    public static MnistSplit Bars(int classes, int count, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[count * 784];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            int c = i % classes;
            labels[i] = (byte)c;
            var image = pixels.AsSpan(i * 784, 784);
            for (int p = 0; p < 784; p++) image[p] = (byte)random.Next(40);
            int row = 2 + 24 * c / classes, from = random.Next(2, 8), to = random.Next(20, 26);
            for (int x = from; x < to; x++) image[row * 28 + x] = 255;
        }
        return new MnistSplit(pixels, labels, count, 28, 28);
    }
}
