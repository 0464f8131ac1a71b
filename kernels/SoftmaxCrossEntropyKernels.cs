using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace GpuDigits.Kernels;

/// <summary>Scalar arguments of <see cref="SoftmaxCrossEntropyKernels.Rows"/>, by name.</summary>
public struct SoftmaxArgs
{
    public int Rows;
    public int Cols;
    /// <summary>1 when the gradient view is written, 0 when it is a placeholder.</summary>
    public int HasGradient;
    public float GradientScale;
}

/// <summary>
/// Fused row softmax, cross-entropy, its gradient and the loss / correct-count statistics, in two kernels:
/// <see cref="Rows"/> spread over many groups writes one partial (loss, hits) per group, and <see cref="Totals"/>, one
/// group, adds the partials in a fixed order to stats. The group sums are fixed-order trees in shared memory rather
/// than ILGPU.Algorithms' <c>Group.AllReduce</c>, which ends in atomics: float sums would then change from run to
/// run, and a training run must be bit-reproducible (the recorded-step replay is checked against op-by-op launches).
/// </summary>
public static class SoftmaxCrossEntropyKernels
{
    /// <summary>Largest group either kernel may be launched with (the size of the shared scratch).</summary>
    public const int MaxGroupSize = 256;

    /// <summary>
    /// One thread per row (rows r = global index, + grid size, ...; cols is small, 10 classes): the first arg-max of
    /// the logits (taken before probs, which may alias them, is written), probs = softmax (max-subtracted), the
    /// loss -log(max(p[label], 1e-30)), a hit when the arg-max is the label, and, with a gradient,
    /// grad = scale * (p - onehot). Each group then tree-reduces its threads' loss and hits in shared memory and
    /// its thread 0 writes partials[group] (loss) and partials[groups + group] (hits). The group size must be a
    /// power of two no larger than <see cref="MaxGroupSize"/>; partials holds 2 * grid size floats.
    /// </summary>
    public static void Rows(SoftmaxArgs args, ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> probs,
        ArrayView<float> grad, ArrayView<float> partials)
    {
        var lossPart = SharedMemory.Allocate<float>(MaxGroupSize);
        var hitPart = SharedMemory.Allocate<float>(MaxGroupSize);
        int cols = args.Cols;
        float loss = 0f, hits = 0f;
        for (int r = Grid.GlobalIndex.X; r < args.Rows; r += Grid.DimX * Group.DimX)
        {
            int row = r * cols;
            int label = labels[r];
            float zmax = logits[row];
            int arg = 0;
            for (int c = 1; c < cols; c++)
            {
                float z = logits[row + c];
                if (z > zmax) { zmax = z; arg = c; }
            }
            float sum = 0f;
            for (int c = 0; c < cols; c++)
            {
                float e = XMath.Exp(logits[row + c] - zmax);
                probs[row + c] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int c = 0; c < cols; c++) probs[row + c] *= inv;
            loss += LossTerm(LabelInRange(label, cols) ? probs[row + label] : 0f);
            if (arg == label) hits += 1f;
            if (args.HasGradient != 0)
            {
                for (int c = 0; c < cols; c++)
                    grad[row + c] = GradientTerm(args.GradientScale, probs[row + c], c == label);
            }
        }
        int lid = Group.IdxX;
        SumOverGroup(lossPart, hitPart, lid, loss, hits);
        if (lid == 0)
        {
            partials[Grid.IdxX] = lossPart[0];
            partials[Grid.DimX + Grid.IdxX] = hitPart[0];
        }
    }

    /// <summary>
    /// Whether a label names one of the cols classes. A label outside (the -1 that gather writes for a position or
    /// sample out of range) has probability 0 (loss term -log(1e-30)), is never a hit, and adds no one-hot to the
    /// gradient.
    /// </summary>
    public static bool LabelInRange(int label, int cols) => label >= 0 && label < cols;

    /// <summary>A row's loss term -log(max(p[label], 1e-30)).</summary>
    public static float LossTerm(float labelProbability) => -XMath.Log(XMath.Max(labelProbability, 1e-30f));

    /// <summary>One gradient value scale * (p - onehot).</summary>
    public static float GradientTerm(float scale, float p, bool isLabel) => scale * (p - (isLabel ? 1f : 0f));

    /// <summary>
    /// stats[0] += sum of the first <paramref name="groups"/> partial losses, stats[1] += sum of the partial hit
    /// counts. One group (a power of two, at most <see cref="MaxGroupSize"/>): thread l sums partials l, l + L, ...
    /// in order, then the group tree-reduces in shared memory and thread 0 adds to stats.
    /// </summary>
    public static void Totals(ArrayView<float> partials, int groups, ArrayView<float> stats)
    {
        var lossPart = SharedMemory.Allocate<float>(MaxGroupSize);
        var hitPart = SharedMemory.Allocate<float>(MaxGroupSize);
        int lid = Group.IdxX;
        float loss = 0f, hits = 0f;
        for (int g = lid; g < groups; g += Group.DimX)
        {
            loss += partials[g];
            hits += partials[groups + g];
        }
        SumOverGroup(lossPart, hitPart, lid, loss, hits);
        if (lid == 0)
        {
            stats[0] += lossPart[0];
            stats[1] += hitPart[0];
        }
    }

    /// <summary>
    /// Fixed-order tree sum of every thread's (loss, hits) over the group (a power of two): afterwards element 0 of
    /// each scratch view holds the group's totals. Every thread of the group must call it.
    /// </summary>
    private static void SumOverGroup(ArrayView<float> lossPart, ArrayView<float> hitPart, int lid, float loss, float hits)
    {
        lossPart[lid] = loss;
        hitPart[lid] = hits;
        Group.Barrier();
        for (int s = Group.DimX / 2; s > 0; s /= 2)
        {
            if (lid < s)
            {
                lossPart[lid] += lossPart[lid + s];
                hitPart[lid] += hitPart[lid + s];
            }
            Group.Barrier();
        }
    }
}
