using GpuDigits.Data;
using GpuDigits.Model.Persistence;

namespace GpuDigits.Cli.Commands;

/// <summary>
/// Fetches (if needed), verifies and loads a known data set (MNIST or Fashion-MNIST), or reads a data set of one's own
/// from its folder (<see cref="FolderDataSet"/>); either way it returns the data set with its class names.
/// </summary>
public static class MnistLoader
{
    /// <summary>
    /// Both splits of <paramref name="dataSet"/>, after checking that none of <paramref name="outputs"/> is a data
    /// file; for a data set of one's own, the returned set carries the folder's class names.
    /// </summary>
    public static (DataSet Set, MnistDataset Data) Load(string? dataDir, DataSet dataSet, Action<string> status, CancellationToken cancellation,
        IEnumerable<OutputGuard.Output>? outputs = null) =>
        Read(Folder(dataDir, dataSet, status, cancellation, outputs), dataSet);

    /// <summary>Both splits from <paramref name="folder"/> as <see cref="Folder"/> returned it.</summary>
    public static (DataSet Set, MnistDataset Data) Read(string folder, DataSet dataSet) =>
        dataSet.IsFolder ? FolderDataSet.Load(folder) : (dataSet, MnistDataset.Load(folder));

    /// <summary>
    /// Fetches (if needed) and verifies a known data set, or checks that a data set of one's own has its folder;
    /// returns the folder holding the four files. None of <paramref name="outputs"/> (the files the command will
    /// write) may be one of them.
    /// </summary>
    public static string Folder(string? dataDir, DataSet dataSet, Action<string> status, CancellationToken cancellation,
        IEnumerable<OutputGuard.Output>? outputs = null)
    {
        string folder;
        if (dataSet.IsFolder)
        {
            if (string.IsNullOrWhiteSpace(dataDir))
                throw new UsageException($"A data set of one's own is read from its folder; give --data DIR. {FolderDataSet.HowToGet}");
            folder = Path.GetFullPath(dataDir);
            if (!Directory.Exists(folder)) throw new DataUnavailableException($"The data folder {folder} does not exist. {FolderDataSet.HowToGet}");
        }
        else
            folder = new MnistFetcher(dataSet).EnsureAsync(Choose(dataDir, dataSet), new Progress(status), cancellation).GetAwaiter().GetResult();
        OutputGuard.RefuseData(folder, outputs ?? []);
        return folder;
    }

    /// <summary>--data if given, else (for MNIST) $GPUDIGITS_DATA, else null (the data set's folder in the user cache).</summary>
    private static string? Choose(string? dataDir, DataSet dataSet) =>
        !string.IsNullOrWhiteSpace(dataDir) ? dataDir : dataSet == DataSet.Mnist ? EnvironmentSettings.DataDirectory : null;

    /// <summary>
    /// The test split of <paramref name="dataSet"/> for <paramref name="model"/> (at <paramref name="modelPath"/>),
    /// which must classify it (<see cref="ModelFile.CheckClassifies"/>). A folder without class names of its own takes
    /// those the model recorded.
    /// </summary>
    public static (DataSet Set, MnistSplit Test) LoadTest(string? dataDir, DataSet dataSet, ModelFile model, string modelPath,
        Action<string> status, CancellationToken cancellation, IEnumerable<OutputGuard.Output>? outputs = null)
    {
        var folder = Folder(dataDir, dataSet, status, cancellation, outputs);
        var (set, test) = dataSet.IsFolder ? FolderDataSet.LoadTest(folder) : (dataSet, MnistDataset.LoadTest(folder));
        model.CheckClassifies(modelPath, set);
        if (set.IsFolder && !set.HasClassNames && model.ClassNames is { } names) set = DataSet.Folder(set.Title, names);
        return (set, test);
    }

    /// <summary>Reports synchronously, in order (System.Progress would post to the thread pool).</summary>
    private sealed class Progress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
