using GpuDigits.Engine;
using GpuDigits.Model.Optimizers;

namespace GpuDigits.Model.Layers;

/// <summary>
/// y = act(x W + b) for a batch x of rows x Inputs; W is Inputs x Outputs, row-major. The forward pass is one
/// GEMM with the bias + activation epilogue fused; backward is an activation backward, two GEMMs and a column sum.
/// Activations and gradients live in buffers sized for the largest batch, allocated once.
/// </summary>
public sealed class DenseLayer : ILayer
{
    private readonly Accelerator _acc;

    public DenseLayer(Accelerator accelerator, int inputs, int outputs, Activation activation, int maxRows)
    {
        _acc = accelerator;
        Inputs = inputs;
        Outputs = outputs;
        Activation = activation;
        MaxRows = maxRows;
        Weights = new Parameter("W", accelerator.Allocate<float>(inputs * outputs), accelerator.Allocate<float>(inputs * outputs));
        Bias = new Parameter("b", accelerator.Allocate<float>(outputs), accelerator.Allocate<float>(outputs));
        Output = accelerator.Allocate<float>(maxRows * outputs);
        OutputGradient = accelerator.Allocate<float>(maxRows * outputs);
    }

    public int Inputs { get; }
    public int Outputs { get; }
    public Activation Activation { get; }
    public int MaxRows { get; }
    public Parameter Weights { get; }
    public Parameter Bias { get; }
    public IReadOnlyList<Parameter> Parameters => [Weights, Bias];
    public int OutputsPerRow => Outputs;

    /// <summary>Glorot uniform whatever the activation (Keras's default; the CNN's dense layers use it, as in the
    /// tutorial), instead of He for ReLU.</summary>
    public bool GlorotForAll { get; init; }

    /// <summary>He or Xavier weights (Xavier for the output layer, see <see cref="Initialization"/>), zero biases.</summary>
    public void Initialize(SeededRandom random)
    {
        var act = Activation == Activation.None || GlorotForAll ? Activation.Sigmoid : Activation;
        Weights.Value.CopyFromHost(Initialization.Weights(Inputs, Outputs, act, random));
        Bias.Value.CopyFromHost(new float[Outputs]);
    }

    /// <summary>The last forward output y, rows x Outputs.</summary>
    public DeviceBuffer<float> Output { get; }

    /// <summary>dL/dy on entry to <see cref="Backward"/>; overwritten there with dL/dz (pre-activation).</summary>
    public DeviceBuffer<float> OutputGradient { get; }

    public void Forward(DeviceBuffer<float> input, int rows) =>
        _acc.Gemm(false, false, rows, Outputs, Inputs, 1f, input, Weights.Value, 0f, Output, Bias.Value, Activation);

    /// <summary>
    /// When set, the optimizer's step of <see cref="Weights"/>, which <see cref="Backward"/> then takes with the GEMM
    /// of their gradient (<see cref="Optimizer.TakeOver"/>).
    /// </summary>
    public Optimizer.GradientStep? WeightStep { get; set; }

    /// <summary>
    /// Given dL/dy in <see cref="OutputGradient"/>, computes db = column sums of dz, dL/dx = dz W^T when
    /// <paramref name="inputGradient"/> is given, then dW = x^T dz (and, with a <see cref="WeightStep"/>, the step of
    /// W, which is why dL/dx comes first: it reads W as it was).
    /// </summary>
    public void Backward(DeviceBuffer<float> input, int rows, DeviceBuffer<float>? inputGradient)
    {
        if (Activation != Activation.None)
            _acc.ActivationBackward(Activation, Output, OutputGradient, OutputGradient, rows * Outputs);
        _acc.ColumnSums(OutputGradient, rows, Outputs, Bias.Gradient);
        if (inputGradient is not null)
            _acc.Gemm(false, true, rows, Inputs, Outputs, 1f, OutputGradient, Weights.Value, 0f, inputGradient);
        if (WeightStep is { } step) step.FromGemm(true, false, Inputs, Outputs, rows, 1f, input, OutputGradient);
        else _acc.Gemm(true, false, Inputs, Outputs, rows, 1f, input, OutputGradient, 0f, Weights.Gradient);
    }

    public void Dispose()
    {
        Weights.Dispose();
        Bias.Dispose();
        Output.Dispose();
        OutputGradient.Dispose();
    }
}
