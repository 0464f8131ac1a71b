using GpuDigits.Data;
using GpuDigits.Engine;

namespace GpuDigits.Model.Persistence;

/// <summary>
/// A trained classifier as stored in a .gdm file (<see cref="ModelFormat"/>): the network's shape, the pixel
/// normalization it was trained with, its parameters (W1, b1, W2, b2, ... as <see cref="Network.ExportParameters"/>
/// gives them), free-form metadata, and any further sections a later format feature adds.
/// </summary>
public sealed class ModelFile
{
    public ModelFile(NetworkSpec spec, Normalization normalization, IReadOnlyList<float[]> parameters,
        IReadOnlyDictionary<string, string>? metadata = null, IReadOnlyList<ModelSection>? extraSections = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(normalization);
        ArgumentNullException.ThrowIfNull(parameters);
        var shapes = spec.Plan.Parameters;
        if (parameters.Count != shapes.Count)
            throw new ArgumentException($"A {spec} network has {shapes.Count} parameter tensors, got {parameters.Count}.", nameof(parameters));
        for (int i = 0; i < shapes.Count; i++)
            if (parameters[i] is null || parameters[i].Length != shapes[i].Length)
                throw new ArgumentException($"Parameter {shapes[i].Name} has {shapes[i].Length} values, got {parameters[i]?.Length}.", nameof(parameters));
        if (!double.IsFinite(normalization.Mean) || !double.IsFinite(normalization.Std) || normalization.Std < 0)
            throw new ArgumentException($"Normalization {normalization} is not a finite mean and non-negative std.", nameof(normalization));
        Metadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (key, value) in Metadata) ModelFormat.CheckMetadata(key, value);
        ExtraSections = extraSections ?? [];
        foreach (var s in ExtraSections)
        {
            ModelSection.CheckTag(s.Tag);
            if (ModelFormat.KnownTags.Contains(s.Tag))
                throw new ArgumentException($"Section {s.Tag} is written from the model itself, not as an extra section.", nameof(extraSections));
        }
        Spec = spec;
        Normalization = normalization;
        Parameters = parameters;
    }

    public NetworkSpec Spec { get; }
    public Normalization Normalization { get; }

    /// <summary>The tensors of <see cref="NetworkSpec.Plan"/>'s parameters in its order (Wc1, bc1, ..., W1, b1, ...), each row-major.</summary>
    public IReadOnlyList<float[]> Parameters { get; }

    /// <summary>The META key naming the data set a model (or a checkpoint) was trained on.</summary>
    public const string DataSetKey = "dataset";

    /// <summary>The data set the metadata names; a file written before there were two names none: MNIST's.</summary>
    public string DataSetName => Metadata.TryGetValue(DataSetKey, out var name) ? name : DataSet.Mnist.Name;

    /// <summary>The META keys <c>class.0</c>, <c>class.1</c>, ... name the classes of a data set of one's own.</summary>
    public const string ClassKeyPrefix = "class.";

    /// <summary>
    /// The META entries that record a data set: its name, and for a data set of one's own (whose names no build knows)
    /// the name of each class.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> DataSetMetadata(string dataSet, IReadOnlyList<string>? classNames)
    {
        yield return new(DataSetKey, dataSet);
        if (dataSet != DataSet.FolderName || classNames is null) yield break;
        for (int c = 0; c < classNames.Count; c++)
            yield return new(ClassKeyPrefix + c.ToString(System.Globalization.CultureInfo.InvariantCulture), classNames[c]);
    }

    /// <summary>The class names META records (<c>class.0</c> up to one per output), or null unless every one is there.</summary>
    public IReadOnlyList<string>? ClassNames
    {
        get
        {
            var names = new string[Spec.Classes];
            for (int c = 0; c < names.Length; c++)
                if (!Metadata.TryGetValue(ClassKeyPrefix + c.ToString(System.Globalization.CultureInfo.InvariantCulture), out names[c]!))
                    return null;
            return names;
        }
    }

    /// <summary>
    /// The data set the model was trained on: a known one by its name, or for a data set of one's own its recorded
    /// class names (numbers when none were recorded); null for a name this build does not know.
    /// </summary>
    public DataSet? DataSet => GpuDigits.Data.DataSet.Find(DataSetName) ?? (DataSetName == GpuDigits.Data.DataSet.FolderName
        ? GpuDigits.Data.DataSet.Folder("the model's data set", ClassNames ?? [.. Enumerable.Range(0, Spec.Classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))])
        : null);

    /// <summary>Free-form key = value pairs (training epoch, test accuracy, device, ...); see docs/model-format.md.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Sections this build does not interpret, kept as read (and written back) in file order.</summary>
    public IReadOnlyList<ModelSection> ExtraSections { get; }

    /// <summary>The current parameters of <paramref name="network"/> (copied from the device).</summary>
    public static ModelFile FromNetwork(Network network, Normalization normalization,
        IReadOnlyDictionary<string, string>? metadata = null) =>
        new(network.Spec, normalization, network.ExportParameters(), metadata);

    /// <summary>A network on <paramref name="accelerator"/> for batches of up to <paramref name="maxRows"/>, holding these parameters.</summary>
    public Network CreateNetwork(Accelerator accelerator, int maxRows)
    {
        var network = new Network(accelerator, Spec, maxRows);
        try
        {
            network.ImportParameters(Parameters);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>Throws <see cref="ModelFormatException"/> unless this model classifies 28 x 28 images into at least two classes.</summary>
    public void CheckMnistCompatible(string name)
    {
        int pixels = MnistDataset.ImageSide * MnistDataset.ImageSide;
        if (Spec.Inputs != pixels)
            throw new ModelFormatException(name, $"is a model for {Spec.Inputs} inputs; MNIST images have {pixels} pixels");
        if (Spec.Classes < 2)
            throw new ModelFormatException(name, $"is a model with {Phrase.Count(Spec.Classes, "class", "classes")}; a classifier needs at least two");
    }

    /// <summary>
    /// Throws <see cref="ModelFormatException"/> unless this model can classify <paramref name="dataSet"/>: it outputs
    /// at least as many classes, and a data set of one's own that names its classes names them as the model does.
    /// </summary>
    public void CheckClassifies(string name, DataSet dataSet)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        if (Spec.Classes < dataSet.ClassNames.Count)
            throw new ModelFormatException(name, $"outputs {Phrase.Count(Spec.Classes, "class", "classes")}; {dataSet.Title} has {dataSet.ClassNames.Count}");
        if (dataSet.IsFolder && ClassNames is { } own && dataSet.HasClassNames && !own.Take(dataSet.ClassNames.Count).SequenceEqual(dataSet.ClassNames))
        {
            int c = Enumerable.Range(0, dataSet.ClassNames.Count).First(i => own[i] != dataSet.ClassNames[i]);
            throw new ModelFormatException(name, $"calls class {c} '{own[c]}', but {dataSet.Title}'s {FolderDataSet.ClassesFileName} calls it '{dataSet.ClassNames[c]}'");
        }
    }
}
