using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.InteropServices;
using GpuDigits.Engine.Cpu.Kernels.Gemm;
using GpuDigits.Engine.Cpu.Threading;
using GpuDigits.Kernels;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>
/// CPU twin of kernels/OptimizerKernels.cs: one pass over a parameter tensor and its state (each value read once,
/// written once) running the same rule struct, its vector form over the body and its scalar form over the tail.
/// Tensors of at least <see cref="Grain"/> values are shared over the worker team, which on two cores doubles the L2
/// capacity and bandwidth the update streams through.
/// </summary>
internal static class CpuOptimizers
{
    /// <summary>Smallest chunk a thread gets (values): below it the handoff costs more than the pass.</summary>
    public const int Grain = 16 * 1024;

    /// <summary>(p, s0, s1) = rule.Update(p, g, s0, s1) for i &lt; count; a one-slot rule gets s0 as s1 and ignores it.</summary>
    public static void Step<TRule>(TRule rule, float[] p, float[] g, float[] s0, float[] s1, int count, StepScalars scalars,
        int threads, bool alwaysSplit) where TRule : struct, IOptimizerRule =>
        CpuParallel.For(new Body<TRule>(rule, p, g, s0, s1, scalars), count, threads, Grain, alwaysSplit);

    /// <summary>
    /// The same step as a GEMM hook (<see cref="IGemmBlockHook"/>): each block of the gradient is stepped as soon as
    /// the GEMM has stored it, row by row, by the same body over the same elements, so the values are those of
    /// <see cref="Step{TRule}"/> after the GEMM. One reusable hook per calling thread; blocks may run on any thread.
    /// </summary>
    public sealed class BlockStep<TRule> : IGemmBlockHook where TRule : struct, IOptimizerRule
    {
        [ThreadStatic] private static BlockStep<TRule>? _current;

        private Body<TRule> _body;

        /// <summary>This thread's hook, set to step <paramref name="p"/> from gradient <paramref name="g"/> (the GEMM's C).</summary>
        public static BlockStep<TRule> For(TRule rule, float[] p, float[] g, float[] s0, float[] s1, StepScalars scalars)
        {
            var hook = _current ??= new BlockStep<TRule>();
            hook._body = new Body<TRule>(rule, p, g, s0, s1, scalars);
            return hook;
        }

        /// <summary>Lets go of the arrays once the GEMM is done.</summary>
        public void Clear() => _body = default;

        public void Stored(long offset, nint ldc, int rows, int cols)
        {
            var body = _body;
            if (cols == ldc)
            {
                body.Run((int)offset, (int)(offset + (long)rows * cols));
                return;
            }
            for (int r = 0; r < rows; r++)
            {
                int start = (int)(offset + r * ldc);
                body.Run(start, start + cols);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref Vector<float> AsVector(ref float start, int i) => ref Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref start, i));

    private readonly struct Body<TRule>(TRule rule, float[] p, float[] g, float[] s0, float[] s1, StepScalars scalars)
        : IRangeBody where TRule : struct, IOptimizerRule
    {
        private readonly TRule rule = rule;
        private readonly StepScalars scalars = scalars;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int start, int end)
        {
            var rule = this.rule; // a local: calls on it need no defensive copy of the field
            var scalars = this.scalars;
            int n = end - start, i = 0, w = Vector<float>.Count;
            bool two = rule.Slots > 1;
            ref float rp = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(p), start);
            ref float rg = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(g), start);
            ref float r0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s0), start);
            ref float r1 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s1), start);
            // Vector references in place (unaligned, as Vector.LoadUnsafe); two loops so that neither tests the slot count.
            if (two)
                for (; i <= n - w; i += w)
                    rule.Update(ref AsVector(ref rp, i), Vector.LoadUnsafe(ref rg, (nuint)i), ref AsVector(ref r0, i), ref AsVector(ref r1, i), scalars);
            else
                for (; i <= n - w; i += w)
                {
                    ref var v0 = ref AsVector(ref r0, i);
                    rule.Update(ref AsVector(ref rp, i), Vector.LoadUnsafe(ref rg, (nuint)i), ref v0, ref v0, scalars);
                }
            for (; i < n; i++)
            {
                var e = new OptimizerValues
                {
                    P = Unsafe.Add(ref rp, i),
                    G = Unsafe.Add(ref rg, i),
                    S0 = Unsafe.Add(ref r0, i),
                    S1 = two ? Unsafe.Add(ref r1, i) : 0f,
                };
                e = rule.Update(e, scalars);
                Unsafe.Add(ref r0, i) = e.S0;
                if (two) Unsafe.Add(ref r1, i) = e.S1;
                Unsafe.Add(ref rp, i) = e.P;
            }
        }
    }
}
