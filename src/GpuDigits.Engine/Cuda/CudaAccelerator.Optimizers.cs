using GpuDigits.Engine.Kernels;

namespace GpuDigits.Engine.Cuda;

/// <summary>Launchers of kernels/optimizers.cl: 1-D grid-stride updates.</summary>
public sealed partial class CudaAccelerator
{
    protected override void SgdMomentumUpdateCore(DeviceBuffer<float> param, DeviceBuffer<float> grad,
        DeviceBuffer<float> velocity, int count, float learningRate, float momentum, DeviceBuffer<float>? scalars)
    {
        lock (_sync)
        {
            Args(Function(KernelSources.Optimizers, "sgd_momentum")).Buffer(param).Buffer(grad).Buffer(velocity).Int(count)
                .Float(learningRate).Float(momentum).Buffer(scalars).Int(scalars is null ? 0 : 1).RunGridStride(count);
        }
    }

    protected override void AdamUpdateCore(DeviceBuffer<float> param, DeviceBuffer<float> grad, DeviceBuffer<float> m,
        DeviceBuffer<float> v, int count, float learningRate, float beta1, float beta2, float epsilon, float c1, float c2,
        DeviceBuffer<float>? scalars)
    {
        lock (_sync)
        {
            Args(Function(KernelSources.Optimizers, "adam")).Buffer(param).Buffer(grad).Buffer(m).Buffer(v).Int(count)
                .Float(learningRate).Float(beta1).Float(beta2).Float(epsilon).Float(c1).Float(c2)
                .Buffer(scalars).Int(scalars is null ? 0 : 1).RunGridStride(count);
        }
    }
}
