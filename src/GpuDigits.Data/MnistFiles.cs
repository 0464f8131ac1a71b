namespace GpuDigits.Data;

/// <summary>The four MNIST files, with the lengths and SHA-256 digests of the raw (uncompressed) files.</summary>
public static class MnistFiles
{
    public static MnistFileSpec TrainImages { get; } = new("train-images-idx3-ubyte", 47_040_016,
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db");

    public static MnistFileSpec TrainLabels { get; } = new("train-labels-idx1-ubyte", 60_008,
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5");

    public static MnistFileSpec TestImages { get; } = new("t10k-images-idx3-ubyte", 7_840_016,
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7");

    public static MnistFileSpec TestLabels { get; } = new("t10k-labels-idx1-ubyte", 10_008,
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2");

    /// <summary>All four, training files first.</summary>
    public static IReadOnlyList<MnistFileSpec> All { get; } = [TrainImages, TrainLabels, TestImages, TestLabels];

    /// <summary>Every path in <paramref name="folder"/> that the data may be read from: each file raw and as .gz.</summary>
    public static IEnumerable<string> PathsIn(string folder) =>
        All.SelectMany(f => new[] { Path.Combine(folder, f.Name), Path.Combine(folder, f.Name + ".gz") });
}
