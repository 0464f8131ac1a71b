using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GpuDigits.Engine.Cpu.Kernels.Gemm;

/// <summary>
/// Vector512 (AVX-512) micro-kernel, 8 x 32: sixteen ZMM accumulators, two B vectors and one broadcast, leaving
/// half of the 32 registers free so the JIT never spills. Each k step issues 2 B loads, 8 broadcasts and 16 FMAs.
/// Forced on a machine without AVX-512 it still computes the right answer (.NET emulates Vector512), which is how
/// the tests cover it there.
/// </summary>
internal unsafe struct GemmKernel512 : IGemmKernel
{
    public static int MR => 8;
    public static int NR => 32;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Panel(int kc, float* a, nint lda, float* b, float* c, nint ldc, in GemmEpilogue e, float* bias)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> av;
            av = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(av, b0, c00); c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(av, b0, c10); c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(av, b0, c20); c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(av, b0, c30); c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(av, b0, c40); c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(av, b0, c50); c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(av, b0, c60); c61 = Vector512.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(av, b0, c70); c71 = Vector512.FusedMultiplyAdd(av, b1, c71);
            a += lda;
            b += 32;
        }
        Store(c, ldc, e, bias, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(int kc, float* a, nint lda, float* b, float* c, nint ldc, in GemmEpilogue e, float* bias)
    {
        float* a0 = a; float* a1 = a0 + lda; float* a2 = a1 + lda; float* a3 = a2 + lda; float* a4 = a3 + lda; float* a5 = a4 + lda; float* a6 = a5 + lda; float* a7 = a6 + lda;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (nint p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> av;
            av = Vector512.Create(a0[p]);
            c00 = Vector512.FusedMultiplyAdd(av, b0, c00); c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a1[p]);
            c10 = Vector512.FusedMultiplyAdd(av, b0, c10); c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a2[p]);
            c20 = Vector512.FusedMultiplyAdd(av, b0, c20); c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a3[p]);
            c30 = Vector512.FusedMultiplyAdd(av, b0, c30); c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a4[p]);
            c40 = Vector512.FusedMultiplyAdd(av, b0, c40); c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a5[p]);
            c50 = Vector512.FusedMultiplyAdd(av, b0, c50); c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(a6[p]);
            c60 = Vector512.FusedMultiplyAdd(av, b0, c60); c61 = Vector512.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(a7[p]);
            c70 = Vector512.FusedMultiplyAdd(av, b0, c70); c71 = Vector512.FusedMultiplyAdd(av, b1, c71);
            b += 32;
        }
        Store(c, ldc, e, bias, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, nint ldc, in GemmEpilogue e, float* bias,
        Vector512<float> c00, Vector512<float> c01, Vector512<float> c10, Vector512<float> c11, Vector512<float> c20, Vector512<float> c21, Vector512<float> c30, Vector512<float> c31, Vector512<float> c40, Vector512<float> c41, Vector512<float> c50, Vector512<float> c51, Vector512<float> c60, Vector512<float> c61, Vector512<float> c70, Vector512<float> c71)
    {
        float* bias1 = bias == null ? null : bias + 16;
        float* r = c;
        e.Apply(c00, r, bias).Store(r); e.Apply(c01, r + 16, bias1).Store(r + 16); r += ldc;
        e.Apply(c10, r, bias).Store(r); e.Apply(c11, r + 16, bias1).Store(r + 16); r += ldc;
        e.Apply(c20, r, bias).Store(r); e.Apply(c21, r + 16, bias1).Store(r + 16); r += ldc;
        e.Apply(c30, r, bias).Store(r); e.Apply(c31, r + 16, bias1).Store(r + 16); r += ldc;
        e.Apply(c40, r, bias).Store(r); e.Apply(c41, r + 16, bias1).Store(r + 16); r += ldc;
        e.Apply(c50, r, bias).Store(r); e.Apply(c51, r + 16, bias1).Store(r + 16); r += ldc;
        e.Apply(c60, r, bias).Store(r); e.Apply(c61, r + 16, bias1).Store(r + 16); r += ldc;
        e.Apply(c70, r, bias).Store(r); e.Apply(c71, r + 16, bias1).Store(r + 16);
        e.ActivateRows(c, ldc, 8, 32);
    }
}
