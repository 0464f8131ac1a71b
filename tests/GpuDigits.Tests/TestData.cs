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
}
