using System.Numerics.Tensors;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>
/// CPU twin of kernels/softmax_xent: softmax, cross-entropy, gradient and accuracy count fused. Per row: max and
/// first arg-max of the logits, shifted logits written straight into the probabilities; then one vectorized exp
/// over the whole block; then per row the sum, the normalization, the loss term and the gradient in one sweep.
/// </summary>
internal static class CpuSoftmaxCrossEntropy
{
    public static void Run(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int rows, int cols,
        Span<float> probabilities, Span<float> gradient, bool writeGradient, float gradientScale, Span<float> stats)
    {
        int total = rows * cols;
        var p = probabilities[..total];
        double lossSum = 0;
        int correct = 0;
        for (int r = 0; r < rows; r++)
        {
            var z = logits.Slice(r * cols, cols);
            float max = z[0];
            int argMax = 0;
            for (int c = 1; c < cols; c++)
                if (z[c] > max) { max = z[c]; argMax = c; }
            if (argMax == labels[r]) correct++;
            TensorPrimitives.Subtract(z, max, p.Slice(r * cols, cols)); // probabilities may alias logits: z is read first
        }
        TensorPrimitives.Exp(p, p);
        for (int r = 0; r < rows; r++)
        {
            var pr = p.Slice(r * cols, cols);
            int label = labels[r];
            float inv = 1f / TensorPrimitives.Sum(pr);
            TensorPrimitives.Multiply(pr, inv, pr);
            lossSum += -MathF.Log(MathF.Max(pr[label], 1e-30f));
            if (writeGradient)
            {
                var g = gradient.Slice(r * cols, cols);
                TensorPrimitives.Multiply(pr, gradientScale, g);
                g[label] = gradientScale * (pr[label] - 1f);
            }
        }
        stats[0] += (float)lossSum;
        stats[1] += correct;
    }
}
