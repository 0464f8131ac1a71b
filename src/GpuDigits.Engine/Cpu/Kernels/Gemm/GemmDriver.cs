using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GpuDigits.Engine.Cpu.Kernels.Gemm;

/// <summary>One GEMM call's operands, as raw pointers into pinned arrays; row-major, C's leading dimension N.</summary>
internal unsafe struct GemmArgs
{
    public bool TransA, TransB;
    public int M, N, K;
    public float Alpha, Beta;
    public float* A, B, C, Bias;
    public Activation Activation;
    /// <summary>Pack op(A) into panels (true) or let the kernel read it in place (false).</summary>
    public bool PackA;
    /// <summary>Leading dimensions of A and B as stored (those of the whole product when this is a k slice of it).</summary>
    public nint Lda, Ldb;
    /// <summary>Run on each block of C once its final values are stored (see <see cref="IGemmBlockHook"/>); may be null.</summary>
    public IGemmBlockHook? Hook;
    /// <summary>Makes A's stored rows on demand instead of reading them from <see cref="A"/> (see
    /// <see cref="IGemmARows"/>); only a product split along k (<see cref="GemmKSplit"/>) with op(A) = A^T takes one.</summary>
    public IGemmARows? ARows;

    /// <summary>Dense row-major operands: A is M x K (K x M when transposed), B is K x N (N x K).</summary>
    public void SetDenseLeadingDimensions()
    {
        Lda = TransA ? M : K;
        Ldb = TransB ? K : N;
    }

    /// <summary>The raw product over k in [k0, k0 + length) alone, written to <paramref name="c"/> (M x N, leading
    /// dimension N): alpha 1, beta 0, no bias, no activation.</summary>
    public readonly GemmArgs SliceOfK(int k0, int length, float* c)
    {
        var s = this;
        s.K = length;
        s.A = TransA ? A + k0 * Lda : A + k0;
        s.B = TransB ? B + k0 : B + k0 * Ldb;
        s.C = c;
        s.Alpha = 1f;
        s.Beta = 0f;
        s.Bias = null;
        s.Activation = Activation.None;
        s.Hook = null; // the slice is a partial product, not C
        return s;
    }
}

/// <summary>Cache-blocking sizes of one micro-kernel shape.</summary>
internal readonly record struct GemmBlocking(int KC, int MC, int NC)
{
    /// <summary>
    /// KC = 256: a kc x NR B panel (16 KB at NR = 16) stays in the 32 KB L1 while the A panels stream past it.
    /// MC = 24 MR (144 rows at MR = 6): the packed mc x kc A block (144 KB) sits in the 512 KB L2.
    /// NC = 64 NR (1024 columns at NR = 16): the packed kc x nc B block (1 MB) lives in the shared L3.
    /// </summary>
    public static GemmBlocking For(int mr, int nr) => new(256, 24 * mr, 64 * nr);
}

