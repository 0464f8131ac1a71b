using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GpuDigits.Engine.Cpu;

namespace GpuDigits.Cli.Benchmarks;

/// <summary>
/// The CPU's float32 FMA throughput, the ceiling any GEMM on it can reach: each of the accelerator's threads runs
/// <see cref="Chains"/> independent fused multiply-add chains on the widest vector the GEMM uses (Vector512 where the
/// machine has AVX-512, else Vector256), with no memory traffic. A GEMM row's rate over this one is the fraction of the
/// machine it gets. Hand-written: no library reports it, and what it measures (FMA issue width times clock, under the
/// machine's present load) differs between CPUs with the same instruction set (an AMD Zen 4 runs a 512-bit FMA on two
/// 256-bit units, an Intel Xeon with two 512-bit units does twice the work per cycle).
/// </summary>
public static class FmaPeak
{
    /// <summary>Independent chains: more than FMA latency (4 cycles) times the FMA units (2), so the units never wait.</summary>
    public const int Chains = 12;

    /// <summary>Loop trips per thread and call: about 10 ms of work at 3 GHz.</summary>
    public const long Iterations = 2_000_000;

    public static int Lanes => Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count;

    /// <summary>Floating-point operations of one call on <paramref name="threads"/> threads.</summary>
    public static double Work(int threads) => threads * Iterations * Chains * Lanes * 2.0;

    public static string Describe(int threads) =>
        $"{(Vector512.IsHardwareAccelerated ? "Vector512" : "Vector256")}, {threads} thread{(threads == 1 ? "" : "s")}";

    /// <summary>One call: every thread runs its chains, then all are joined.</summary>
    public static void Run(int threads)
    {
        var workers = new Thread[threads - 1];
        for (int t = 0; t < workers.Length; t++)
        {
            workers[t] = new Thread(() => Chains512Or256(Iterations)) { IsBackground = true };
            workers[t].Start();
        }
        Chains512Or256(Iterations);
        foreach (var w in workers) w.Join();
    }

    private static float Chains512Or256(long iterations) =>
        Vector512.IsHardwareAccelerated ? RunChains<Vector512<float>, Wide512>(iterations) : RunChains<Vector256<float>, Wide256>(iterations);

    /// <summary>The vector operations the chains need, for one vector width (the JIT compiles one loop per width).</summary>
    private interface IWidth<TV>
    {
        static abstract TV Create(float value);
        static abstract TV Fma(TV a, TV b, TV c);
        static abstract float Sum(TV v);
    }

    private readonly struct Wide512 : IWidth<Vector512<float>>
    {
        public static Vector512<float> Create(float value) => Vector512.Create(value);
        public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
        public static float Sum(Vector512<float> v) => Vector512.Sum(v);
    }

    private readonly struct Wide256 : IWidth<Vector256<float>>
    {
        public static Vector256<float> Create(float value) => Vector256.Create(value);
        public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
        public static float Sum(Vector256<float> v) => Vector256.Sum(v);
    }

    /// <summary><see cref="Chains"/> chains a = a * m + d, each waiting only on itself; the sum keeps them live.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float RunChains<TV, TW>(long iterations) where TV : struct where TW : struct, IWidth<TV>
    {
        TV m = TW.Create(0.999f), d = TW.Create(1e-3f);
        TV a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default,
            a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
        for (long i = 0; i < iterations; i++)
        {
            a0 = TW.Fma(a0, m, d); a1 = TW.Fma(a1, m, d); a2 = TW.Fma(a2, m, d); a3 = TW.Fma(a3, m, d);
            a4 = TW.Fma(a4, m, d); a5 = TW.Fma(a5, m, d); a6 = TW.Fma(a6, m, d); a7 = TW.Fma(a7, m, d);
            a8 = TW.Fma(a8, m, d); a9 = TW.Fma(a9, m, d); a10 = TW.Fma(a10, m, d); a11 = TW.Fma(a11, m, d);
        }
        return TW.Sum(a0) + TW.Sum(a1) + TW.Sum(a2) + TW.Sum(a3) + TW.Sum(a4) + TW.Sum(a5)
            + TW.Sum(a6) + TW.Sum(a7) + TW.Sum(a8) + TW.Sum(a9) + TW.Sum(a10) + TW.Sum(a11);
    }
}
