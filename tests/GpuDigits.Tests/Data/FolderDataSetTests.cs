using GpuDigits.Data;
using NUnit.Framework;

namespace GpuDigits.Tests.Data;

/// <summary>
/// A data set of one's own: the four IDX files in a folder, read as they are, with the class count from the labels
/// and the class names from an optional classes.txt that must agree with them; every problem is one line naming the file.
/// </summary>
public class FolderDataSetTests
{
    private static readonly MnistSplit Train = OwnDataFolder.Bars(12, 120, seed: 1);
    private static readonly MnistSplit Test = OwnDataFolder.Bars(12, 36, seed: 2);
    private static readonly string[] Names = [.. Enumerable.Range(0, 12).Select(c => $"bar {c}")];

    [TestCase(false)]
    [TestCase(true)]
    public void ReadsTheFilesAndTheClassNames(bool gzip)
    {
        using var temp = new TempFolder();
        var folder = OwnDataFolder.Write(temp.File("bars"), Train, Test, Names, gzip);
        var (set, data) = FolderDataSet.Load(folder);
        Assert.That((set.Name, set.Title, set.IsFolder), Is.EqualTo(("folder", "bars", true)));
        Assert.That(set.ClassNames, Is.EqualTo(Names));
        Assert.That(set.Label(11), Is.EqualTo("11 bar 11"));
        Assert.That((data.Train.Count, data.Test.Count), Is.EqualTo((120, 36)));
        Assert.That(data.Train.Labels, Is.EqualTo(Train.Labels));
        Assert.That(data.Test.Images, Is.EqualTo(Test.Images));
        Assert.That(FolderDataSet.HasClassesFile(folder), Is.True);
    }

    [Test]
    public void WithoutNamesTheClassesAreNumberedUpToTheHighestLabel()
    {
        using var temp = new TempFolder();
        var folder = OwnDataFolder.Write(temp.File("bars"), Train, Test);
        var (set, _) = FolderDataSet.Load(folder);
        Assert.That(set.ClassNames, Is.EqualTo(Enumerable.Range(0, 12).Select(c => c.ToString())));
        Assert.That((set.HasClassNames, set.ClassWord, set.Label(3)), Is.EqualTo((false, "class", "3")));
        Assert.That(FolderDataSet.HasClassesFile(folder), Is.False);
    }

    [Test]
    public void TwoHundredFiftySixClassesAreAllowed()
    {
        using var temp = new TempFolder();
        var train = OwnDataFolder.Bars(256, 512, seed: 3);
        var folder = OwnDataFolder.Write(temp.File("many"), train, OwnDataFolder.Bars(256, 256, seed: 4),
            [.. Enumerable.Range(0, 256).Select(c => $"c{c}")]);
        Assert.That(FolderDataSet.Load(folder).Set.ClassNames, Has.Count.EqualTo(256));
    }

    [Test]
    public void ALabelWithoutANameIsRefusedByFileAndIndex()
    {
        using var temp = new TempFolder();
        var folder = OwnDataFolder.Write(temp.File("bars"), Train, Test, Names[..10]);
        var e = Assert.Throws<DataFormatException>(() => FolderDataSet.Load(folder))!;
        Assert.That(e.Message, Does.Contain("train-labels-idx1-ubyte").And.Contain("label 10 at index 10")
            .And.Contain("classes.txt names only classes 0..9"));
        Assert.That(e.Message, Does.Not.Contain("\n"));
    }

    [Test]
    public void MoreNamesThanTheLabelsUseAreRefused()
    {
        using var temp = new TempFolder();
        var folder = OwnDataFolder.Write(temp.File("bars"), Train, Test, [.. Names, "spare"]);
        var e = Assert.Throws<DataFormatException>(() => FolderDataSet.Load(folder))!;
        Assert.That(e.Message, Does.Contain("classes.txt").And.Contain("names 13 classes but the labels use classes 0..11 (12)"));
    }

    [TestCase("a\n\nb\n", "line 2 (class 1) is empty")]
    [TestCase("a\nb\na\n", "line 3 (class 2) repeats the name 'a' of class 0")]
    [TestCase("only\n", "names 1 class; a classifier needs at least two")]
    [TestCase("a\nb\tc\n", "line 2 (class 1) holds a control character")]
    public void ABadClassesFileIsRefusedByLine(string text, string reason)
    {
        using var temp = new TempFolder();
        var folder = OwnDataFolder.Write(temp.File("bars"), Train, Test);
        File.WriteAllText(Path.Combine(folder, "classes.txt"), text);
        var e = Assert.Throws<DataFormatException>(() => FolderDataSet.ReadNames(folder))!;
        Assert.That(e.Message, Does.Contain("classes.txt").And.Contain(reason));
    }

