using GpuDigits.Engine;

namespace GpuDigits.Model.Layers;

/// <summary>
/// A CNN's first stage as one layer: a valid, stride-1 convolution with bias and ReLU, then 2 x 2 max pooling, in one
/// op each way (<see cref="Accelerator.ConvReluMaxPool"/> and its backward). A first convolution has few input
/// channels (im2col rows of 9 floats for MNIST), so the GEMM over im2col runs far below the machine's rate, and its
/// output (26 x 26 x 32 per image, 11 MB a batch) was written and read again only to be pooled; here neither im2col's
/// matrix nor that output exists. The forward values are those of <see cref="ConvLayer"/> + <see cref="PoolLayer"/>
/// bit for bit; the weight and bias gradients are the same sums in another fixed order. It computes no input gradient:
/// the network uses it for its first layer only (<see cref="Fits"/>).
/// </summary>
public sealed class ConvPoolLayer : ILayer
{
    /// <summary>Deepest filter (kernel^2 x channels) taken directly: beyond it im2col + GEMM is faster (3 x 3 x 3 RGB fits).</summary>
    public const int MaxDirectDepth = 27;

    private readonly Accelerator _acc;
    private readonly DeviceBuffer<int> _argmax;

    public ConvPoolLayer(Accelerator accelerator, int side, int channels, int filters, int kernel, int maxRows)
    {
        _acc = accelerator;
        (Side, Channels, Filters, Kernel) = (side, channels, filters, kernel);
        var (convSide, _) = Accelerator.ConvOutput(1, side, side, channels, kernel);
        OutputSide = convSide / 2;
        Weights = new Parameter("W", accelerator.Allocate<float>(kernel * kernel * channels * filters), accelerator.Allocate<float>(kernel * kernel * channels * filters));
        Bias = new Parameter("b", accelerator.Allocate<float>(filters), accelerator.Allocate<float>(filters));
        Output = accelerator.Allocate<float>(maxRows * OutputsPerRow);
        OutputGradient = accelerator.Allocate<float>(maxRows * OutputsPerRow);
        _argmax = accelerator.Allocate<int>(maxRows * OutputsPerRow);
        Parameters = [Weights, Bias];
    }

    /// <summary>Whether a ReLU convolution with this filter depth, followed by max pooling, at layer position
    /// <paramref name="index"/> is done by this layer: the first layer (no input gradient), a shallow filter.</summary>
    public static bool Fits(int index, int depth) => index == 0 && depth <= MaxDirectDepth;

    public int Side { get; }
    public int Channels { get; }
    public int Filters { get; }
    public int Kernel { get; }

    /// <summary>Side of the pooled output.</summary>
    public int OutputSide { get; }

    public Parameter Weights { get; }
    public Parameter Bias { get; }
    public IReadOnlyList<Parameter> Parameters { get; }
    public int OutputsPerRow => OutputSide * OutputSide * Filters;
    public DeviceBuffer<float> Output { get; }
    public DeviceBuffer<float> OutputGradient { get; }

    /// <summary>The stage ends with pooling.</summary>
    public Activation Activation => Activation.None;

    public void Forward(DeviceBuffer<float> input, int rows) =>
        _acc.ConvReluMaxPool(input, rows, Side, Side, Channels, Kernel, Weights.Value, Bias.Value, Filters, Output, _argmax);

    public void Backward(DeviceBuffer<float> input, int rows, DeviceBuffer<float>? inputGradient)
    {
        if (inputGradient is not null)
            throw new InvalidOperationException("The fused convolution + pooling stage computes no input gradient: it is a first layer only.");
        _acc.ConvReluMaxPoolBackward(OutputGradient, _argmax, input, rows, Side, Side, Channels, Kernel, Filters, Weights.Gradient, Bias.Gradient);
    }

    /// <summary>As <see cref="ConvLayer"/> initializes its filters: the same draws, in the same order.</summary>
    public void Initialize(SeededRandom random) =>
        ConvLayer.InitializeFilters(Weights, Bias, Kernel, Channels, Filters, random);

    public void Dispose()
    {
        Weights.Dispose();
        Bias.Dispose();
        Output.Dispose();
        OutputGradient.Dispose();
        _argmax.Dispose();
    }
}
