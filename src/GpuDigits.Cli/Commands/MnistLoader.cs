using GpuDigits.Data;

namespace GpuDigits.Cli.Commands;

/// <summary>Fetches (if needed), verifies and loads MNIST.</summary>
public static class MnistLoader
{
    /// <summary>Fetches (if needed), verifies and loads MNIST, after checking that none of <paramref name="outputs"/> is a data file.</summary>
    public static MnistDataset Load(string? dataDir, Action<string> status, CancellationToken cancellation,
        IEnumerable<OutputGuard.Output>? outputs = null) =>
        MnistDataset.Load(Folder(dataDir, status, cancellation, outputs));

    /// <summary>
    /// Fetches (if needed) and verifies MNIST; returns the folder holding the four files. None of
    /// <paramref name="outputs"/> (the files the command will write) may be one of them.
    /// </summary>
    public static string Folder(string? dataDir, Action<string> status, CancellationToken cancellation,
        IEnumerable<OutputGuard.Output>? outputs = null)
    {
        string folder = new MnistFetcher().EnsureAsync(Choose(dataDir), new Progress(status), cancellation).GetAwaiter().GetResult();
        OutputGuard.RefuseData(folder, outputs ?? []);
        return folder;
    }

    /// <summary>--data if given, else $GPUDIGITS_DATA, else null (the per-user cache folder).</summary>
    private static string? Choose(string? dataDir) => string.IsNullOrWhiteSpace(dataDir) ? EnvironmentSettings.DataDirectory : dataDir;

    /// <summary>Fetches (if needed) and verifies MNIST, then loads only the test split.</summary>
    public static MnistSplit LoadTest(string? dataDir, Action<string> status, CancellationToken cancellation,
        IEnumerable<OutputGuard.Output>? outputs = null)
    {
        var folder = Folder(dataDir, status, cancellation, outputs);
        return MnistDataset.LoadTest(folder);
    }

    /// <summary>Reports synchronously, in order (System.Progress would post to the thread pool).</summary>
    private sealed class Progress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