    [Test]
    public void LongNamesMoreThan256NamesAndNonUtf8AreRefused()
    {
        using var temp = new TempFolder();
        var folder = OwnDataFolder.Write(temp.File("bars"), Train, Test);
        string path = Path.Combine(folder, "classes.txt");
        File.WriteAllLines(path, ["a", new string('x', 65)]);
        Assert.That(() => FolderDataSet.ReadNames(folder), Throws.TypeOf<DataFormatException>().With.Message.Contains("65 characters long; at most 64"));
        File.WriteAllLines(path, Enumerable.Range(0, 257).Select(c => $"c{c}"));
        Assert.That(() => FolderDataSet.ReadNames(folder), Throws.TypeOf<DataFormatException>().With.Message.Contains("more than 256 classes"));
        File.WriteAllBytes(path, [0x61, 0x0A, 0xFF, 0xFE, 0x0A]);
        Assert.That(() => FolderDataSet.ReadNames(folder), Throws.TypeOf<DataFormatException>().With.Message.Contains("is not UTF-8 text"));
        File.WriteAllText(path, "\uFEFFshoe\r\nboot\r\n");
        Assert.That(FolderDataSet.ReadNames(folder), Is.EqualTo(new[] { "shoe", "boot" }), "a byte-order mark and CRLF line ends are fine");
    }

    [Test]
    public void ImagesOfAnotherSizeAMissingFileAndOneClassAreRefused()
    {
        using var temp = new TempFolder();
        var small = new MnistSplit(new byte[4 * 16 * 16], [0, 1, 0, 1], 4, 16, 16);
        var folder = OwnDataFolder.Write(temp.File("small"), small, small);
        Assert.That(() => FolderDataSet.Load(folder), Throws.TypeOf<DataFormatException>().With.Message.Contains("holds 16 x 16 images; the networks take 28 x 28"));

        folder = OwnDataFolder.Write(temp.File("gone"), Train, Test);
        File.Delete(Path.Combine(folder, "t10k-labels-idx1-ubyte"));
        var e = Assert.Throws<DataUnavailableException>(() => FolderDataSet.Load(folder))!;
        Assert.That(e.Message, Does.Contain("holds neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz"));

        var zeros = new MnistSplit(new byte[2 * 784], [0, 0], 2, 28, 28);
        folder = OwnDataFolder.Write(temp.File("one"), zeros, zeros);
        Assert.That(() => FolderDataSet.Load(folder), Throws.TypeOf<DataFormatException>().With.Message.Contains("holds only label 0"));
    }

    [Test]
    public void DamagedAndMismatchedFilesAreRefusedAsForMnist()
    {
        using var temp = new TempFolder();
        var folder = OwnDataFolder.Write(temp.File("bars"), Train, Test);
        string images = Path.Combine(folder, "train-images-idx3-ubyte");
        var bytes = File.ReadAllBytes(images);
        File.WriteAllBytes(images, bytes[..^100]);
        Assert.That(() => FolderDataSet.Load(folder), Throws.TypeOf<DataFormatException>().With.Message.Contains("is truncated"));
        File.WriteAllBytes(images, IdxBytes.Images(119, 28, 28, Train.Images[..(119 * 784)]));
        Assert.That(() => FolderDataSet.Load(folder), Throws.TypeOf<DataFormatException>()
            .With.Message.Contains("holds 120 labels but").And.Message.Contains("holds 119 images"));
    }

    [Test]
    public void ATestSplitAloneNeedNotHoldEveryClass()
    {
        using var temp = new TempFolder();
        var few = OwnDataFolder.Bars(3, 9, seed: 5); // labels 0..2 of the twelve
        var folder = OwnDataFolder.Write(temp.File("bars"), Train, few, Names);
        var (set, test) = FolderDataSet.LoadTest(folder);
        Assert.That((set.ClassNames.Count, test.Count), Is.EqualTo((12, 9)));
        File.Delete(Path.Combine(folder, "classes.txt"));
        Assert.That(FolderDataSet.LoadTest(folder).Set.ClassNames, Has.Count.EqualTo(3));
    }
}
