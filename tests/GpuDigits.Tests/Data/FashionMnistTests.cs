using System.IO.Compression;
using GpuDigits.Data;
using NUnit.Framework;

namespace GpuDigits.Tests.Data;

/// <summary>
/// The second data set: its registry entry, the Debian package folder as a source, its files verified by the SHA-256
/// of their decompressed content, and the files of one data set refused, by name, where the other is wanted.
/// </summary>
public class FashionMnistTests
{
    private TempFolder _temp = null!;

    [SetUp] public void CreateFolder() => _temp = new TempFolder();
    [TearDown] public void DeleteFolder() => _temp.Dispose();

    [Test]
    public void BothDataSetsAreKnownByName()
    {
        Assert.That(DataSet.Known.Select(d => d.Name), Is.EqualTo(new[] { "mnist", "fashion-mnist" }));
        Assert.That(DataSet.Find("Fashion-MNIST"), Is.SameAs(DataSet.FashionMnist));
        Assert.That(DataSet.Find("cifar"), Is.Null);
        // The same four file names and sizes, other content.
        Assert.That(DataSet.FashionMnist.Files.Select(f => (f.Name, f.Length)), Is.EqualTo(DataSet.Mnist.Files.Select(f => (f.Name, f.Length))));
        Assert.That(DataSet.FashionMnist.Files.Select(f => f.Sha256), Has.None.AnyOf(DataSet.Mnist.Files.Select(f => f.Sha256).ToArray()));
        Assert.That(DataSet.FashionMnist.ClassNames, Has.Count.EqualTo(10).And.Unique);
        Assert.That((DataSet.FashionMnist.Label(7), DataSet.Mnist.Label(7)), Is.EqualTo(("7 Sneaker", "7")));
        Assert.That((DataSet.FashionMnist.HasClassNames, DataSet.Mnist.HasClassNames), Is.EqualTo((true, false)));
        Assert.That(MnistFetcher.DefaultDirectory(DataSet.FashionMnist), Does.EndWith(Path.Combine("gpudigits", "fashion-mnist")));
    }

    [Test]
    public void AFolderSourceDeliversItsGzipFilesDecompressedAndVerified()
    {
        using var fake = new FakeMnist();
        using var package = new TempFolder();
        for (int i = 0; i < fake.Specs.Length; i++)
        {
            using var output = File.Create(package.File(fake.Specs[i].Name + ".gz"));
            using var gzip = new GZipStream(output, CompressionLevel.Fastest);
            gzip.Write(fake.Contents[i]);
        }
        var folder = new MnistFetcher(fake.Specs, [new FolderSource(package.Path, "a package folder")]).EnsureAsync(_temp.Path)
            .GetAwaiter().GetResult();
        Assert.That(folder, Is.EqualTo(_temp.Path));
        for (int i = 0; i < fake.Specs.Length; i++)
            Assert.That(File.ReadAllBytes(_temp.File(fake.Specs[i].Name)), Is.EqualTo(fake.Contents[i]), fake.Specs[i].Name);
    }

    [Test]
    public async Task AMissingPackageSaysHowToGetTheDataSet()
    {
        var e = (await Assert.ThrowsAsync<DataUnavailableException>(() =>
            new MnistFetcher(DataSet.FashionMnist.Files, [new FolderSource(_temp.File("not-installed"), "Debian package dataset-fashion-mnist")],
                DataSet.FashionMnist).EnsureAsync(_temp.File("data"))))!;
        Assert.That(e.Message, Does.Contain("Debian package dataset-fashion-mnist: ").And.Contain("not-installed does not exist"));
        Assert.That(e.Message, Does.Contain("apt install dataset-fashion-mnist"));
        Assert.That(e.Message, Does.Not.Contain('\n'));
    }

    [Test]
    public void TheRealFilesVerifyAndLoad()
    {
        var data = MnistDataset.Load(TestData.FashionMnistDirectory());
        Assert.That((data.Train.Count, data.Test.Count), Is.EqualTo((60_000, 10_000)));
        // Balanced: 6,000 training and 1,000 test images of each class.
        Assert.That(data.Train.Labels.GroupBy(l => l).Select(g => (g.Key, g.Count())).OrderBy(g => g.Key),
            Is.EqualTo(Enumerable.Range(0, 10).Select(c => ((byte)c, 6_000))));
        Assert.That(data.Test.Labels.Count(l => l == 9), Is.EqualTo(1_000));
    }

    [Test]
    public async Task ADamagedCopyIsRefusedInOneLine()
    {
        string source = Path.Combine(TestData.FashionMnistDirectory(), "t10k-labels-idx1-ubyte");
        var bytes = File.ReadAllBytes(source);
        bytes[500] ^= 0x01;
        _temp.Write("t10k-labels-idx1-ubyte", bytes);
        var e = (await Assert.ThrowsAsync<DataFormatException>(() => new MnistFetcher(DataSet.FashionMnist.Files, [], DataSet.FashionMnist)
            .EnsureAsync(_temp.Path)))!;
        Assert.That(e.Message, Does.Contain("t10k-labels-idx1-ubyte").And.Contain("SHA-256").And.Contain("delete it"));
        Assert.That(e.Message, Does.Not.Contain('\n'));

        _temp.Write("t10k-labels-idx1-ubyte", bytes[..^1]);
        e = (await Assert.ThrowsAsync<DataFormatException>(() => new MnistFetcher(DataSet.FashionMnist.Files, [], DataSet.FashionMnist)
            .EnsureAsync(_temp.Path)))!;
        Assert.That(e.Message, Does.Contain("10,007 bytes, expected 10,008"));
    }

    [Test]
    public async Task TheOtherDataSetsFileIsNamedNotCalledDamaged()
    {
        File.Copy(Path.Combine(TestData.MnistDirectory(), "t10k-labels-idx1-ubyte"), _temp.File("t10k-labels-idx1-ubyte"));
        var e = (await Assert.ThrowsAsync<DataFormatException>(() => new MnistFetcher(DataSet.FashionMnist.Files, [], DataSet.FashionMnist)
            .EnsureAsync(_temp.Path)))!;
        Assert.That(e.Message, Does.Contain("is MNIST's t10k-labels-idx1-ubyte, not Fashion-MNIST's: this folder holds MNIST"));
        Assert.That(File.Exists(_temp.File("t10k-labels-idx1-ubyte")), "refused, never overwritten");
    }
}
