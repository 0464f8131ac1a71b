using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.InteropServices;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>CPU twin of kernels/reductions: column sums (bias gradients).</summary>
internal static class CpuReductions
{
    /// <summary>
    /// sums[c] = beta * sums[c] + sum_r x[r, c]; with beta 0 the old sums are not read. Row by row into the sums,
    /// which stay in L1; plain vector loops (a library call per row would cost more than the row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ColumnSums(ReadOnlySpan<float> x, int rows, int cols, Span<float> sums, float beta)
    {
        var s = sums[..cols];
        if (beta == 0f) s.Clear();
        else if (beta != 1f) for (int c = 0; c < cols; c++) s[c] *= beta;
        for (int r = 0; r < rows; r++) CpuElementwise.AddTo(s, x.Slice(r * cols, cols));
    }
}
