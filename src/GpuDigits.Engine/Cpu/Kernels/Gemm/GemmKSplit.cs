using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using GpuDigits.Engine.Cpu.Threading;

namespace GpuDigits.Engine.Cpu.Kernels.Gemm;

/// <summary>
/// Long-k products with a small C, such as a convolution's weight gradient (C is taps x filters, k is every output
/// pixel of the batch: 288 x 64 over k = 15,488 for the CNN's second convolution, 9 x 32 over 86,528 for its first).
/// Cutting C between threads leaves each thread too few tiles, each re-reading all of op(B); instead k is cut into
/// <see cref="Slices"/> equal slices, each slice's raw product goes to its own partial C, and the partials are then
/// summed in slice order (p0 + p1 + ... ), alpha, beta, bias, the activation and the hook applied as the driver's
/// epilogue would. The number of slices depends on the shape alone, never on the thread count or on which thread ran which
/// slice, so the result is the same bit for bit however the work was shared.
/// </summary>
internal static unsafe class GemmKSplit
{
    /// <summary>Shortest k of a slice: below it the partial C's store and sum cost more than the split saves.</summary>
    public const int MinSliceK = 1024;

    /// <summary>Most slices (a power of two, so two threads get equal shares).</summary>
    public const int MaxSlices = 8;

    /// <summary>Largest C (elements) that is split along k; bigger products have enough tiles to share out.</summary>
    public const long MaxOutput = 1 << 16;

    /// <summary>How many k slices this product is cut into (1: not split).</summary>
    public static int Slices(in GemmArgs g)
    {
        if ((long)g.M * g.N > MaxOutput) return 1;
        int slices = 1;
        while (slices < MaxSlices && (long)g.K >= 2L * slices * MinSliceK) slices *= 2;
        return slices;
    }

    public static void Run<TK>(in GemmArgs g, int slices, bool parallel) where TK : struct, IGemmKernel
    {
        var work = KSliceWork<TK>.Current;
        float* partials = work.Set(g, slices);
        try
        {
            if (parallel) WorkerTeam.Shared.Run(work, slices);
            else for (int s = 0; s < slices; s++) work.Execute(s);
        }
        finally
        {
            work.Clear();
        }
        Reduce(partials, slices, g);
    }

    /// <summary>C = act(alpha * (p0 + p1 + ... + p[slices-1]) + beta * C + bias), the sum into p0 in slice order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Reduce(float* partials, int slices, in GemmArgs g)
    {
        long count = (long)g.M * g.N;
        for (int s = 1; s < slices; s++)
        {
            float* p = partials + s * count;
            long i = 0;
            for (; i + Vector256<float>.Count <= count; i += Vector256<float>.Count)
                (Vector256.Load(partials + i) + Vector256.Load(p + i)).Store(partials + i);
            for (; i < count; i++) partials[i] += p[i];
        }
        new GemmEpilogue(g.Alpha, g.Beta, true, g.Activation).MergeEdge(partials, g.N, g.C, g.N, g.M, g.N, g.Bias);
        g.Hook?.Stored(0, g.N, g.M, g.N);
    }

    /// <summary>The reusable work item of one calling thread, with its partial C buffers (grown, then reused).</summary>
    private sealed class KSliceWork<TK> : IPartitionedWork where TK : struct, IGemmKernel
    {
        [ThreadStatic] private static KSliceWork<TK>? _current;
        public static KSliceWork<TK> Current => _current ??= new KSliceWork<TK>();

        private float[] _storage = [];
        private GemmArgs _g;
        private int _slices;
        private float* _partials;

        public float* Set(in GemmArgs g, int slices)
        {
            long need = (long)slices * g.M * g.N + 16;
            if (_storage.Length < need) _storage = GC.AllocateUninitializedArray<float>(checked((int)need), pinned: true);
            _partials = (float*)(((nint)Marshal.UnsafeAddrOfPinnedArrayElement(_storage, 0) + 63) & ~(nint)63);
            (_g, _slices) = (g, slices);
            return _partials;
        }

        public void Clear() => _g = default;

        public void Execute(int slice)
        {
            int k0 = (int)((long)_g.K * slice / _slices), k1 = (int)((long)_g.K * (slice + 1) / _slices);
            var s = _g.SliceOfK(k0, k1 - k0, _partials + (long)slice * _g.M * _g.N);
            s.PackA = GemmSplit.ShouldPackA(s, TK.MR, TK.NR);
            if (s.ARows is { } rows) RunMadeRows(s, k0, rows);
            else GemmDriver<TK>.Run(s, 0, s.M, 0, s.N, GemmScratch.Current);
        }

        /// <summary>
        /// The slice as the driver would run it, one of its k blocks at a time (the same lengths: K over the fewest
        /// blocks of at most KC), each block's A rows made into this thread's block first, then the driver on that
        /// block alone with C scaled by 0 on the first and 1 after: each element of C gets the same sums in the same
        /// order as the driver's own k loop gives it.
        /// </summary>
        private static void RunMadeRows(GemmArgs s, int k0, IGemmARows rows)
        {
            int kc = GemmDriver<TK>.Blocking.KC, blocks = (s.K + kc - 1) / kc, kcMax = (s.K + blocks - 1) / blocks;
            float* block = RowsBlock((long)kcMax * s.Lda);
            float* b = s.B;
            for (int pc = 0; pc < s.K; pc += kcMax)
            {
                var part = s;
                part.K = Math.Min(kcMax, s.K - pc);
                rows.Write(k0 + pc, part.K, block);
                part.A = block;
                part.B = s.TransB ? b + pc : b + pc * s.Ldb;
                part.Beta = pc == 0 ? 0f : 1f;
                GemmDriver<TK>.Run(part, 0, part.M, 0, part.N, GemmScratch.Current);
            }
        }

        [ThreadStatic] private static float[]? _rows;

        /// <summary>This thread's block of made A rows, pinned, 64-byte aligned, grown and then reused.</summary>
        private static float* RowsBlock(long floats)
        {
            if (_rows is null || _rows.Length < floats + 16) _rows = GC.AllocateUninitializedArray<float>(checked((int)floats + 16), pinned: true);
            return (float*)(((nint)Marshal.UnsafeAddrOfPinnedArrayElement(_rows, 0) + 63) & ~(nint)63);
        }
    }
}
