using GpuDigits.Data;

namespace GpuDigits.Cli.Commands;

/// <summary>Fetches (if needed), verifies and loads a data set (MNIST or Fashion-MNIST).</summary>
public static class MnistLoader
{
    /// <summary>Fetches (if needed), verifies and loads <paramref name="dataSet"/>, after checking that none of <paramref name="outputs"/> is a data file.</summary>
    public static MnistDataset Load(string? dataDir, DataSet dataSet, Action<string> status, CancellationToken cancellation,
        IEnumerable<OutputGuard.Output>? outputs = null) =>
        MnistDataset.Load(Folder(dataDir, dataSet, status, cancellation, outputs));

    /// <summary>
    /// Fetches (if needed) and verifies <paramref name="dataSet"/>; returns the folder holding the four files. None of
    /// <paramref name="outputs"/> (the files the command will write) may be one of them.
    /// </summary>
    public static string Folder(string? dataDir, DataSet dataSet, Action<string> status, CancellationToken cancellation,
        IEnumerable<OutputGuard.Output>? outputs = null)
    {
        string folder = new MnistFetcher(dataSet).EnsureAsync(Choose(dataDir, dataSet), new Progress(status), cancellation).GetAwaiter().GetResult();
        OutputGuard.RefuseData(folder, outputs ?? []);
        return folder;
    }

    /// <summary>--data if given, else (for MNIST) $GPUDIGITS_DATA, else null (the data set's folder in the user cache).</summary>
    private static string? Choose(string? dataDir, DataSet dataSet) =>
        !string.IsNullOrWhiteSpace(dataDir) ? dataDir : dataSet == DataSet.Mnist ? EnvironmentSettings.DataDirectory : null;

    /// <summary>Fetches (if needed) and verifies <paramref name="dataSet"/>, then loads only the test split.</summary>
    public static MnistSplit LoadTest(string? dataDir, DataSet dataSet, Action<string> status, CancellationToken cancellation,
        IEnumerable<OutputGuard.Output>? outputs = null)
    {
        var folder = Folder(dataDir, dataSet, status, cancellation, outputs);
        return MnistDataset.LoadTest(folder);
    }

    /// <summary>Reports synchronously, in order (System.Progress would post to the thread pool).</summary>
    private sealed class Progress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
