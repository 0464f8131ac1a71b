using GpuDigits.Engine;

namespace GpuDigits.Model.Layers;

/// <summary>
/// A valid, stride-1 convolution of NHWC images (side x side x channels) with <see cref="Filters"/> square filters,
/// then the activation: im2col, then one GEMM with the bias + activation epilogue fused, so the output
/// (OH x OW x filters per image) is NHWC again (<see cref="Accelerator.ConvolutionForward"/>). Weights are
/// (kernel kernel channels) x filters, row-major, in im2col's (ky, kx, c) order. Backward: activation backward (unless
/// the pooling after it did it), dW = im2col(input)^T dz (<see cref="Accelerator.ConvWeightGradient"/>), db = column
/// sums of dz, and for dL/dinput dz W^T folded back by col2im (<see cref="Accelerator.ConvInputGradient"/>). The three
/// ops share one cols buffer as scratch; the CPU backend never fills it.
/// </summary>
public sealed class ConvLayer : ILayer
{
    private readonly Accelerator _acc;
    private readonly DeviceBuffer<float> _cols;

    public ConvLayer(Accelerator accelerator, int side, int channels, int filters, int kernel, Activation activation, int maxRows)
    {
        _acc = accelerator;
        (Side, Channels, Filters, Kernel, Activation) = (side, channels, filters, kernel, activation);
        (OutputSide, _) = Accelerator.ConvOutput(1, side, side, channels, kernel);
        Depth = kernel * kernel * channels;
        Weights = new Parameter("W", accelerator.Allocate<float>(Depth * filters), accelerator.Allocate<float>(Depth * filters));
        Bias = new Parameter("b", accelerator.Allocate<float>(filters), accelerator.Allocate<float>(filters));
        _cols = accelerator.Allocate<float>(maxRows * OutputSide * OutputSide * Depth);
        Output = accelerator.Allocate<float>(maxRows * OutputsPerRow);
        OutputGradient = accelerator.Allocate<float>(maxRows * OutputsPerRow);
        Parameters = [Weights, Bias];
    }

    public int Side { get; }
    public int Channels { get; }
    public int Filters { get; }
    public int Kernel { get; }
    public int OutputSide { get; }

    /// <summary>Rows of a filter: kernel x kernel x channels.</summary>
    public int Depth { get; }

    public Activation Activation { get; }

    /// <summary>The max pooling after this ReLU convolution has already applied the ReLU's backward to the output
    /// gradient (<see cref="PoolLayer.ReluInput"/>), so this layer skips it.</summary>
    public bool ActivationBackwardInPool { get; init; }
    public Parameter Weights { get; }
    public Parameter Bias { get; }
    public IReadOnlyList<Parameter> Parameters { get; }
    public int OutputsPerRow => OutputSide * OutputSide * Filters;
    public DeviceBuffer<float> Output { get; }
    public DeviceBuffer<float> OutputGradient { get; }

    public void Forward(DeviceBuffer<float> input, int rows)
    {
        _acc.ConvolutionForward(input, rows, Side, Side, Channels, Kernel, Weights.Value, Bias.Value, Filters, Activation, _cols, Output);
    }

    public void Backward(DeviceBuffer<float> input, int rows, DeviceBuffer<float>? inputGradient)
    {
        int pixels = rows * OutputSide * OutputSide;
        if (Activation != Activation.None && !ActivationBackwardInPool)
            _acc.ActivationBackward(Activation, Output, OutputGradient, OutputGradient, pixels * Filters);
        _acc.ConvWeightGradient(input, OutputGradient, rows, Side, Side, Channels, Kernel, Filters, _cols, Weights.Gradient);
        _acc.ColumnSums(OutputGradient, pixels, Filters, Bias.Gradient);
        if (inputGradient is null) return;
        _acc.ConvInputGradient(OutputGradient, Weights.Value, rows, Side, Side, Channels, Kernel, Filters, _cols, inputGradient);
    }

    /// <summary>Glorot uniform over fan-in kernel^2 channels and fan-out kernel^2 filters (Keras's default for a
    /// convolution, as in the tutorial), zero biases.</summary>
    public void Initialize(SeededRandom random) => InitializeFilters(Weights, Bias, Kernel, Channels, Filters, random);

    /// <summary>Glorot uniform weights over fan-in kernel^2 channels and fan-out kernel^2 filters, zero biases.</summary>
    internal static void InitializeFilters(Parameter weights, Parameter bias, int kernel, int channels, int filters, SeededRandom random)
    {
        int depth = kernel * kernel * channels;
        weights.Value.CopyFromHost(Initialization.Glorot((long)depth * filters, depth, kernel * kernel * filters, random));
        bias.Value.CopyFromHost(new float[filters]);
    }

    public void Dispose()
    {
        Weights.Dispose();
        Bias.Dispose();
        _cols.Dispose();
        Output.Dispose();
        OutputGradient.Dispose();
    }
}
