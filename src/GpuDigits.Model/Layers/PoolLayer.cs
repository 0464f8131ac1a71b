using GpuDigits.Engine;

namespace GpuDigits.Model.Layers;

/// <summary>2 x 2 max pooling, stride 2, of NHWC feature maps (side x side x channels); no parameters.</summary>
public sealed class PoolLayer : ILayer
{
    private readonly Accelerator _acc;
    private readonly DeviceBuffer<int> _argmax;

    public PoolLayer(Accelerator accelerator, int side, int channels, int maxRows)
    {
        _acc = accelerator;
        (Side, Channels) = (side, channels);
        Output = accelerator.Allocate<float>(maxRows * OutputsPerRow);
        OutputGradient = accelerator.Allocate<float>(maxRows * OutputsPerRow);
        _argmax = accelerator.Allocate<int>(maxRows * OutputsPerRow);
    }

    public int Side { get; }
    public int Channels { get; }
    public int OutputsPerRow => Side / 2 * (Side / 2) * Channels;
    public DeviceBuffer<float> Output { get; }
    public DeviceBuffer<float> OutputGradient { get; }
    public IReadOnlyList<Parameter> Parameters => [];
    public Activation Activation => Activation.None;

    /// <summary>The input is a ReLU's output whose backward this layer's backward also does (the windows of zeros
    /// pass no gradient; see <see cref="Accelerator.MaxPool2x2"/>).</summary>
    public bool ReluInput { get; init; }

    public void Forward(DeviceBuffer<float> input, int rows) =>
        _acc.MaxPool2x2(input, rows, Side, Side, Channels, Output, _argmax, ReluInput);

    public void Backward(DeviceBuffer<float> input, int rows, DeviceBuffer<float>? inputGradient)
    {
        if (inputGradient is not null)
            _acc.MaxPool2x2Backward(OutputGradient, _argmax, rows, Side, Side, Channels, inputGradient);
    }

    public void Initialize(SeededRandom random) { }

    public void Dispose()
    {
        Output.Dispose();
        OutputGradient.Dispose();
        _argmax.Dispose();
    }
}
