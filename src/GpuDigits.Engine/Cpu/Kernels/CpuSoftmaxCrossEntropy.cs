namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>CPU twin of kernels/softmax_xent: fused softmax, cross-entropy, gradient and accuracy count, one pass per row.</summary>
internal static class CpuSoftmaxCrossEntropy
{
    public static void Run(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int rows, int cols,
        Span<float> probabilities, Span<float> gradient, bool writeGradient, float gradientScale, Span<float> stats)
    {
        double lossSum = 0;
        int correct = 0;
        for (int r = 0; r < rows; r++)
        {
            var z = logits.Slice(r * cols, cols);
            var p = probabilities.Slice(r * cols, cols);
            int label = labels[r];

            float max = z[0];
            int argMax = 0;
            for (int c = 1; c < cols; c++)
                if (z[c] > max) { max = z[c]; argMax = c; }

            float sum = 0f;
            for (int c = 0; c < cols; c++)
            {
                float e = MathF.Exp(z[c] - max);
                p[c] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int c = 0; c < cols; c++) p[c] *= inv;

            lossSum += -MathF.Log(MathF.Max(p[label], 1e-30f));
            if (argMax == label) correct++;

            if (writeGradient)
            {
                var g = gradient.Slice(r * cols, cols);
                for (int c = 0; c < cols; c++) g[c] = gradientScale * (p[c] - (c == label ? 1f : 0f));
            }
        }
        stats[0] += (float)lossSum;
        stats[1] += correct;
    }
}
