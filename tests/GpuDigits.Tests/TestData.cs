using GpuDigits.Data;

namespace GpuDigits.Tests;

/// <summary>Shared test data: the real MNIST files, fetched and verified once per test run.</summary>
public static class TestData
{
    /// <summary>The tests' data folder variable (the same name the CLI reads; the libraries read none).</summary>
    public const string DataVariable = "GPUDIGITS_DATA";

    private static readonly Lazy<string> Mnist = new(
        () => new MnistFetcher().EnsureAsync(Environment.GetEnvironmentVariable(DataVariable) is { Length: > 0 } dir ? dir : null)
            .GetAwaiter().GetResult(),
        LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// The folder holding the four verified raw MNIST files: $GPUDIGITS_DATA if set, else the user cache,
    /// fetched there on first use.
    /// </summary>
    public static string MnistDirectory() => Mnist.Value;

    /// <summary>Set to 1 (CI, after installing Debian's dataset-fashion-mnist) to fail rather than skip without Fashion-MNIST.</summary>
    public const string RequireFashionVariable = "GPUDIGITS_REQUIRE_FASHION_MNIST";

    private static readonly Lazy<(string? Folder, string? Why)> Fashion = new(() =>
    {
        try
        {
            return (new MnistFetcher(DataSet.FashionMnist).EnsureAsync(null).GetAwaiter().GetResult(), null);
        }
        catch (DataUnavailableException e)
        {
            return (null, e.Message);
        }
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// The user cache's verified Fashion-MNIST folder (filled from Debian's package or the web on first use); where it
    /// cannot be had the test is skipped with the reason, or fails when <see cref="RequireFashionVariable"/> is 1.
    /// </summary>
    public static string FashionMnistDirectory()
    {
        var (folder, why) = Fashion.Value;
        if (folder is not null) return folder;
        if (Environment.GetEnvironmentVariable(RequireFashionVariable) == "1")
            NUnit.Framework.Assert.Fail($"Fashion-MNIST is required here ({RequireFashionVariable}=1): {why}");
        NUnit.Framework.Assert.Ignore($"Fashion-MNIST is not available (apt install dataset-fashion-mnist): {why}");
        return "";
    }

    /// <summary>The repository's root folder (the one holding GpuDigits.sln), found upwards from the test assembly.</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(NUnit.Framework.TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GpuDigits.sln"))) dir = dir.Parent;
        if (dir is null) NUnit.Framework.Assert.Fail("The repository root (GpuDigits.sln) is not above the test assembly.");
        return dir!.FullName;
    }

    /// <summary>The README's hand-drawn seven, docs/images/seven.png.</summary>
    public static string SevenPng => Path.Combine(RepositoryRoot(), "docs", "images", "seven.png");
}
