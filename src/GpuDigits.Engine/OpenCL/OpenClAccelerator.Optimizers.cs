using GpuDigits.Engine.Kernels;

namespace GpuDigits.Engine.OpenCL;

/// <summary>Launchers of kernels/optimizers.cl: 1-D grid-stride updates.</summary>
public sealed partial class OpenClAccelerator
{
    protected override void SgdMomentumUpdateCore(DeviceBuffer<float> param, DeviceBuffer<float> grad,
        DeviceBuffer<float> velocity, int count, float learningRate, float momentum)
    {
        lock (_sync)
        {
            Args(Kernel(KernelSources.Optimizers, "sgd_momentum")).Buffer(param).Buffer(grad).Buffer(velocity).Int(count)
                .Float(learningRate).Float(momentum).RunGridStride(count);
        }
    }

    protected override void AdamUpdateCore(DeviceBuffer<float> param, DeviceBuffer<float> grad, DeviceBuffer<float> m,
        DeviceBuffer<float> v, int count, float learningRate, float beta1, float beta2, float epsilon, int step)
    {
        // Bias corrections computed once on the host, exactly as the CPU twin computes them.
        float c1 = 1f / (1f - MathF.Pow(beta1, step));
        float c2 = 1f / (1f - MathF.Pow(beta2, step));
        lock (_sync)
        {
            Args(Kernel(KernelSources.Optimizers, "adam")).Buffer(param).Buffer(grad).Buffer(m).Buffer(v).Int(count)
                .Float(learningRate).Float(beta1).Float(beta2).Float(epsilon).Float(c1).Float(c2).RunGridStride(count);
        }
    }
}
