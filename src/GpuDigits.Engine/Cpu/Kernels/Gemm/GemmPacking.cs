using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GpuDigits.Engine.Cpu.Kernels.Gemm;

/// <summary>
/// Packing of GEMM operands into the layouts the micro-kernels stream: op(B) into kc x NR column panels (row p of
/// a panel is NR consecutive floats), op(A) into kc x MR row panels (step p holds MR consecutive floats). Partial
/// panels are zero padded, so the kernels never branch on edges; the padded products land in a scratch tile.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs op(B)[pc..pc+kc, j0..j0+nc) into ceil(nc / nr) panels of kc x nr at <paramref name="dst"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(bool transB, float* b, nint ldb, int pc, int kc, int j0, int nc, int nr, float* dst)
    {
        for (int jp = 0; jp < nc; jp += nr, dst += kc * nr)
        {
            int cols = Math.Min(nr, nc - jp);
            if (!transB)
            {
                // op(B)[p, j] = b[p * ldb + j]: each panel row is a contiguous run of B's row.
                float* src = b + (nint)pc * ldb + j0 + jp;
                if (cols == nr) for (int p = 0; p < kc; p++, src += ldb) Copy(src, dst + p * nr, nr);
                else
                {
                    for (int p = 0; p < kc; p++, src += ldb)
                    {
                        float* d = dst + p * nr;
                        for (int j = 0; j < cols; j++) d[j] = src[j];
                        for (int j = cols; j < nr; j++) d[j] = 0f;
                    }
                }
            }
            else
            {
                // op(B)[p, j] = b[j * ldb + p]: walk each stored row of B once and scatter it down a panel column.
                for (int j = 0; j < cols; j++)
                {
                    float* src = b + (nint)(j0 + jp + j) * ldb + pc;
                    float* d = dst + j;
                    for (int p = 0; p < kc; p++) d[p * nr] = src[p];
                }
                for (int j = cols; j < nr; j++)
                    for (int p = 0; p < kc; p++) dst[p * nr + j] = 0f;
            }
        }
    }

    /// <summary>Packs op(A)[i0..i0+mc, pc..pc+kc) into ceil(mc / mr) panels of kc x mr at <paramref name="dst"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(bool transA, float* a, nint lda, int i0, int mc, int pc, int kc, int mr, float* dst)
    {
        for (int ip = 0; ip < mc; ip += mr, dst += kc * mr)
        {
            int rows = Math.Min(mr, mc - ip);
            if (transA)
            {
                // op(A)[i, p] = a[p * lda + i]: each step copies a contiguous run of A's row p.
                float* src = a + (nint)pc * lda + i0 + ip;
                for (int p = 0; p < kc; p++, src += lda)
                {
                    float* d = dst + p * mr;
                    for (int r = 0; r < rows; r++) d[r] = src[r];
                    for (int r = rows; r < mr; r++) d[r] = 0f;
                }
            }
            else
            {
                // op(A)[i, p] = a[i * lda + p]: interleave mr rows, one stored row at a time.
                for (int r = 0; r < rows; r++)
                {
                    float* src = a + (nint)(i0 + ip + r) * lda + pc;
                    float* d = dst + r;
                    for (int p = 0; p < kc; p++) d[p * mr] = src[p];
                }
                for (int r = rows; r < mr; r++)
                    for (int p = 0; p < kc; p++) dst[p * mr + r] = 0f;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* src, float* dst, int count)
    {
        int j = 0;
        for (; j + 8 <= count; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
        for (; j < count; j++) dst[j] = src[j];
    }
}
