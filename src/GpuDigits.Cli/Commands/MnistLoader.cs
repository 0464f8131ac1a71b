using GpuDigits.Data;
using GpuDigits.Model.Training;

namespace GpuDigits.Cli.Commands;

/// <summary>Fetches (if needed), verifies and loads MNIST, and hands it to the model as <see cref="LabeledImages"/>.</summary>
public static class MnistLoader
{
    public static (LabeledImages Train, LabeledImages Test) Load(string? dataDir, Action<string> status, CancellationToken cancellation)
    {
        var folder = new MnistFetcher().EnsureAsync(dataDir, new Progress(status), cancellation).GetAwaiter().GetResult();
        var dataset = MnistDataset.Load(folder);
        return (Convert(dataset.Train), Convert(dataset.Test));
    }

    private static LabeledImages Convert(MnistSplit split) =>
        new(split.Images, split.Labels, split.Count, split.Features);

    /// <summary>Reports synchronously, in order (System.Progress would post to the thread pool).</summary>
    private sealed class Progress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
