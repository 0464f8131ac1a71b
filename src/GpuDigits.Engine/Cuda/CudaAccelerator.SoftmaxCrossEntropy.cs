using System.Numerics;
using GpuDigits.Engine.Kernels;

namespace GpuDigits.Engine.Cuda;

/// <summary>Launcher of kernels/softmax_xent.cl: a single block of a power-of-two size that loops over the rows.</summary>
public sealed partial class CudaAccelerator
{
    /// <summary>GD_SOFTMAX_MAX_WG in softmax_xent.cl: the capacity of its shared reduction arrays.</summary>
    private const int SoftmaxMaxBlock = 256;

    protected override void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels, int rows, int cols,
        DeviceBuffer<float> probabilities, DeviceBuffer<float>? gradient, float gradientScale, DeviceBuffer<float> stats)
    {
        lock (_sync)
        {
            var function = Function(KernelSources.SoftmaxCrossEntropy, "softmax_xent");
            int limit = Math.Min(SoftmaxMaxBlock, Math.Min(function.MaxThreadsPerBlock, _device.MaxBlockDimX));
            int wanted = (int)Math.Min(BitOperations.RoundUpToPowerOf2((uint)rows), (uint)limit);
            int block = (int)BitOperations.RoundUpToPowerOf2((uint)wanted + 1) >> 1; // largest power of two <= wanted
            Args(function).Buffer(logits).Buffer(labels).Int(rows).Int(cols).Buffer(probabilities).Buffer(gradient)
                .Int(gradient is null ? 0 : 1).Float(gradientScale).Buffer(stats)
                .Run(1, 1, (uint)block, 1);
        }
    }
}
