using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>
/// CPU twin of kernels/gemm: C = act(alpha * op(A) * op(B) + beta * C + bias), row-major.
/// Blocking: k is cut into KC-deep slices; for each slice op(B) is packed once into NR-wide column panels
/// ([kc][NR], zero padded), and each MR-row block of op(A) is packed into [kc][MR]. The micro-kernel keeps an
/// MR x NR tile of C in 8 Vector256 accumulators and runs one broadcast-FMA sweep over kc. Row blocks are split
/// across the thread pool when the product is large enough to pay for it. beta is applied on the first k slice,
/// bias and activation on the last, while the tile is still in cache.
/// </summary>
internal static unsafe class CpuGemm
{
    private const int MR = 4;
    private const int NR = 16;
    private const int KC = 256;
    private const long ParallelThreshold = 1L << 18; // m*n*k below this runs on the calling thread

    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha, float[] a, float[] b,
        float beta, float[] c, float[]? bias, Activation activation)
    {
        if (k == 0)
        {
            EpilogueOnly(m, n, beta, c, bias, activation);
            return;
        }

        int panels = (n + NR - 1) / NR;
        int rowBlocks = (m + MR - 1) / MR;
        float[] bPack = ArrayPool<float>.Shared.Rent(KC * panels * NR);
        try
        {
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                PackB(transB, b, n, k, pc, kc, panels, bPack);
                var slice = new Slice(transA, a, m, k, pc, kc, n, panels, alpha, beta, c, bias, activation,
                    first: pc == 0, last: pc + kc == k, bPack);
                int threads = (long)m * n * k >= ParallelThreshold ? Math.Min(Environment.ProcessorCount, rowBlocks) : 1;
                if (threads <= 1)
                {
                    slice.RunRowBlocks(0, rowBlocks);
                }
                else
                {
                    int per = (rowBlocks + threads - 1) / threads;
                    Parallel.For(0, threads, t =>
                    {
                        int lo = t * per, hi = Math.Min(rowBlocks, lo + per);
                        if (lo < hi) slice.RunRowBlocks(lo, hi);
                    });
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(bPack);
        }
    }

    /// <summary>k = 0: C = act(beta * C + bias).</summary>
    private static void EpilogueOnly(int m, int n, float beta, float[] c, float[]? bias, Activation activation)
    {
        for (int i = 0; i < m; i++)
        {
            var row = c.AsSpan(i * n, n);
            for (int j = 0; j < n; j++) row[j] = (beta == 0f ? 0f : beta * row[j]) + (bias is null ? 0f : bias[j]);
            CpuElementwise.ActivateInPlace(activation, row);
        }
    }

    /// <summary>Packs rows [pc, pc+kc) of op(B) into panels: bPack[panel][p][NR].</summary>
    private static void PackB(bool transB, float[] b, int n, int k, int pc, int kc, int panels, float[] bPack)
    {
        for (int jp = 0; jp < panels; jp++)
        {
            int j0 = jp * NR, nr = Math.Min(NR, n - j0);
            var dst = bPack.AsSpan(jp * kc * NR, kc * NR);
            for (int p = 0; p < kc; p++)
            {
                var d = dst.Slice(p * NR, NR);
                if (!transB)
                {
                    b.AsSpan((pc + p) * n + j0, nr).CopyTo(d);
                }
                else
                {
                    for (int j = 0; j < nr; j++) d[j] = b[(j0 + j) * k + pc + p];
                }
                if (nr < NR) d[nr..].Clear();
            }
        }
    }

    private sealed class Slice(bool transA, float[] a, int m, int k, int pc, int kc, int n, int panels,
        float alpha, float beta, float[] c, float[]? bias, Activation activation, bool first, bool last, float[] bPack)
    {
        public void RunRowBlocks(int lo, int hi)
        {
            float* aPack = stackalloc float[KC * MR];
            float* tile = stackalloc float[MR * NR];
            fixed (float* ap = a, bp = bPack, cp = c)
            {
                for (int ib = lo; ib < hi; ib++)
                {
                    int i0 = ib * MR, mr = Math.Min(MR, m - i0);
                    PackA(ap, aPack, i0, mr);
                    for (int jp = 0; jp < panels; jp++)
                    {
                        int j0 = jp * NR, nr = Math.Min(NR, n - j0);
                        MicroKernel(aPack, bp + (long)jp * kc * NR, kc, tile);
                        Store(tile, cp, i0, j0, mr, nr);
                    }
                }
            }
        }

        /// <summary>aPack[p][MR] = op(A)[i0 + ii, pc + p], zero padded beyond mr rows.</summary>
        private void PackA(float* ap, float* aPack, int i0, int mr)
        {
            for (int p = 0; p < kc; p++)
            {
                float* d = aPack + p * MR;
                for (int ii = 0; ii < MR; ii++)
                    d[ii] = ii < mr ? (transA ? ap[(long)(pc + p) * m + i0 + ii] : ap[(long)(i0 + ii) * k + pc + p]) : 0f;
            }
        }

        /// <summary>tile[MR][NR] = aPack^T * bPanel over kc: broadcast one A value, FMA against two B vectors.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void MicroKernel(float* aPack, float* bPanel, int kc, float* tile)
        {
            Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
            Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
            for (int p = 0; p < kc; p++)
            {
                var b0 = Vector256.Load(bPanel);
                var b1 = Vector256.Load(bPanel + 8);
                var a0 = Vector256.Create(aPack[0]);
                var a1 = Vector256.Create(aPack[1]);
                var a2 = Vector256.Create(aPack[2]);
                var a3 = Vector256.Create(aPack[3]);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00); c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10); c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20); c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
                c30 = Vector256.FusedMultiplyAdd(a3, b0, c30); c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
                aPack += MR;
                bPanel += NR;
            }
            c00.Store(tile); c01.Store(tile + 8);
            c10.Store(tile + 16); c11.Store(tile + 24);
            c20.Store(tile + 32); c21.Store(tile + 40);
            c30.Store(tile + 48); c31.Store(tile + 56);
        }

        /// <summary>Merges the tile into C: alpha scale, beta on the first slice, bias and activation on the last.</summary>
        private void Store(float* tile, float* cp, int i0, int j0, int mr, int nr)
        {
            for (int ii = 0; ii < mr; ii++)
            {
                float* row = cp + (long)(i0 + ii) * n + j0;
                float* t = tile + ii * NR;
                for (int j = 0; j < nr; j++)
                {
                    float v = alpha * t[j];
                    if (first) { if (beta != 0f) v += beta * row[j]; }
                    else v += row[j];
                    if (last && bias is not null) v += bias[j0 + j];
                    row[j] = v;
                }
                if (last) CpuElementwise.ActivateInPlace(activation, new Span<float>(row, nr));
            }
        }
    }
}
