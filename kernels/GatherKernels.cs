using ILGPU;
using ILGPU.Runtime;

namespace GpuDigits.Kernels;

/// <summary>Scalar arguments of <see cref="GatherKernels.GatherBatch"/>, by name.</summary>
public struct GatherArgs
{
    /// <summary>Samples the image and label views hold.</summary>
    public int Samples;
    /// <summary>Elements of the index view.</summary>
    public int IndexCount;
    /// <summary>Rows of the batch.</summary>
    public int Count;
    /// <summary>Bytes per image (784).</summary>
    public int Features;
    public float Mean;
    public float InvStd;
}

/// <summary>The batch gather: device-resident MNIST bytes and a shuffled order into a normalized float batch.</summary>
public static class GatherKernels
{
    /// <summary>
    /// For r &lt; count, with first = startAt[0] read when the kernel runs, s = indices[first + r]: x[r, f] = (images[s * features + f] / 255 - mean) * invStd and
    /// batchLabels[r] = labels[s]. A position outside the index view or a sample outside the data gives a zero row and
    /// label -1 (a kernel cannot throw). 1-D grid-stride over the count * features outputs, so consecutive threads
    /// read consecutive bytes of one image; a second grid-stride loop over the rows writes the labels.
    /// </summary>
    public static void GatherBatch(GatherArgs args, ArrayView<byte> images, ArrayView<byte> labels,
        ArrayView<int> indices, ArrayView<int> startAt, ArrayView<float> x, ArrayView<int> batchLabels)
    {
        int first = startAt[0];
        int features = args.Features;
        int total = args.Count * features;
        int stride = Grid.DimX * Group.DimX;
        for (int i = Grid.GlobalIndex.X; i < total; i += stride)
        {
            int r = i / features;
            int s = Sample(args, indices, first, r);
            x[i] = s >= 0 ? Normalize(images[s * features + (i - r * features)], args.Mean, args.InvStd) : 0f;
        }
        for (int r = Grid.GlobalIndex.X; r < args.Count; r += stride)
        {
            int s = Sample(args, indices, first, r);
            batchLabels[r] = s >= 0 ? labels[s] : -1;
        }
    }

    /// <summary>The sample of batch row r, or -1 when its position or the sample index is out of range.</summary>
    private static int Sample(GatherArgs args, ArrayView<int> indices, int first, int r) =>
        PositionInRange(first, r, args.IndexCount) ? SampleOrNone(indices[first + r], args.Samples) : -1;

    /// <summary>
    /// Whether batch row r, at position first + r, lies inside an index view of indexCount entries. Compared unsigned,
    /// so a negative position and one that wraps past int.MaxValue both fall outside.
    /// </summary>
    public static bool PositionInRange(int first, int r, int indexCount) => unchecked((uint)(first + r) < (uint)indexCount);

    /// <summary>The sample index s when it names one of the samples, else -1 (a zero row and label -1).</summary>
    public static int SampleOrNone(int s, int samples) => s >= 0 && s < samples ? s : -1;

    /// <summary>One pixel of the batch: (b * (1/255) - mean) * invStd, in that order (no fused multiply-add).</summary>
    public static float Normalize(byte b, float mean, float invStd) => (b * (1f / 255f) - mean) * invStd;
}
