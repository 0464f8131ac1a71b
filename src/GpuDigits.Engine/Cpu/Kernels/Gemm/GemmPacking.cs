using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
            else if (cols == nr && nr % 8 == 0 && Avx.IsSupported)
            {
                // op(B)[p, j] = b[j * ldb + p]: 8 stored rows x 8 steps at a time, transposed in registers.
                int p8 = kc / 8 * 8;
                for (int jj = 0; jj < nr; jj += 8)
                {
                    float* src = b + (nint)(j0 + jp + jj) * ldb + pc;
                    for (int p = 0; p < p8; p += 8) Transpose8x8(src + p, ldb, dst + (nint)p * nr + jj, nr, 8);
                    for (int p = p8; p < kc; p++)
                        for (int j = 0; j < 8; j++) dst[p * nr + jj + j] = src[j * ldb + p];
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
            else if (rows == mr && mr <= 8 && Avx.IsSupported)
            {
                // op(A)[i, p] = a[i * lda + p]: mr stored rows x 8 steps at a time, transposed in registers. Each
                // step's store is 8 wide and spills mr - 8 zeros into the next step's slot, which that step then
                // overwrites (steps go up); the scratch buffers keep 16 floats of slack after each region.
                float* src = a + (nint)(i0 + ip) * lda + pc;
                int p8 = kc / 8 * 8;
                for (int p = 0; p < p8; p += 8) Transpose8x8(src + p, lda, dst + p * mr, mr, mr);
                for (int p = p8; p < kc; p++)
                    for (int r = 0; r < mr; r++) dst[p * mr + r] = src[r * lda + p];
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

    /// <summary>
    /// Reads <paramref name="rows"/> (at most 8) rows of 8 floats at <paramref name="src"/> (row stride
    /// <paramref name="srcStride"/>; missing rows read as zero) and writes column i of that block as 8 floats at
    /// dst + i * <paramref name="dstStride"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, nint srcStride, float* dst, nint dstStride, int rows)
    {
        var z = Vector256<float>.Zero;
        var r0 = Avx.LoadVector256(src);
        var r1 = rows > 1 ? Avx.LoadVector256(src + srcStride) : z;
        var r2 = rows > 2 ? Avx.LoadVector256(src + 2 * srcStride) : z;
        var r3 = rows > 3 ? Avx.LoadVector256(src + 3 * srcStride) : z;
        var r4 = rows > 4 ? Avx.LoadVector256(src + 4 * srcStride) : z;
        var r5 = rows > 5 ? Avx.LoadVector256(src + 5 * srcStride) : z;
        var r6 = rows > 6 ? Avx.LoadVector256(src + 6 * srcStride) : z;
        var r7 = rows > 7 ? Avx.LoadVector256(src + 7 * srcStride) : z;
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44); var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44); var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44); var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44); var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(s3, s7, 0x31));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* src, float* dst, int count)
    {
        int j = 0;
        for (; j + 8 <= count; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
        for (; j < count; j++) dst[j] = src[j];
    }
}
