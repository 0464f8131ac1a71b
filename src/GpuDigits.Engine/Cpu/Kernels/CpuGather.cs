using System.Numerics.Tensors;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>CPU twin of kernels/gather: MNIST bytes + sample indices -> normalized float batch and labels.</summary>
internal static class CpuGather
{
    public static void GatherBatch(ReadOnlySpan<byte> images, ReadOnlySpan<byte> labels, ReadOnlySpan<int> indices,
        int features, float mean, float invStd, Span<float> x, Span<int> batchLabels)
    {
        int samples = labels.Length;
        for (int r = 0; r < indices.Length; r++)
        {
            int s = indices[r];
            if ((uint)s >= (uint)samples || (long)(s + 1) * features > images.Length)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Sample index {s} is outside the data set of {samples}.");
            var row = x.Slice(r * features, features);
            TensorPrimitives.ConvertTruncating<byte, float>(images.Slice(s * features, features), row);
            // (b / 255 - mean) * invStd, computed in that order so every backend rounds the same way.
            TensorPrimitives.Multiply(row, 1f / 255f, row);
            TensorPrimitives.Subtract(row, mean, row);
            TensorPrimitives.Multiply(row, invStd, row);
            batchLabels[r] = labels[s];
        }
    }
}
