using System.Runtime.CompilerServices;

using GpuDigits.Kernels;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>
/// CPU twin of kernels/SoftmaxCrossEntropyKernels.cs: softmax, cross-entropy, gradient and accuracy count fused into
/// one sweep per row (max and first arg-max, exp and sum, normalization, loss term, gradient), the row staying in
/// registers/L1. The loss and gradient terms and the rule for a label out of range are the kernel's own functions.
/// Rows are 10 classes long: plain loops, since a vector library call per row costs more than the row.
/// </summary>
internal static class CpuSoftmaxCrossEntropy
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int rows, int cols,
        Span<float> probabilities, Span<float> gradient, bool writeGradient, float gradientScale, Span<float> stats)
    {
        int total = rows * cols;
        var p = probabilities[..total];
        var z = logits[..total];
        var g = writeGradient ? gradient[..total] : default;
        double lossSum = 0;
        int correct = 0;
        for (int r = 0, o = 0; r < rows; r++, o += cols)
        {
            float max = z[o];
            int argMax = 0;
            for (int c = 1; c < cols; c++)
                if (z[o + c] > max) { max = z[o + c]; argMax = c; }
            int label = labels[r];
            if (argMax == label) correct++;

            float sum = 0f;
            for (int c = 0; c < cols; c++)
            {
                float e = MathF.Exp(z[o + c] - max); // probabilities may alias logits: each value is read before it is written
                p[o + c] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int c = 0; c < cols; c++) p[o + c] *= inv;
            lossSum += SoftmaxCrossEntropyKernels.LossTerm(SoftmaxCrossEntropyKernels.LabelInRange(label, cols) ? p[o + label] : 0f);
            if (writeGradient)
                for (int c = 0; c < cols; c++) g[o + c] = SoftmaxCrossEntropyKernels.GradientTerm(gradientScale, p[o + c], c == label);
        }
        stats[0] += (float)lossSum;
        stats[1] += correct;
    }
}
