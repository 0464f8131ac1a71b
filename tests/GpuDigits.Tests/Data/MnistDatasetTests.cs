using GpuDigits.Data;
using NUnit.Framework;

namespace GpuDigits.Tests.Data;

public class MnistDatasetTests
{
    private TempFolder _temp = null!;

    [SetUp] public void CreateFolder() => _temp = new TempFolder();
    [TearDown] public void DeleteFolder() => _temp.Dispose();

    private void WriteSplit(MnistFileSpec images, MnistFileSpec labels, int count, int side, int seed)
    {
        _temp.Write(images.Name, IdxBytes.Images(count, side, side, IdxBytes.Noise(count * side * side, seed)));
        _temp.Write(labels.Name, IdxBytes.Labels(Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray()));
    }

    [Test]
    public void LoadsTheFourFilesOfAFolder()
    {
        WriteSplit(MnistFiles.TrainImages, MnistFiles.TrainLabels, 12, 28, seed: 20);
        WriteSplit(MnistFiles.TestImages, MnistFiles.TestLabels, 3, 28, seed: 21);
        var data = MnistDataset.Load(_temp.Path);
        Assert.That((data.Train.Count, data.Test.Count), Is.EqualTo((12, 3)));
        Assert.That(data.Train.Features, Is.EqualTo(784));
        Assert.That(data.Test.Labels, Is.EqualTo(new byte[] { 0, 1, 2 }));
    }

    [Test]
    public void ImagesMustBe28By28()
    {
        WriteSplit(MnistFiles.TrainImages, MnistFiles.TrainLabels, 2, 27, seed: 22);
        WriteSplit(MnistFiles.TestImages, MnistFiles.TestLabels, 2, 28, seed: 23);
        var e = Assert.Throws<DataFormatException>(() => MnistDataset.Load(_temp.Path));
        Assert.That(e!.Message, Does.Contain(MnistFiles.TrainImages.Name).And.Contain("27 x 27").And.Contain("28 x 28"));
    }

    [Test]
    public void MissingFileSaysWhatToDo()
    {
        WriteSplit(MnistFiles.TrainImages, MnistFiles.TrainLabels, 2, 28, seed: 24);
        var e = Assert.Throws<DataUnavailableException>(() => MnistDataset.Load(_temp.Path));
        Assert.That(e!.Message, Does.Contain(MnistFiles.TestImages.Name).And.Contain(DataUnavailableException.Advice));
    }
}
