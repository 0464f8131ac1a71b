using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.InteropServices;
using GpuDigits.Engine.Cpu.Threading;
using GpuDigits.Kernels;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>
/// CPU twins of kernels/OptimizerKernels.cs (the scalar tails call its formulas; the vector bodies compute them in
/// the same order): one vectorized pass over a parameter tensor and its state (each value read once,
/// written once). Tensors of at least <see cref="Grain"/> values are shared over the worker team, which on two cores
/// doubles the L2 capacity and bandwidth the update streams through.
/// </summary>
internal static class CpuOptimizers
{
    /// <summary>Smallest chunk a thread gets (values): below it the handoff costs more than the pass.</summary>
    public const int Grain = 16 * 1024;

    public static void SgdMomentum(float[] p, float[] g, float[] v, int count, float lr, float momentum, int threads, bool alwaysSplit) =>
        CpuParallel.For(new Sgd(p, g, v, lr, momentum), count, threads, Grain, alwaysSplit);

    /// <summary>Adam; the bias corrections c1 = 1/(1-b1^step), c2 = 1/(1-b2^step) come from the caller.</summary>
    public static void Adam(float[] p, float[] g, float[] m, float[] v, int count,
        float lr, float beta1, float beta2, float epsilon, float c1, float c2, int threads, bool alwaysSplit) =>
        CpuParallel.For(new AdamBody(p, g, m, v, lr, beta1, beta2, epsilon, c1, c2), count, threads, Grain, alwaysSplit);

    /// <summary>v = momentum * v + g; p -= lr * v.</summary>
    private readonly struct Sgd(float[] p, float[] g, float[] v, float lr, float momentum) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int start, int end)
        {
            int n = end - start, i = 0, w = Vector<float>.Count;
            ref float rp = ref MemoryMarshal.GetArrayDataReference(p);
            ref float rg = ref MemoryMarshal.GetArrayDataReference(g);
            ref float rv = ref MemoryMarshal.GetArrayDataReference(v);
            rp = ref System.Runtime.CompilerServices.Unsafe.Add(ref rp, start);
            rg = ref System.Runtime.CompilerServices.Unsafe.Add(ref rg, start);
            rv = ref System.Runtime.CompilerServices.Unsafe.Add(ref rv, start);
            var mu = new Vector<float>(momentum);
            var eta = new Vector<float>(lr);
            for (; i <= n - w; i += w)
            {
                var vv = mu * Vector.LoadUnsafe(ref rv, (nuint)i) + Vector.LoadUnsafe(ref rg, (nuint)i);
                vv.StoreUnsafe(ref rv, (nuint)i);
                (Vector.LoadUnsafe(ref rp, (nuint)i) - eta * vv).StoreUnsafe(ref rp, (nuint)i);
            }
            for (; i < n; i++)
            {
                ref float vi = ref System.Runtime.CompilerServices.Unsafe.Add(ref rv, i);
                vi = OptimizerKernels.SgdVelocity(vi, System.Runtime.CompilerServices.Unsafe.Add(ref rg, i), momentum);
                System.Runtime.CompilerServices.Unsafe.Add(ref rp, i) -= lr * vi;
            }
        }
    }

    /// <summary>Adam with bias correction: c1 = 1 / (1 - beta1^step), c2 = 1 / (1 - beta2^step).</summary>
    private readonly struct AdamBody(float[] p, float[] g, float[] m, float[] v, float lr, float beta1, float beta2,
        float epsilon, float c1, float c2) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int start, int end)
        {
            var ps = p.AsSpan(start, end - start);
            var gs = g.AsSpan(start, end - start);
            var ms = m.AsSpan(start, end - start);
            var vs = v.AsSpan(start, end - start);
            ref float rp = ref MemoryMarshal.GetReference(ps);
            ref float rg = ref MemoryMarshal.GetReference(gs);
            ref float rm = ref MemoryMarshal.GetReference(ms);
            ref float rv = ref MemoryMarshal.GetReference(vs);
            int n = ps.Length, i = 0, w = Vector<float>.Count;
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
                var gv = Vector.LoadUnsafe(ref rg, (nuint)i);
                var mv = b1 * Vector.LoadUnsafe(ref rm, (nuint)i) + ob1 * gv;
                var vv = b2 * Vector.LoadUnsafe(ref rv, (nuint)i) + ob2 * gv * gv;
                mv.StoreUnsafe(ref rm, (nuint)i);
                vv.StoreUnsafe(ref rv, (nuint)i);
                (Vector.LoadUnsafe(ref rp, (nuint)i) - eta * (mv * vc1) / (Vector.SquareRoot(vv * vc2) + eps)).StoreUnsafe(ref rp, (nuint)i);
            }
            for (; i < n; i++)
            {
                ms[i] = OptimizerKernels.AdamFirstMoment(ms[i], gs[i], beta1);
                vs[i] = OptimizerKernels.AdamSecondMoment(vs[i], gs[i], beta2);
                ps[i] -= OptimizerKernels.AdamStep(ms[i], vs[i], lr, c1, c2, epsilon);
            }
        }
    }
}
