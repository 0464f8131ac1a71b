using GpuDigits.Data;
using NUnit.Framework;

namespace GpuDigits.Tests.Data;

public class MnistSplitTests
{
    private TempFolder _temp = null!;

    [SetUp] public void CreateFolder() => _temp = new TempFolder();
    [TearDown] public void DeleteFolder() => _temp.Dispose();

    [Test]
    public void LoadsMatchingImagesAndLabels()
    {
        var pixels = IdxBytes.Noise(3 * 2 * 5, seed: 10);
        var split = MnistSplit.Load(_temp.Write("i", IdxBytes.Images(3, 2, 5, pixels)),
            _temp.Write("l", IdxBytes.Gzip(IdxBytes.Labels([4, 0, 9]))));
        Assert.That((split.Count, split.Rows, split.Cols, split.Features), Is.EqualTo((3, 2, 5, 10)));
        Assert.That(split.Images, Is.EqualTo(pixels));
        Assert.That(split.Labels, Is.EqualTo(new byte[] { 4, 0, 9 }));
        Assert.That(split.Image(2).ToArray(), Is.EqualTo(pixels[20..30]));
    }

    [Test]
    public void ImageAndLabelCountsMustMatch()
    {
        string images = _temp.Write("i", IdxBytes.Images(3, 2, 2, new byte[12]));
        string labels = _temp.Write("l", IdxBytes.Labels([1, 2]));
        var e = Assert.Throws<DataFormatException>(() => MnistSplit.Load(images, labels));
        Assert.That(e!.Message, Is.EqualTo($"{labels}: holds 2 labels but {images} holds 3 images; they must match"));
    }

    [Test]
    public void LabelsAboveNineAreRefused()
    {
        string images = _temp.Write("i", IdxBytes.Images(3, 1, 1, new byte[3]));
        string labels = _temp.Write("l", IdxBytes.Labels([1, 12, 2]));
        var e = Assert.Throws<DataFormatException>(() => MnistSplit.Load(images, labels));
        Assert.That(e!.Message, Does.StartWith(labels + ":").And.Contain("label 12 at index 1"));
    }

    [Test]
    public void TakeCopiesTheFirstSamples()
    {
        var pixels = IdxBytes.Noise(4 * 6, seed: 11);
        var split = new MnistSplit(pixels, [5, 6, 7, 8], 4, 2, 3);
        var first = split.Take(2);
        Assert.That((first.Count, first.Rows, first.Cols), Is.EqualTo((2, 2, 3)));
        Assert.That(first.Images, Is.EqualTo(pixels[..12]));
        Assert.That(first.Labels, Is.EqualTo(new byte[] { 5, 6 }));
        Assert.That(split.Take(0).Count, Is.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => split.Take(5));
    }

    [Test]
    public void ConstructorChecksLengths()
    {
        Assert.Throws<ArgumentException>(() => new MnistSplit(new byte[5], new byte[1], 1, 2, 3));
        Assert.Throws<ArgumentException>(() => new MnistSplit(new byte[6], new byte[2], 1, 2, 3));
    }
}
