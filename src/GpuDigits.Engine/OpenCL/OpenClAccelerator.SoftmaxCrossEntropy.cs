using System.Numerics;
using GpuDigits.Engine.Kernels;

namespace GpuDigits.Engine.OpenCL;

/// <summary>Launcher of kernels/softmax_xent.cl: a single work-group of a power-of-two size that loops over the rows.</summary>
public sealed partial class OpenClAccelerator
{
    /// <summary>GD_SOFTMAX_MAX_WG in softmax_xent.cl: the capacity of its local reduction arrays.</summary>
    private const int SoftmaxMaxGroup = 256;

    protected override void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels, int rows, int cols,
        DeviceBuffer<float> probabilities, DeviceBuffer<float>? gradient, float gradientScale, DeviceBuffer<float> stats)
    {
        lock (_sync)
        {
            var kernel = Kernel(KernelSources.SoftmaxCrossEntropy, "softmax_xent");
            int limit = Math.Min(SoftmaxMaxGroup, Math.Min(kernel.MaxWorkGroupSize, MaxItems(0)));
            int wanted = (int)Math.Min(BitOperations.RoundUpToPowerOf2((uint)rows), (uint)limit);
            int local = (int)BitOperations.RoundUpToPowerOf2((uint)wanted + 1) >> 1; // largest power of two <= wanted
            Args(kernel).Buffer(logits).Buffer(labels).Int(rows).Int(cols).Buffer(probabilities).Buffer(gradient)
                .Int(gradient is null ? 0 : 1).Float(gradientScale).Buffer(stats)
                .Run1D(local, local);
        }
    }
}
