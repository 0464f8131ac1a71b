using System.Numerics;
using System.Runtime.CompilerServices;
using GpuDigits.Engine.Cpu.Threading;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>CPU twin of kernels/reductions: column sums (bias gradients).</summary>
internal static class CpuReductions
{
    /// <summary>
    /// Elements (rows x cols) from which the column strips are summed, shared between threads; below it, row after row
    /// into the sums (which stay in L1) is faster. Measured (docs/benchmarks.md): the strips take conv1's 86,528 x 32
    /// from 345 to 175 µs, but are slower at conv2's 15,488 x 64 (83 against 76 µs) and at 128 x 128.
    /// </summary>
    public const long StripsFrom = 1L << 21;

    /// <summary>
    /// sums[c] = beta * sums[c] + sum_r x[r, c], each column summed down its rows in row order; with beta 0 the old
    /// sums are not read. A small matrix is added row after row into the sums. A large one is cut into SIMD-vector-wide
    /// column strips (the last one may be narrower); a thread
    /// takes whole strips, up to four at a time summed in registers over all rows (so a tall matrix, such as a
    /// convolution's 86,528 x 32 output gradient, is read once, by both threads, with no reduction between them).
    /// The additions are those of adding row after row into the sums, in the same order.
    /// </summary>
    public static void ColumnSums(float[] x, int rows, int cols, float[] sums, float beta, int threads = 1, bool alwaysSplit = false)
    {
        if ((long)rows * cols < StripsFrom)
        {
            var s = sums.AsSpan(0, cols);
            if (beta == 0f) s.Clear();
            else if (beta != 1f) for (int c = 0; c < cols; c++) s[c] *= beta;
            for (int r = 0; r < rows; r++) CpuElementwise.AddTo(s, x.AsSpan(r * cols, cols));
            return;
        }
        int strips = (cols + Vector<float>.Count - 1) / Vector<float>.Count;
        CpuParallel.For(new ColumnSumsBody(x, rows, cols, sums, beta), strips, threads, 2, alwaysSplit);
    }

    private readonly struct ColumnSumsBody(float[] x, int rows, int cols, float[] sums, float beta) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int begin, int end)
        {
            int lanes = Vector<float>.Count, full = cols / lanes;
            int strip = begin;
            for (; strip + 4 <= Math.Min(end, full); strip += 4) Four(strip * lanes);
            for (; strip < Math.Min(end, full); strip++) One(strip * lanes);
            if (strip < end) // the narrow last strip
                for (int c = strip * lanes; c < cols; c++) Scalar(c);
        }

        private Vector<float> Start(int c)
        {
            if (beta == 0f) return Vector<float>.Zero;
            var s = new Vector<float>(sums, c);
            return beta == 1f ? s : s * beta;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Four(int c)
        {
            int lanes = Vector<float>.Count;
            Vector<float> s0 = Start(c), s1 = Start(c + lanes), s2 = Start(c + 2 * lanes), s3 = Start(c + 3 * lanes);
            for (int r = 0, at = c; r < rows; r++, at += cols)
            {
                s0 += new Vector<float>(x, at);
                s1 += new Vector<float>(x, at + lanes);
                s2 += new Vector<float>(x, at + 2 * lanes);
                s3 += new Vector<float>(x, at + 3 * lanes);
            }
            s0.CopyTo(sums, c);
            s1.CopyTo(sums, c + lanes);
            s2.CopyTo(sums, c + 2 * lanes);
            s3.CopyTo(sums, c + 3 * lanes);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void One(int c)
        {
            var s = Start(c);
            for (int r = 0, at = c; r < rows; r++, at += cols) s += new Vector<float>(x, at);
            s.CopyTo(sums, c);
        }

        private void Scalar(int c)
        {
            float s = beta == 0f ? 0f : beta == 1f ? sums[c] : sums[c] * beta;
            for (int r = 0, at = c; r < rows; r++, at += cols) s += x[at];
            sums[c] = s;
        }
    }
}
