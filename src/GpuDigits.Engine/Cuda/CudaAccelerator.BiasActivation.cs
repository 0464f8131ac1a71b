using GpuDigits.Engine.Kernels;

namespace GpuDigits.Engine.Cuda;

/// <summary>Launchers of kernels/bias_activation.cl: 1-D grid-stride kernels over the flat element range.</summary>
public sealed partial class CudaAccelerator
{
    protected override void BiasAddCore(DeviceBuffer<float> x, DeviceBuffer<float> bias, int rows, int cols)
    {
        lock (_sync)
        {
            Args(Function(KernelSources.BiasActivation, "bias_add")).Buffer(x).Buffer(bias).Int(rows).Int(cols)
                .RunGridStride((long)rows * cols);
        }
    }

    protected override void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count)
    {
        lock (_sync)
        {
            Args(Function(KernelSources.BiasActivation, "activation_forward")).Int((int)activation).Buffer(x).Buffer(y).Int(count)
                .RunGridStride(count);
        }
    }

    protected override void ActivationBackwardCore(Activation activation, DeviceBuffer<float> y, DeviceBuffer<float> dy,
        DeviceBuffer<float> dx, int count)
    {
        lock (_sync)
        {
            Args(Function(KernelSources.BiasActivation, "activation_backward")).Int((int)activation).Buffer(y).Buffer(dy)
                .Buffer(dx).Int(count).RunGridStride(count);
        }
    }
}
