using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GpuDigits.Engine.Cpu.Kernels.Gemm;

/// <summary>
/// Vector256 (AVX2 + FMA) micro-kernel, 6 x 16: twelve accumulators, two B vectors and one broadcast A value use
/// 15 of the 16 YMM registers. Each k step issues 2 B loads, 6 broadcasts and 12 FMAs, enough independent FMAs to
/// cover the FMA latency on both pipes.
/// </summary>
internal unsafe struct GemmKernel256 : IGemmKernel
{
    public static int MR => 6;
    public static int NR => 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Panel(int kc, float* a, nint lda, float* b, float* c, nint ldc, in GemmEpilogue e, float* bias)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var av = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(av, b0, c00); c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(av, b0, c10); c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(av, b0, c20); c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(av, b0, c30); c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(av, b0, c40); c41 = Vector256.FusedMultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(av, b0, c50); c51 = Vector256.FusedMultiplyAdd(av, b1, c51);
            a += lda;
            b += 16;
        }
        Store(c, ldc, e, bias, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(int kc, float* a, nint lda, float* b, float* c, nint ldc, in GemmEpilogue e, float* bias)
    {
        float* a0 = a, a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (nint p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var av = Vector256.Create(a0[p]);
            c00 = Vector256.FusedMultiplyAdd(av, b0, c00); c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
            av = Vector256.Create(a1[p]);
            c10 = Vector256.FusedMultiplyAdd(av, b0, c10); c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
            av = Vector256.Create(a2[p]);
            c20 = Vector256.FusedMultiplyAdd(av, b0, c20); c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
            av = Vector256.Create(a3[p]);
            c30 = Vector256.FusedMultiplyAdd(av, b0, c30); c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
            av = Vector256.Create(a4[p]);
            c40 = Vector256.FusedMultiplyAdd(av, b0, c40); c41 = Vector256.FusedMultiplyAdd(av, b1, c41);
            av = Vector256.Create(a5[p]);
            c50 = Vector256.FusedMultiplyAdd(av, b0, c50); c51 = Vector256.FusedMultiplyAdd(av, b1, c51);
            b += 16;
        }
        Store(c, ldc, e, bias, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, nint ldc, in GemmEpilogue e, float* bias,
        Vector256<float> c00, Vector256<float> c01, Vector256<float> c10, Vector256<float> c11,
        Vector256<float> c20, Vector256<float> c21, Vector256<float> c30, Vector256<float> c31,
        Vector256<float> c40, Vector256<float> c41, Vector256<float> c50, Vector256<float> c51)
    {
        float* bias1 = bias == null ? null : bias + 8;
        float* r = c;
        e.Apply(c00, r, bias).Store(r); e.Apply(c01, r + 8, bias1).Store(r + 8); r += ldc;
        e.Apply(c10, r, bias).Store(r); e.Apply(c11, r + 8, bias1).Store(r + 8); r += ldc;
        e.Apply(c20, r, bias).Store(r); e.Apply(c21, r + 8, bias1).Store(r + 8); r += ldc;
        e.Apply(c30, r, bias).Store(r); e.Apply(c31, r + 8, bias1).Store(r + 8); r += ldc;
        e.Apply(c40, r, bias).Store(r); e.Apply(c41, r + 8, bias1).Store(r + 8); r += ldc;
        e.Apply(c50, r, bias).Store(r); e.Apply(c51, r + 8, bias1).Store(r + 8);
        e.ActivateRows(c, ldc, 6, 16);
    }
}
