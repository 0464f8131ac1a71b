using GpuDigits.Data;

namespace GpuDigits.Cli.Commands;

/// <summary>Fetches (if needed), verifies and loads MNIST.</summary>
public static class MnistLoader
{
    public static MnistDataset Load(string? dataDir, Action<string> status, CancellationToken cancellation)
    {
        var folder = new MnistFetcher().EnsureAsync(dataDir, new Progress(status), cancellation).GetAwaiter().GetResult();
        return MnistDataset.Load(folder);
    }

    /// <summary>Fetches (if needed) and verifies MNIST, then loads only the test split.</summary>
    public static MnistSplit LoadTest(string? dataDir, Action<string> status, CancellationToken cancellation)
    {
        var folder = new MnistFetcher().EnsureAsync(dataDir, new Progress(status), cancellation).GetAwaiter().GetResult();
        return MnistDataset.LoadTest(folder);
    }

    /// <summary>Reports synchronously, in order (System.Progress would post to the thread pool).</summary>
    private sealed class Progress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
