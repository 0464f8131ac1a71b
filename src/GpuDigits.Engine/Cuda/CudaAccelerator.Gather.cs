using GpuDigits.Engine.Kernels;

namespace GpuDigits.Engine.Cuda;

/// <summary>Launcher of kernels/gather.cl: 1-D grid-stride over the batch's count x features outputs.</summary>
public sealed partial class CudaAccelerator
{
    protected override void GatherBatchCore(DeviceBuffer<byte> images, DeviceBuffer<byte> labels, DeviceBuffer<int> indices,
        int start, DeviceBuffer<int>? startAt, int count, int features, float mean, float invStd,
        DeviceBuffer<float> x, DeviceBuffer<int> batchLabels)
    {
        // Samples the device data can serve; the kernel maps indices outside [0, samples) to a zero row and label -1.
        int samples = features == 0 ? labels.Length : Math.Min(labels.Length, images.Length / features);
        lock (_sync)
        {
            Args(Function(KernelSources.Gather, "gather_batch")).Buffer(images).Buffer(labels).Int(samples).Buffer(indices)
                .Int(indices.Length).Int(start).Buffer(startAt).Int(startAt is null ? 0 : 1).Int(count).Int(features)
                .Float(mean).Float(invStd).Buffer(x).Buffer(batchLabels)
                .RunGridStride(Math.Max((long)count * features, count));
        }
    }
}
