using ILGPU.Algorithms;

namespace GpuDigits.Kernels;

/// <summary>
/// The activation codes of the kernel contract (kernels/README.md) and their device functions, shared by the GEMM
/// epilogue and the elementwise kernels. Codes: 0 none, 1 relu, 2 sigmoid, 3 tanh, 4 elu.
/// </summary>
public static class Activations
{
    public const int None = 0;
    public const int Relu = 1;
    public const int Sigmoid = 2;
    public const int Tanh = 3;
    public const int Elu = 4;

    /// <summary>f(x) for an activation code.</summary>
    public static float Apply(float x, int activation)
    {
        if (activation == Relu) return x > 0f ? x : 0f;
        if (activation == Sigmoid) return 1f / (1f + XMath.Exp(-x));
        if (activation == Tanh) return TanhViaExp(x);
        if (activation == Elu) return x > 0f ? x : XMath.Exp(x) - 1f;
        return x;
    }

    /// <summary>
    /// dy * f'(x), f' written through the forward output y = f(x): relu passes dy where y &gt; 0 (else 0), sigmoid
    /// dy * y * (1 - y), tanh dy * (1 - y^2), elu dy where y &gt; 0 else dy * (y + 1) (= dy e^x), none dy. The one formula of activation_backward: the kernel and the CPU
    /// twin's scalar tail call it, and the CPU twin's vector body multiplies in the same order.
    /// </summary>
    public static float Backward(float y, float dy, int activation)
    {
        if (activation == Relu) return y > 0f ? dy : 0f;
        if (activation == Sigmoid) return dy * y * (1f - y);
        if (activation == Tanh) return dy * (1f - y * y);
        if (activation == Elu) return y > 0f ? dy : dy * (y + 1f);
        return dy;
    }

    /// <summary>
    /// tanh(x) = sign(x) (1 - e) / (1 + e) with e = exp(-2|x|). Written out rather than XMath.Tanh because on sm_75+
    /// that becomes tanh.approx.f32 (about 2^-11 relative), far outside the 2e-6 the contract allows; exp lowers to
    /// ex2.approx (about 2 ulp), which keeps it. The form through exp(-2|x|) never overflows.
    /// </summary>
    private static float TanhViaExp(float x)
    {
        float e = XMath.Exp(-2f * XMath.Abs(x));
        float t = (1f - e) / (1f + e);
        return x < 0f ? -t : t;
    }
}