/// <summary>
/// The blocked GEMM loop nest over one rectangle of C (a thread's share), the Goto/BLIS order:
/// <code>
/// for jc in columns step NC            B block (kc x nc, packed per k slice)  -> L3
///   for pc in k step KC (equal slices)   pack op(B)[pc.., jc..] into NR panels
///     for ic in rows step MC             A block (mc x kc)                      -> L2
///       pack op(A) into MR panels, or read it in place (small shapes)
///       for jr in panels                 B micro-panel (kc x NR)                -> L1
///         for ir in row panels           MR x NR tile of C in registers, epilogue fused into the store
/// </code>
/// beta is applied on the first k slice, bias and activation on the last, while the tile is still in registers; the
/// hook, if any, runs on each mc x nc block of the last slice once its tiles are stored.
/// Edge tiles (mr &lt; MR or nr &lt; NR) run the same kernel into a scratch tile and merge the part that exists;
/// edge row panels of an in-place A are packed (zero padded) so no kernel reads past A.
/// </summary>
internal static unsafe class GemmDriver<TK> where TK : struct, IGemmKernel
{
    public static readonly GemmBlocking Blocking = GemmBlocking.For(TK.MR, TK.NR);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(in GemmArgs g, int i0, int i1, int j0, int j1, GemmScratch s)
    {
        int mr = TK.MR, nr = TK.NR;
        var bl = Blocking;
        int slices = (g.K + bl.KC - 1) / bl.KC;
        int kcMax = (g.K + slices - 1) / slices;
        // Sized for the largest block of this kernel (KC x MC of A, KC x NC of B; about 1.2 MB at 6x16), not for this
        // GEMM: a thread's buffers reach their final size on its first chunk of anything and never grow again, so
        // no later step allocates, whichever chunks the dynamic split hands to which thread.
        s.Ensure(bl.KC, bl.MC, bl.NC, mr, nr);
        nint lda = g.Lda, ldb = g.Ldb, ldc = g.N;

        for (int jc = j0; jc < j1; jc += bl.NC)
        {
            int nc = Math.Min(bl.NC, j1 - jc);
            for (int pc = 0; pc < g.K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, g.K - pc);
                GemmPacking.PackB(g.TransB, g.B, ldb, pc, kc, jc, nc, nr, s.B);
                bool last = pc + kc == g.K;
                var e = new GemmEpilogue(g.Alpha, pc == 0 ? g.Beta : 1f, last, g.Activation);
                float* bias = last ? g.Bias : null;

                for (int ic = i0; ic < i1; ic += bl.MC)
                {
                    int mc = Math.Min(bl.MC, i1 - ic);
                    int fullRows = mc / mr * mr;
                    if (g.PackA) GemmPacking.PackA(g.TransA, g.A, lda, ic, mc, pc, kc, mr, s.A);
                    else if (fullRows < mc) GemmPacking.PackA(g.TransA, g.A, lda, ic + fullRows, mc - fullRows, pc, kc, mr, s.Edge);

                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        float* bPanel = s.B + (nint)jr * kc;
                        float* biasJ = bias == null ? null : bias + jc + jr;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            float* cTile = g.C + (nint)(ic + ir) * ldc + jc + jr;
                            float* aPanel;
                            nint aStride;
                            bool inPlaceRows = false;
                            if (g.PackA) { aPanel = s.A + (nint)ir * kc; aStride = mr; }
                            else if (rows < mr) { aPanel = s.Edge; aStride = mr; }
                            else if (g.TransA) { aPanel = g.A + (nint)pc * lda + ic + ir; aStride = lda; }
                            else { aPanel = g.A + (nint)(ic + ir) * lda + pc; aStride = lda; inPlaceRows = true; }

                            if (rows == mr && cols == nr)
                            {
                                if (inPlaceRows) TK.Rows(kc, aPanel, aStride, bPanel, cTile, ldc, e, biasJ);
                                else TK.Panel(kc, aPanel, aStride, bPanel, cTile, ldc, e, biasJ);
                            }
                            else
                            {
                                var raw = GemmEpilogue.Raw;
                                if (inPlaceRows) TK.Rows(kc, aPanel, aStride, bPanel, s.Tile, nr, raw, null);
                                else TK.Panel(kc, aPanel, aStride, bPanel, s.Tile, nr, raw, null);
                                e.MergeEdge(s.Tile, nr, cTile, ldc, rows, cols, biasJ);
                            }
                        }
                    }
                    // The block mc x nc of C is final: the hook runs on it while it is in L2 (whole rows when nc spans C).
                    if (last && g.Hook is { } hook) hook.Stored((nint)ic * ldc + jc, ldc, mc, nc);
                }
            }
        }
    }

}

/// <summary>
/// One thread's packing buffers, 64-byte aligned, grown on demand and then reused: after the first call of a shape
/// a GEMM allocates nothing. Kept per thread (the caller's and each worker's), never shared.
/// </summary>
internal sealed unsafe class GemmScratch
{
    [ThreadStatic] private static GemmScratch? _current;

    public static GemmScratch Current => _current ??= new GemmScratch();

    private float[] _storage = [];
    public float* A, B, Edge, Tile;

    public void Ensure(int kc, int mc, int nc, int mr, int nr)
    {
        long a = (long)kc * RoundUp(mc, mr), b = (long)kc * nc, edge = (long)kc * mr, tile = mr * nr;
        long need = Align(a) + Align(b) + Align(edge) + Align(tile) + 16;
        if (_storage.Length < need)
        {
            _storage = GC.AllocateUninitializedArray<float>(checked((int)need), pinned: true);
        }
        float* p = (float*)(((nint)Marshal.UnsafeAddrOfPinnedArrayElement(_storage, 0) + 63) & ~(nint)63);
        A = p; p += Align(a);
        B = p; p += Align(b);
        Edge = p; p += Align(edge);
        Tile = p;
    }

    /// <summary>Rounds up to whole cache lines and adds one line of slack (the transposing A packer overshoots).</summary>
    private static long Align(long floats) => (floats + 15) / 16 * 16 + 16;
    private static int RoundUp(int x, int unit) => (x + unit - 1) / unit * unit;
}
