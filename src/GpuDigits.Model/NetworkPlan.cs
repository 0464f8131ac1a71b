using GpuDigits.Engine;

namespace GpuDigits.Model;

/// <summary>One parameter tensor: its name (in model files, checkpoints and exports) and its rows x cols, row-major.</summary>
public readonly record struct ParameterShape(string Name, int Rows, int Cols)
{
    public long Length => (long)Rows * Cols;
}

public enum LayerKind { Convolution, Pool, Dense }

/// <summary>
/// One layer of a <see cref="NetworkPlan"/>, from a map of InputSide x InputSide x InputChannels values per image (NHWC)
/// to one of OutputSide x OutputSide x OutputChannels; a dense layer is a 1 x 1 map of its inputs to one of its outputs.
/// A convolution is 3 x 3, stride 1, no padding (OutputSide = InputSide - 2), its weights
/// (kernel^2 InputChannels) x OutputChannels in im2col's (ky, kx, c) row order; a pool is 2 x 2, stride 2
/// (OutputSide = InputSide / 2, an odd last row and column dropped).
/// </summary>
public sealed record LayerPlan(LayerKind Kind, int InputSide, int InputChannels, int OutputSide, int OutputChannels,
    Activation Activation, IReadOnlyList<ParameterShape> Parameters)
{
    public int InputsPerRow => InputSide * InputSide * InputChannels;
    public int OutputsPerRow => OutputSide * OutputSide * OutputChannels;

    /// <summary>A convolution's filter rows, kernel x kernel x input channels (its im2col row width).</summary>
    public int Depth => NetworkPlan.ConvKernel * NetworkPlan.ConvKernel * InputChannels;
}

/// <summary>
/// The network a <see cref="NetworkSpec"/> describes, derived once: its layers in order with their shapes, activations
/// and parameter names (Wc1, bc1, ... for the convolutions, then W1, b1, ... for the dense layers). Everything that
/// needs the network's shape reads it here: building the network, the model file's tensor list, parameter counts and
/// buffer limits, the training memory estimate, the ONNX export and the verifier's shapes.
/// </summary>
public sealed class NetworkPlan
{
    /// <summary>Side of every convolution's square filters.</summary>
    public const int ConvKernel = 3;

    private NetworkPlan(IReadOnlyList<LayerPlan> layers, IReadOnlyList<int> denseWidths)
    {
        Layers = layers;
        DenseWidths = denseWidths;
        Parameters = layers.SelectMany(l => l.Parameters).ToArray();
        ParameterCount = Parameters.Sum(p => p.Length);
    }

    public static NetworkPlan Of(NetworkSpec spec)
    {
        var layers = new List<LayerPlan>();
        int side = spec.ImageSide, channels = 1, stage = 0;
        foreach (int filters in spec.ConvFilters)
        {
            stage++;
            int output = side - ConvKernel + 1;
            layers.Add(new(LayerKind.Convolution, side, channels, output, filters, spec.Activation,
                [new($"Wc{stage}", ConvKernel * ConvKernel * channels, filters), new($"bc{stage}", 1, filters)]));
            layers.Add(new(LayerKind.Pool, output, filters, output / 2, filters, Activation.None, []));
            (side, channels) = (output / 2, filters);
        }
        int flat = spec.IsConvolutional ? side * side * channels : spec.Inputs;
        int[] widths = [flat, .. spec.Hidden, spec.Classes];
        for (int i = 0; i + 1 < widths.Length; i++)
        {
            var activation = i + 2 < widths.Length ? spec.Activation : Activation.None;
            layers.Add(new(LayerKind.Dense, 1, widths[i], 1, widths[i + 1], activation,
                [new($"W{i + 1}", widths[i], widths[i + 1]), new($"b{i + 1}", 1, widths[i + 1])]));
        }
        return new NetworkPlan(layers, widths);
    }

    /// <summary>Every layer in forward order: per convolution stage a convolution then its pool, then the dense layers.</summary>
    public IReadOnlyList<LayerPlan> Layers { get; }

    public IEnumerable<LayerPlan> Convolutions => Layers.Where(l => l.Kind == LayerKind.Convolution);
    public IEnumerable<LayerPlan> DenseLayers => Layers.Where(l => l.Kind == LayerKind.Dense);

    /// <summary>The dense part's widths, its input to its output: [784, 128, 128, 10], or for the default CNN [1600, 128, 10].</summary>
    public IReadOnlyList<int> DenseWidths { get; }

    /// <summary>Every parameter tensor in layer order, the order of model files and of <see cref="Network.Parameters"/>.</summary>
    public IReadOnlyList<ParameterShape> Parameters { get; }

    public long ParameterCount { get; }
}
