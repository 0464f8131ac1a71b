using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GpuDigits.Engine.Cpu.Kernels.Gemm;

/// <summary>
/// Vector512 (AVX-512) micro-kernel for narrow products, 8 x 16: eight ZMM accumulators, one B vector and one
/// broadcast per row. <see cref="CpuGemm"/> takes it when C has at most 16 columns (the 10-class output layer and its
/// weight gradient): there the 8 x 32 kernel computes 32 columns to keep 10, this one 16. Each k step issues 1 B load,
/// 8 broadcasts and 8 FMAs (eight independent chains cover the FMA latency).
/// </summary>
internal unsafe struct GemmKernel512Narrow : IGemmKernel
{
    public static int MR => 8;
    public static int NR => 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Panel(int kc, float* a, nint lda, float* b, float* c, nint ldc, in GemmEpilogue e, float* bias)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[1]), b0, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[2]), b0, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[3]), b0, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[4]), b0, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[5]), b0, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a[6]), b0, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a[7]), b0, c7);
            a += lda;
            b += 16;
        }
        Store(c, ldc, e, bias, c0, c1, c2, c3, c4, c5, c6, c7);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(int kc, float* a, nint lda, float* b, float* c, nint ldc, in GemmEpilogue e, float* bias)
    {
        float* a0 = a; float* a1 = a0 + lda; float* a2 = a1 + lda; float* a3 = a2 + lda; float* a4 = a3 + lda; float* a5 = a4 + lda; float* a6 = a5 + lda; float* a7 = a6 + lda;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (nint p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[p]), b0, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[p]), b0, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[p]), b0, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a3[p]), b0, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[p]), b0, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a5[p]), b0, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a6[p]), b0, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a7[p]), b0, c7);
            b += 16;
        }
        Store(c, ldc, e, bias, c0, c1, c2, c3, c4, c5, c6, c7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, nint ldc, in GemmEpilogue e, float* bias,
        Vector512<float> c0, Vector512<float> c1, Vector512<float> c2, Vector512<float> c3, Vector512<float> c4, Vector512<float> c5, Vector512<float> c6, Vector512<float> c7)
    {
        float* r = c;
        e.Apply(c0, r, bias).Store(r); r += ldc;
        e.Apply(c1, r, bias).Store(r); r += ldc;
        e.Apply(c2, r, bias).Store(r); r += ldc;
        e.Apply(c3, r, bias).Store(r); r += ldc;
        e.Apply(c4, r, bias).Store(r); r += ldc;
        e.Apply(c5, r, bias).Store(r); r += ldc;
        e.Apply(c6, r, bias).Store(r); r += ldc;
        e.Apply(c7, r, bias).Store(r);
        e.ActivateRows(c, ldc, 8, 16);
    }
}
