using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Files;
using GpuDigits.Model.Inference;
using GpuDigits.Model.Persistence;

namespace GpuDigits.Web;

/// <summary>A model the server classifies with: its file, what it holds, and a one-image classifier on the device.</summary>
public sealed class ServedModel(string path, string label, ModelFile model, Classifier classifier, FileStamp stamp)
{
    public string Path { get; } = path;
    /// <summary>How the page names it: the run and file ("20261207-101500/model.gdm") or the file's name.</summary>
    public string Label { get; } = label;
    public ModelFile Model { get; } = model;
    internal Classifier Classifier { get; } = classifier;
    internal FileStamp Stamp { get; } = stamp;

    /// <summary>The name of every class, in label order ("0".."9" for digits, the recorded names for others).</summary>
    public IReadOnlyList<string> ClassNames { get; } = NamesOf(model);

    private static IReadOnlyList<string> NamesOf(ModelFile model)
    {
        int classes = model.Spec.Classes;
        if (model.ClassNames is { } recorded && recorded.Count == classes) return recorded;
        if (model.DataSet is { } set && set.ClassNames.Count == classes) return set.ClassNames;
        return [.. Enumerable.Range(0, classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))];
    }
}

/// <summary>What identifies one version of a file: its length and last write time.</summary>
public readonly record struct FileStamp(long Length, DateTime Written)
{
    public static FileStamp Of(string path)
    {
        var info = new FileInfo(path);
        return new FileStamp(info.Length, info.LastWriteTimeUtc);
    }
}

/// <summary>
/// The models the server has loaded, each with its classifier on the one accelerator the server opened. All device
/// work goes through one lock (an accelerator runs one stream of work; requests arriving together take turns). A
/// model file that changes on disk (a run writing a better model-best.gdm) is loaded again on its next use; at most
/// <see cref="MaxLoaded"/> run models are kept.
/// </summary>
public sealed class ModelStore : IDisposable
{
    public const int MaxLoaded = 8;

    private readonly Accelerator _accelerator;
    private readonly SemaphoreSlim _device = new(1, 1);
    private readonly Dictionary<string, ServedModel> _loaded = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>Opens the store on <paramref name="accelerator"/> (which it does not own) with the model given to serve, if any.</summary>
    public ModelStore(Accelerator accelerator, string? servedModel)
    {
        _accelerator = accelerator;
        if (servedModel is not null) Served = Load(servedModel, System.IO.Path.GetFileName(servedModel));
    }

    /// <summary>The model named by <c>serve --model</c>; null when only runs are served.</summary>
    public ServedModel? Served { get; }

    public string DeviceId => _accelerator.Info.Id;

    /// <summary>The model in <paramref name="path"/> (a run's model file), loaded now or reused while the file is unchanged.</summary>
    public async Task<ServedModel> GetAsync(string path, string label, CancellationToken cancellation)
    {
        await _device.WaitAsync(cancellation);
        try { return GetHeld(path, label); }
        finally { _device.Release(); }
    }

    /// <summary>
    /// <see cref="GetAsync"/> with the lock held. A model it replaces (its file changed) or evicts has its classifier
    /// disposed here, so its classifier is used only under the same hold that found it (see <see cref="ProbabilitiesAsync"/>).
    /// </summary>
    private ServedModel GetHeld(string path, string label)
    {
        var stamp = FileStamp.Of(path);
        if (_loaded.TryGetValue(path, out var known) && known.Stamp == stamp) return known;
        if (known is not null) { known.Classifier.Dispose(); _loaded.Remove(path); }
        var model = Load(path, label);
        _loaded[path] = model;
        _order.Enqueue(path);
        while (_loaded.Count > MaxLoaded && _order.TryDequeue(out var oldest))
            if (_loaded.Remove(oldest, out var old)) old.Classifier.Dispose();
        return model;
    }

    private ServedModel Load(string path, string label)
    {
        FileKind.RequireRegular(path, "Model file");
        var stamp = FileStamp.Of(path);
        var model = ModelFormat.Load(path);
        model.CheckMnistCompatible(path);
        return new ServedModel(path, label, model, new Classifier(_accelerator, model, batchSize: 1), stamp);
    }

    /// <summary>
    /// The class probabilities of one 28 x 28 MNIST-form image by the model in <paramref name="path"/> (null: the
    /// served model), found and used under one hold of the device lock.
    /// </summary>
    public async Task<(ServedModel Model, float[] Probabilities)> ProbabilitiesAsync(string? path, string label, byte[] pixels,
        CancellationToken cancellation)
    {
        await _device.WaitAsync(cancellation);
        try
        {
            var model = path is null ? Served ?? throw new InvalidOperationException("No model is served.") : GetHeld(path, label);
            return (model, model.Classifier.Probabilities(pixels));
        }
        finally { _device.Release(); }
    }

    /// <summary>Classifies a whole labeled split with <paramref name="model"/> (in batches of 1,000).</summary>
    public async Task<Classification> ClassifyAsync(ServedModel model, MnistSplit split, CancellationToken cancellation)
    {
        await _device.WaitAsync(cancellation);
        try
        {
            using var classifier = new Classifier(_accelerator, model.Model);
            return classifier.Classify(split, cancellation);
        }
        finally { _device.Release(); }
    }

    public void Dispose()
    {
        Served?.Classifier.Dispose();
        foreach (var model in _loaded.Values) model.Classifier.Dispose();
        _loaded.Clear();
        _device.Dispose();
    }
}
