using ILGPU;
using ILGPU.Runtime;

namespace GpuDigits.Kernels;

/// <summary>Column sums (the bias gradient), deterministic: a fixed-order tree, no atomics.</summary>
public static class ReductionKernels
{
    /// <summary>Largest group (X * Y threads) <see cref="ColumnSums"/> may be launched with.</summary>
    public const int MaxGroupSize = 256;

    /// <summary>
    /// sums[c] = beta * sums[c] + sum_r x[r, c] for a rows x cols matrix; beta == 0 does not read sums. A group of
    /// (X, Y) threads owns X adjacent columns (grid: ceil(cols / X) groups along X): thread (tx, ty) sums rows ty,
    /// ty + Y, ... of column group * X + tx in order (adjacent threads read adjacent addresses), then the Y partial
    /// sums of each column are tree-reduced in shared memory (Y a power of two) and row 0 of the group writes.
    /// </summary>
    public static void ColumnSums(ArrayView<float> x, int rows, int cols, ArrayView<float> sums, float beta)
    {
        var part = SharedMemory.Allocate<float>(MaxGroupSize);
        int tx = Group.IdxX, ty = Group.IdxY;
        int wx = Group.DimX, wy = Group.DimY;
        int col = Grid.IdxX * wx + tx;
        float sum = 0f;
        if (col < cols)
        {
            for (int r = ty; r < rows; r += wy) sum += x[r * cols + col];
        }
        part[ty * wx + tx] = sum;
        Group.Barrier();
        for (int s = wy / 2; s > 0; s /= 2)
        {
            if (ty < s) part[ty * wx + tx] += part[(ty + s) * wx + tx];
            Group.Barrier();
        }
        if (ty == 0 && col < cols)
            sums[col] = beta == 0f ? part[tx] : beta * sums[col] + part[tx];
    }
}
