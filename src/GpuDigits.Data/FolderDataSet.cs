using System.Globalization;
using System.Text;

namespace GpuDigits.Data;

/// <summary>
/// A data set of one's own: a folder holding the four IDX files under MNIST's names (raw or <c>NAME.gz</c>) with
/// 28 x 28 images and up to 256 classes, and optionally <see cref="ClassesFileName"/>, one class name per line in
/// label order. The files are read as they are (no hashes: nothing is known about them beforehand), but every check
/// of the format still applies. Without names the class count is one more than the highest label; with names it is
/// the number of names, and the labels must use exactly those classes.
/// </summary>
public static class FolderDataSet
{
    /// <summary>The optional file of class names in a data folder of one's own.</summary>
    public const string ClassesFileName = "classes.txt";

    /// <summary>Most classes a data set may have (a label is one byte).</summary>
    public const int MaxClasses = 256;

    /// <summary>Longest class name, in characters.</summary>
    public const int MaxNameLength = 64;

    private const int MaxClassesFileBytes = 64 * 1024;

    /// <summary>The four files, by name (their length and hash are unknown, so empty).</summary>
    public static IReadOnlyList<MnistFileSpec> Files { get; } = [.. MnistFiles.All.Select(f => f with { Length = 0, Sha256 = "" })];

    /// <summary>What a data folder of one's own must hold, in one sentence.</summary>
    public static string HowToGet { get; } =
        $"A data folder of one's own holds {string.Join(", ", MnistFiles.All.Select(f => f.Name))} (raw or .gz, 28 x 28 images, " +
        $"labels 0 to at most {MaxClasses - 1}) and optionally {ClassesFileName}, one class name per line.";

    /// <summary>Whether <paramref name="folder"/> holds a <see cref="ClassesFileName"/> (which makes it a data set of one's own).</summary>
    public static bool HasClassesFile(string folder) => File.Exists(Path.Combine(folder, ClassesFileName));

    /// <summary>Both splits of the data set in <paramref name="folder"/>, with its classes (see the class summary).</summary>
    public static (DataSet Set, MnistDataset Data) Load(string folder)
    {
        var names = ReadNames(folder);
        var train = ReadSplit(folder, MnistFiles.TrainImages, MnistFiles.TrainLabels, names);
        var test = ReadSplit(folder, MnistFiles.TestImages, MnistFiles.TestLabels, names);
        int highest = Math.Max(Highest(train), Highest(test));
        string labelsPath = PathOf(folder, MnistFiles.TrainLabels);
        if (names is not null && names.Count != highest + 1)
            throw new DataFormatException(Path.Combine(folder, ClassesFileName),
                $"names {Phrase.Count(names.Count, "class", "classes")} but the labels use classes 0..{highest} ({highest + 1}); give one name per class, in label order");
        if (highest < 1)
            throw new DataFormatException(labelsPath, "holds only label 0: a classifier needs at least two classes");
        return (Set(folder, names ?? Numbers(highest + 1)), new MnistDataset(train, test));
    }

    /// <summary>
    /// Only the test split of the data set in <paramref name="folder"/>. With names, its labels must be among them;
    /// without, its classes are 0 to its highest label (a test split need not hold every class).
    /// </summary>
    public static (DataSet Set, MnistSplit Test) LoadTest(string folder)
    {
        var names = ReadNames(folder);
        var test = ReadSplit(folder, MnistFiles.TestImages, MnistFiles.TestLabels, names);
        return (Set(folder, names ?? Numbers(Highest(test) + 1)), test);
    }

    /// <summary>The class names of <see cref="ClassesFileName"/> in <paramref name="folder"/>, or null when there is none.</summary>
    public static IReadOnlyList<string>? ReadNames(string folder)
    {
        string path = Path.Combine(folder, ClassesFileName);
        if (!File.Exists(path)) return null;
        byte[] bytes;
        using (var stream = File.OpenRead(path))
        {
            if (stream.Length > MaxClassesFileBytes)
                throw new DataFormatException(path, $"is {stream.Length:N0} bytes; a list of at most {MaxClasses} names needs no more than {MaxClassesFileBytes:N0}");
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            throw new DataFormatException(path, "is not UTF-8 text");
        }
        var lines = text.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        var names = new List<string>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < lines.Length; i++)
        {
            string name = lines[i].Trim();
            string where = $"line {i + 1} (class {i})";
            if (name.Length == 0) throw new DataFormatException(path, $"{where} is empty; give one name per class, in label order");
            if (name.Length > MaxNameLength) throw new DataFormatException(path, $"{where} is {name.Length} characters long; at most {MaxNameLength}");
            if (name.Any(char.IsControl)) throw new DataFormatException(path, $"{where} holds a control character");
            if (seen.TryGetValue(name, out int first)) throw new DataFormatException(path, $"{where} repeats the name '{name}' of class {first}");
            if (names.Count == MaxClasses) throw new DataFormatException(path, $"names more than {MaxClasses} classes (labels are bytes)");
            seen[name] = i;
            names.Add(name);
        }
        if (names.Count < 2) throw new DataFormatException(path, $"names {Phrase.Count(names.Count, "class", "classes")}; a classifier needs at least two");
        return names;
    }

    private static DataSet Set(string folder, IReadOnlyList<string> names)
    {
        string title = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        return DataSet.Folder(title.Length > 0 ? title : folder, names);
    }

    private static string[] Numbers(int count) =>
        [.. Enumerable.Range(0, count).Select(c => c.ToString(CultureInfo.InvariantCulture))];

    private static int Highest(MnistSplit split) => split.Count == 0 ? 0 : split.Labels.Max();

    /// <summary>The raw file if there is one, else its .gz copy; neither is a <see cref="DataUnavailableException"/>.</summary>
    private static string PathOf(string folder, MnistFileSpec file)
    {
        string raw = Path.Combine(folder, file.Name);
        if (File.Exists(raw)) return raw;
        if (File.Exists(raw + ".gz")) return raw + ".gz";
        throw new DataUnavailableException($"{folder} holds neither {file.Name} nor {file.Name}.gz. {HowToGet}");
    }

    private static MnistSplit ReadSplit(string folder, MnistFileSpec images, MnistFileSpec labels, IReadOnlyList<string>? names)
    {
        string imagesPath = PathOf(folder, images), labelsPath = PathOf(folder, labels);
        var split = MnistSplit.Load(imagesPath, labelsPath, MaxClasses);
        if (split.Rows != MnistDataset.ImageSide || split.Cols != MnistDataset.ImageSide)
            throw new DataFormatException(imagesPath,
                $"holds {split.Rows} x {split.Cols} images; the networks take {MnistDataset.ImageSide} x {MnistDataset.ImageSide}");
        if (names is not null && Array.FindIndex(split.Labels, l => l >= names.Count) is var bad and >= 0)
            throw new DataFormatException(labelsPath,
                $"holds label {split.Labels[bad]} at index {bad:N0}, but {ClassesFileName} names only classes 0..{names.Count - 1}");
        return split;
    }
}
