using System.Numerics;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>CPU twins of kernels/optimizers: one vectorized pass over parameters and their state.</summary>
internal static class CpuOptimizers
{
    /// <summary>v = momentum * v + g; p -= lr * v.</summary>
    public static void SgdMomentum(Span<float> p, ReadOnlySpan<float> g, Span<float> v, float lr, float momentum)
    {
        int n = p.Length, i = 0, w = Vector<float>.Count;
        var mu = new Vector<float>(momentum);
        var eta = new Vector<float>(lr);
        for (; i <= n - w; i += w)
        {
            var vv = mu * new Vector<float>(v[i..]) + new Vector<float>(g[i..]);
            vv.CopyTo(v[i..]);
            (new Vector<float>(p[i..]) - eta * vv).CopyTo(p[i..]);
        }
        for (; i < n; i++)
        {
            v[i] = momentum * v[i] + g[i];
            p[i] -= lr * v[i];
        }
    }

    /// <summary>Adam with the bias corrections c1 = 1/(1-b1^step), c2 = 1/(1-b2^step) computed by the caller.</summary>
    public static void Adam(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float lr, float beta1, float beta2, float epsilon, float c1, float c2)
    {
        int n = p.Length, i = 0, w = Vector<float>.Count;
        var b1 = new Vector<float>(beta1);
        var b2 = new Vector<float>(beta2);
        var ob1 = new Vector<float>(1f - beta1);
        var ob2 = new Vector<float>(1f - beta2);
        var vc1 = new Vector<float>(c1);
        var vc2 = new Vector<float>(c2);
        var eta = new Vector<float>(lr);
        var eps = new Vector<float>(epsilon);
        for (; i <= n - w; i += w)
        {
            var gv = new Vector<float>(g[i..]);
            var mv = b1 * new Vector<float>(m[i..]) + ob1 * gv;
            var vv = b2 * new Vector<float>(v[i..]) + ob2 * gv * gv;
            mv.CopyTo(m[i..]);
            vv.CopyTo(v[i..]);
            (new Vector<float>(p[i..]) - eta * (mv * vc1) / (Vector.SquareRoot(vv * vc2) + eps)).CopyTo(p[i..]);
        }
        for (; i < n; i++)
        {
            m[i] = beta1 * m[i] + (1f - beta1) * g[i];
            v[i] = beta2 * v[i] + (1f - beta2) * g[i] * g[i];
            p[i] -= lr * (m[i] * c1) / (MathF.Sqrt(v[i] * c2) + epsilon);
        }
    }
}
