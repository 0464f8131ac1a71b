namespace GpuDigits.Data;

/// <summary>MNIST: the training split (60,000 images) and the test split (10,000 images), 28 x 28 each.</summary>
public sealed record MnistDataset(MnistSplit Train, MnistSplit Test)
{
    /// <summary>Height and width of an MNIST image.</summary>
    public const int ImageSide = 28;

    /// <summary>
    /// Reads the four files named in <see cref="MnistFiles"/> from <paramref name="directory"/> (as they are: no
    /// fetching and no hash check; see <see cref="MnistFetcher"/> for that). Images must be 28 x 28.
    /// </summary>
    public static MnistDataset Load(string directory)
    {
        var train = LoadSplit(directory, MnistFiles.TrainImages, MnistFiles.TrainLabels);
        var test = LoadSplit(directory, MnistFiles.TestImages, MnistFiles.TestLabels);
        return new MnistDataset(train, test);
    }

    /// <summary>Reads only the test split (the 10,000 images and labels) from <paramref name="directory"/>, as <see cref="Load"/> does.</summary>
    public static MnistSplit LoadTest(string directory) => LoadSplit(directory, MnistFiles.TestImages, MnistFiles.TestLabels);

    /// <summary>Makes sure the files are in the data folder (fetching them if needed), then loads them.</summary>
    public static async Task<MnistDataset> LoadAsync(string? dataDir, IProgress<string>? progress = null,
        CancellationToken cancellation = default)
    {
        var folder = await new MnistFetcher().EnsureAsync(dataDir, progress, cancellation).ConfigureAwait(false);
        return Load(folder);
    }

    private static MnistSplit LoadSplit(string directory, MnistFileSpec images, MnistFileSpec labels)
    {
        string imagesPath = Path.Combine(directory, images.Name);
        string labelsPath = Path.Combine(directory, labels.Name);
        foreach (var path in new[] { imagesPath, labelsPath })
            if (!File.Exists(path))
                throw new DataUnavailableException($"{path} does not exist. {DataUnavailableException.Advice}");
        var split = MnistSplit.Load(imagesPath, labelsPath);
        if (split.Rows != ImageSide || split.Cols != ImageSide)
            throw new DataFormatException(imagesPath,
                $"holds {split.Rows} x {split.Cols} images; MNIST images are {ImageSide} x {ImageSide}");
        return split;
    }
}
