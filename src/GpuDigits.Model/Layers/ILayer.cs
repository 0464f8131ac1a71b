using GpuDigits.Engine;

namespace GpuDigits.Model.Layers;

/// <summary>
/// One stage of a <see cref="Network"/>: a batch of <c>rows</c> samples in, a batch out, with its output and output
/// gradient in buffers sized for the largest batch, allocated once.
/// </summary>
public interface ILayer : IDisposable
{
    /// <summary>Values per sample it writes (NHWC for image stages).</summary>
    int OutputsPerRow { get; }

    /// <summary>The last forward output.</summary>
    DeviceBuffer<float> Output { get; }

    /// <summary>dL/dOutput on entry to <see cref="Backward"/> (it may be overwritten there).</summary>
    DeviceBuffer<float> OutputGradient { get; }

    /// <summary>Its trainable tensors, in order (none for pooling).</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The activation applied last (None for the output layer and pooling).</summary>
    Activation Activation { get; }

    void Forward(DeviceBuffer<float> input, int rows);

    /// <summary>Fills <see cref="Parameters"/>' gradients and, when given, dL/dinput.</summary>
    void Backward(DeviceBuffer<float> input, int rows, DeviceBuffer<float>? inputGradient);

    /// <summary>Draws the initial weights (zero biases).</summary>
    void Initialize(SeededRandom random);
}
