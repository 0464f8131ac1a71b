using System.Runtime.CompilerServices;

namespace GpuDigits.Engine.Cpu.Kernels.Gemm;

/// <summary>
/// Scalar fallback micro-kernel, 4 x 4: sixteen float accumulators, for machines without Vector256. Same packing
/// and epilogue as the SIMD kernels, so the driver and the edge handling are shared and tested on every path.
/// </summary>
internal unsafe struct GemmKernelScalar : IGemmKernel
{
    public static int MR => 4;
    public static int NR => 4;

    public static void Panel(int kc, float* a, nint lda, float* b, float* c, nint ldc, in GemmEpilogue e, float* bias) =>
        Tile(kc, a, lda, 1, b, c, ldc, e, bias);

    public static void Rows(int kc, float* a, nint lda, float* b, float* c, nint ldc, in GemmEpilogue e, float* bias) =>
        Tile(kc, a, 1, lda, b, c, ldc, e, bias);

    /// <summary>A(r, p) at a[p * kStride + r * rStride].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile(int kc, float* a, nint kStride, nint rStride, float* b, float* c, nint ldc, in GemmEpilogue e, float* bias)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        float* a0 = a, a1 = a + rStride, a2 = a1 + rStride, a3 = a2 + rStride;
        for (int p = 0; p < kc; p++)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float x = *a0;
            c00 += x * b0; c01 += x * b1; c02 += x * b2; c03 += x * b3;
            x = *a1;
            c10 += x * b0; c11 += x * b1; c12 += x * b2; c13 += x * b3;
            x = *a2;
            c20 += x * b0; c21 += x * b1; c22 += x * b2; c23 += x * b3;
            x = *a3;
            c30 += x * b0; c31 += x * b1; c32 += x * b2; c33 += x * b3;
            a0 += kStride; a1 += kStride; a2 += kStride; a3 += kStride;
            b += 4;
        }
        Row(c, e, bias, c00, c01, c02, c03);
        Row(c + ldc, e, bias, c10, c11, c12, c13);
        Row(c + 2 * ldc, e, bias, c20, c21, c22, c23);
        Row(c + 3 * ldc, e, bias, c30, c31, c32, c33);
        e.ActivateRows(c, ldc, 4, 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(float* r, in GemmEpilogue e, float* bias, float x0, float x1, float x2, float x3)
    {
        r[0] = e.Apply(x0, r, bias);
        r[1] = e.Apply(x1, r + 1, bias == null ? null : bias + 1);
        r[2] = e.Apply(x2, r + 2, bias == null ? null : bias + 2);
        r[3] = e.Apply(x3, r + 3, bias == null ? null : bias + 3);
    }
}
