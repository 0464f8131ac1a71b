using GpuDigits.Kernels;

namespace GpuDigits.Engine.Ilgpu;

/// <summary>The fused first CNN stage on an ILGPU device: kernels/ConvPoolKernels.cs.</summary>
public sealed partial class IlgpuAccelerator
{
    protected override void ConvReluMaxPoolCore(DeviceBuffer<float> x, int batch, int height, int width, int channels, int kernel,
        DeviceBuffer<float> weights, DeviceBuffer<float> bias, int filters, DeviceBuffer<float> y, DeviceBuffer<int> argmax)
    {
        var (oh, ow) = ConvOutput(batch, height, width, channels, kernel);
        long count = (long)batch * (oh / 2) * (ow / 2) * filters;
        lock (_sync)
        {
            Enter();
            _kernels.Get(KernelCatalog.ConvReluMaxPool)(_stream, GridStride(count), Image(batch, height, width, channels, kernel),
                filters, V(x), V(weights), V(bias), V(y), V(argmax));
        }
    }

    protected override void ConvReluMaxPoolBackwardCore(DeviceBuffer<float> dy, DeviceBuffer<int> argmax, DeviceBuffer<float> x,
        int batch, int height, int width, int channels, int kernel, int filters, DeviceBuffer<float> weightGradient, DeviceBuffer<float> biasGradient)
    {
        long count = (long)kernel * kernel * channels * filters + filters;
        lock (_sync)
        {
            Enter();
            _kernels.Get(KernelCatalog.ConvReluMaxPoolBackward)(_stream, GridStride(count), Image(batch, height, width, channels, kernel),
                filters, V(dy), V(argmax), V(x), V(weightGradient), V(biasGradient));
        }
    }
}
