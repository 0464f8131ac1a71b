using GpuDigits.Data;
using NUnit.Framework;

namespace GpuDigits.Tests.Data;

public class DataDirectoryTests
{
    private string? _savedXdg;

    [SetUp]
    public void Save() => _savedXdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");

    [TearDown]
    public void Restore() => Environment.SetEnvironmentVariable("XDG_CACHE_HOME", _savedXdg);

    [Test]
    public void AGivenFolderIsUsedElseTheUserCache()
    {
        Assert.That(MnistFetcher.ResolveDirectory("given"), Is.EqualTo(Path.GetFullPath("given")));
        Assert.That(MnistFetcher.ResolveDirectory(null), Is.EqualTo(MnistFetcher.DefaultDirectory()));
        Assert.That(MnistFetcher.ResolveDirectory(" "), Is.EqualTo(MnistFetcher.DefaultDirectory()));
    }

    [Test]
    public void DefaultFolderIsInTheUserCache()
    {
        if (OperatingSystem.IsWindows())
        {
            string local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            Assert.That(MnistFetcher.DefaultDirectory(), Is.EqualTo(Path.Combine(local, "gpudigits", "mnist")));
            return;
        }
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", "/somewhere/cache");
        Assert.That(MnistFetcher.DefaultDirectory(), Is.EqualTo("/somewhere/cache/gpudigits/mnist"));
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", null);
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.That(MnistFetcher.DefaultDirectory(), Is.EqualTo(Path.Combine(home, ".cache", "gpudigits", "mnist")));
    }
}
