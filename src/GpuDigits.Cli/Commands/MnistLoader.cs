using GpuDigits.Data;

namespace GpuDigits.Cli.Commands;

/// <summary>Fetches (if needed), verifies and loads MNIST.</summary>
public static class MnistLoader
{
    public static MnistDataset Load(string? dataDir, Action<string> status, CancellationToken cancellation) =>
        MnistDataset.Load(Folder(dataDir, status, cancellation));

    /// <summary>Fetches (if needed) and verifies MNIST; returns the folder holding the four files.</summary>
    public static string Folder(string? dataDir, Action<string> status, CancellationToken cancellation) =>
        new MnistFetcher().EnsureAsync(Choose(dataDir), new Progress(status), cancellation).GetAwaiter().GetResult();

    /// <summary>--data if given, else $GPUDIGITS_DATA, else null (the per-user cache folder).</summary>
    private static string? Choose(string? dataDir) => string.IsNullOrWhiteSpace(dataDir) ? EnvironmentSettings.DataDirectory : dataDir;

    /// <summary>Fetches (if needed) and verifies MNIST, then loads only the test split.</summary>
    public static MnistSplit LoadTest(string? dataDir, Action<string> status, CancellationToken cancellation)
    {
        var folder = Folder(dataDir, status, cancellation);
        return MnistDataset.LoadTest(folder);
    }

    /// <summary>Reports synchronously, in order (System.Progress would post to the thread pool).</summary>
    private sealed class Progress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
