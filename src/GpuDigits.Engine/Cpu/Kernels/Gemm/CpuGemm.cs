using GpuDigits.Engine.Cpu.Threading;

namespace GpuDigits.Engine.Cpu.Kernels.Gemm;

/// <summary>
/// CPU twin of kernels/gemm: C = act(alpha * op(A) * op(B) + beta * C + bias), row-major, then the caller's
/// <see cref="IGemmBlockHook"/> on each block of C as it is finished. Picks the micro-kernel
/// (Vector512 / Vector256 / scalar, see <see cref="GemmPath"/>; on Vector512 a 16-wide one for C of at most 16 columns), decides whether to pack A and how many threads to
/// use, and runs <see cref="GemmDriver{TK}"/> over each thread's rectangle of C, or, for a small C over a long k, over
/// each k slice (<see cref="GemmKSplit"/>). The blocking scheme is described on <see cref="GemmDriver{TK}"/>; the split
/// on <see cref="GemmSplit"/>.
/// </summary>
internal static unsafe class CpuGemm
{
    public static void Run(GemmPath path, int maxThreads, bool alwaysSplit, bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, float[] b, float beta, float[] c, float[]? bias, Activation activation, IGemmBlockHook? hook = null)
    {
        fixed (float* pa = a, pb = b, pc = c, pbias = bias)
        {
            if (k == 0)
            {
                GemmEpilogue.EpilogueOnly(pc, m, n, beta, pbias, activation);
                hook?.Stored(0, n, m, n);
                return;
            }
            var g = new GemmArgs
            {
                TransA = transA, TransB = transB, M = m, N = n, K = k, Alpha = alpha, Beta = beta,
                A = pa, B = pb, C = pc, Bias = pbias, Activation = activation, Hook = hook,
            };
            g.SetDenseLeadingDimensions();
            Dispatch<Shared>(path, ref g, maxThreads, alwaysSplit);
        }
    }

    /// <summary>
    /// The product on the calling thread alone, never split along k: for a caller that shares the work out itself.
    /// Same micro-kernel and blocking as <see cref="Run"/> for the path and n, so each element of C is the same sum in
    /// the same order as there whenever <see cref="Run"/> does not split k (<see cref="GemmKSplit.Slices"/> is 1 for
    /// the whole product); the rows of C do not depend on which other rows are computed with them.
    /// </summary>
    public static void RunOnThisThread(GemmPath path, ref GemmArgs g) => Dispatch<ThisThread>(path, ref g, 1, false);

    /// <summary>
    /// The product with op(A) = A^T whose A rows <see cref="GemmArgs.ARows"/> makes block by block (A itself is not
    /// read): the same bits as <see cref="Run"/> on the stored A, for a product that <see cref="Run"/> splits along k
    /// (<see cref="GemmKSplit.Slices"/> above 1), which the caller checks.
    /// </summary>
    public static void RunWithMadeRows(GemmPath path, ref GemmArgs g, int maxThreads, bool alwaysSplit)
    {
        if (g.ARows is null || !g.TransA || GemmKSplit.Slices(g) <= 1)
            throw new InvalidOperationException("made A rows need op(A) = A^T and a product split along k");
        Dispatch<Shared>(path, ref g, maxThreads, alwaysSplit);
    }

    /// <summary>The micro-kernel for a path and the width of C: the one place it is chosen.</summary>
    private static void Dispatch<TRun>(GemmPath path, ref GemmArgs g, int maxThreads, bool alwaysSplit) where TRun : IGemmRun
    {
        switch (path)
        {
            case GemmPath.Vector512 when g.N <= GemmKernel512Narrow.NR: TRun.Run<GemmKernel512Narrow>(ref g, maxThreads, alwaysSplit); break;
            case GemmPath.Vector512: TRun.Run<GemmKernel512>(ref g, maxThreads, alwaysSplit); break;
            case GemmPath.Vector256: TRun.Run<GemmKernel256>(ref g, maxThreads, alwaysSplit); break;
            default: TRun.Run<GemmKernelScalar>(ref g, maxThreads, alwaysSplit); break;
        }
    }

    private interface IGemmRun
    {
        static abstract void Run<TK>(ref GemmArgs g, int maxThreads, bool alwaysSplit) where TK : struct, IGemmKernel;
    }

    private readonly struct ThisThread : IGemmRun
    {
        public static void Run<TK>(ref GemmArgs g, int maxThreads, bool alwaysSplit) where TK : struct, IGemmKernel
        {
            if (g.ARows is not null) throw new InvalidOperationException("made A rows need a product split along k");
            g.PackA = GemmSplit.ShouldPackA(g, TK.MR, TK.NR);
            GemmDriver<TK>.Run(g, 0, g.M, 0, g.N, GemmScratch.Current);
        }
    }

    private readonly struct Shared : IGemmRun
    {
        public static void Run<TK>(ref GemmArgs g, int maxThreads, bool alwaysSplit) where TK : struct, IGemmKernel => CpuGemm.Run<TK>(ref g, maxThreads, alwaysSplit);
    }

    /// <summary>Split along k, over rectangles of C, or not at all, as the shape and the worker team say.</summary>
    private static void Run<TK>(ref GemmArgs g, int maxThreads, bool alwaysSplit) where TK : struct, IGemmKernel
    {
        int slices = GemmKSplit.Slices(g);
        if (slices > 1)
        {
            GemmKSplit.Run<TK>(g, slices, maxThreads > 1 && WorkerTeam.Shared.ShouldSplit(alwaysSplit));
            return;
        }
        if (g.ARows is not null) throw new InvalidOperationException("made A rows need a product split along k");
        g.PackA = GemmSplit.ShouldPackA(g, TK.MR, TK.NR);
        var split = GemmSplit.Plan(g, TK.MR, TK.NR, Math.Min(maxThreads, WorkerTeam.MaxSize));
        if (split.Parts <= 1 || !WorkerTeam.Shared.ShouldSplit(alwaysSplit))
        {
            GemmDriver<TK>.Run(g, 0, g.M, 0, g.N, GemmScratch.Current);
            return;
        }
        var work = GemmWork<TK>.Current;
        work.Set(g, split);
        try
        {
            WorkerTeam.Shared.Run(work, split.Parts);
        }
        finally
        {
            work.Clear();
        }
    }

    /// <summary>The reusable fork-join work item of one calling thread: no allocation per call.</summary>
    private sealed class GemmWork<TK> : IPartitionedWork where TK : struct, IGemmKernel
    {
        [ThreadStatic] private static GemmWork<TK>? _current;
        public static GemmWork<TK> Current => _current ??= new GemmWork<TK>();

        private GemmArgs _g;
        private GemmSplit _split;

        public void Set(in GemmArgs g, GemmSplit split)
        {
            _g = g;
            _split = split;
        }

        public void Clear() => _g = default;

        public void Execute(int part)
        {
            var (i0, i1, j0, j1) = _split.Range(part, _g.M, _g.N, TK.MR, TK.NR);
            if (i0 < i1 && j0 < j1) GemmDriver<TK>.Run(_g, i0, i1, j0, j1, GemmScratch.Current);
        }
    }
}
