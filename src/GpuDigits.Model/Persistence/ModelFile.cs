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

    /// <summary>Throws <see cref="ModelFormatException"/> unless this model classifies 28 x 28 images into (at least) the ten digits.</summary>
    public void CheckMnistCompatible(string name)
    {
        int pixels = MnistDataset.ImageSide * MnistDataset.ImageSide;
        if (Spec.Inputs != pixels)
            throw new ModelFormatException(name, $"is a model for {Spec.Inputs} inputs; MNIST images have {pixels} pixels");
        if (Spec.Classes < MnistSplit.Classes)
            throw new ModelFormatException(name, $"is a model with {Spec.Classes} classes; MNIST has {MnistSplit.Classes}");
    }
}
