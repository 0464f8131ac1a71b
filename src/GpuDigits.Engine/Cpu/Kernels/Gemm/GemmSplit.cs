namespace GpuDigits.Engine.Cpu.Kernels.Gemm;

/// <summary>
/// How a GEMM is shared between threads: C is cut into <see cref="Parts"/> rectangles (chunks) along rows (in whole
/// MR panels) or columns (in whole NR panels), <see cref="ChunksPerThread"/> per thread (one for products above
/// <see cref="LargeWork"/>), which the caller and the workers claim one at a time (so a worker the OS is slow to
/// schedule costs nothing). There is no synchronization inside the GEMM: each chunk packs the part of op(B) (and op(A))
/// it needs. The cut goes where the duplicated packing plus the operand traffic is smallest, and a GEMM below
/// <see cref="MinFlopsPerThread"/> per thread is not split at all (the fork-join handoff, about a microsecond, would
/// cost more than it saves). The thresholds are set from those costs; whether splitting pays at all on a given
/// machine state is decided at run time by the worker team (see docs/benchmarks.md for the measurements).
/// </summary>
internal readonly record struct GemmSplit(int Parts, bool ByColumns)
{
    /// <summary>Multiply-adds (m n k) a thread must get before a split can pay: 2^20 is about 10 µs of work per thread.</summary>
    public static long MinFlopsPerThread { get; set; } = 1L << 20;

    /// <summary>Chunks per thread: more balance the load when a thread is descheduled, fewer pack less twice.</summary>
    public static int ChunksPerThread { get; set; } = 2;

    /// <summary>Multiply-adds from which a GEMM gets one chunk per thread (its duplicated packing outweighs balance).</summary>
    public static long LargeWork { get; set; } = 1L << 26;

    /// <summary>
    /// In-place A (no packing) wins on the training shapes, where each A panel meets only a few B panels and the
    /// leading dimensions are not powers of two; big products, and strides that alias in the L1 sets (multiples of
    /// 1 KB), pack A.
    /// </summary>
    public static bool ShouldPackA(in GemmArgs g, int mr, int nr)
    {
        long lda = g.Lda;
        if ((lda * sizeof(float)) % 1024 == 0 && g.M > mr) return true;
        return (long)g.M * g.K > 1L << 18 && g.N > 4 * nr;
    }

    public static GemmSplit Plan(in GemmArgs g, int mr, int nr, int threads)
    {
        long work = (long)g.M * g.N * g.K;
        int threadsUsed = (int)Math.Clamp(work / MinFlopsPerThread, 1, threads);
        if (threadsUsed <= 1) return new GemmSplit(1, false);
        // Large products: one chunk per thread, since each chunk packs its own copy of the shared operand.
        int parts = threadsUsed * (work >= LargeWork ? 1 : ChunksPerThread);
        int rowPanels = (g.M + mr - 1) / mr, colPanels = (g.N + nr - 1) / nr;
        bool canRows = rowPanels >= parts, canCols = colPanels >= parts;
        if (!canRows && !canCols)
        {
            parts = Math.Max(rowPanels, colPanels);
            if (parts < 2) return new GemmSplit(1, false);
            return new GemmSplit(parts, colPanels > rowPanels);
        }
        if (canRows != canCols) return new GemmSplit(parts, canCols);
        // Traffic per chunk (floats): rows split -> all of B packed, 1/parts of A; columns split -> the reverse.
        double aCost = g.PackA ? 2.0 : 1.0;
        double rowsSplit = 2.0 * g.K * g.N + aCost * g.M / parts * g.K;
        double colsSplit = 2.0 * g.K * g.N / parts + aCost * g.M * g.K;
        return new GemmSplit(parts, colsSplit < rowsSplit);
    }

    /// <summary>The rectangle [i0, i1) x [j0, j1) of C that part <paramref name="part"/> computes.</summary>
    public (int I0, int I1, int J0, int J1) Range(int part, int m, int n, int mr, int nr)
    {
        if (ByColumns)
        {
            var (lo, hi) = Share(part, (n + nr - 1) / nr);
            return (0, m, Math.Min(n, lo * nr), Math.Min(n, hi * nr));
        }
        var (rlo, rhi) = Share(part, (m + mr - 1) / mr);
        return (Math.Min(m, rlo * mr), Math.Min(m, rhi * mr), 0, n);
    }

    private (int Lo, int Hi) Share(int part, int units)
    {
        int per = units / Parts, extra = units % Parts;
        int lo = part * per + Math.Min(part, extra);
        return (lo, lo + per + (part < extra ? 1 : 0));
    }
}
