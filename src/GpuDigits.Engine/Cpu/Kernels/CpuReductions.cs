using System.Numerics.Tensors;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>CPU twin of kernels/reductions: column sums (bias gradients).</summary>
internal static class CpuReductions
{
    /// <summary>sums[c] = beta * sums[c] + sum_r x[r, c]; with beta 0 the old sums are not read.</summary>
    public static void ColumnSums(ReadOnlySpan<float> x, int rows, int cols, Span<float> sums, float beta)
    {
        var s = sums[..cols];
        if (beta == 0f) s.Clear();
        else if (beta != 1f) TensorPrimitives.Multiply(s, beta, s);
        for (int r = 0; r < rows; r++)
            TensorPrimitives.Add(s, x.Slice(r * cols, cols), s);
    }
}
