using ILGPU;
using ILGPU.Runtime;

namespace GpuDigits.Kernels;

/// <summary>Scalar arguments of <see cref="GemmKernels.Gemm{TTile, TOpA, TOpB}"/>, by name.</summary>
public struct GemmArgs
{
    /// <summary>Rows of op(A) and C.</summary>
    public int M;
    /// <summary>Columns of op(B) and C.</summary>
    public int N;
    /// <summary>Columns of op(A), rows of op(B).</summary>
    public int K;
    public float Alpha;
    /// <summary>When 0, C is not read.</summary>
    public float Beta;
    /// <summary>1 when the bias view holds n values to add to every row, 0 when it is a placeholder.</summary>
    public int HasBias;
    /// <summary>An <see cref="Activations"/> code applied last.</summary>
    public int Activation;
}

/// <summary>
/// C = act(alpha * op(A) op(B) + beta * C + bias), all matrices row-major and contiguous. A is stored m x k (k x m
/// when <c>TOpA</c> is <see cref="Transposed"/>), B is stored k x n (n x k when <c>TOpB</c> is), C is m x n.
/// </summary>
public static class GemmKernels
{
    /// <summary>Accumulators per thread along each dimension (a 4 x 4 register block, written out as 16 scalars
    /// because ILGPU 1.5.3 does not unroll loops: an array would live in local memory).</summary>
    public const int RegisterBlock = 4;

    /// <summary>Padding of every staged shared-memory row against bank conflicts.</summary>
    public const int Pad = 1;

    /// <summary>Threads of one group along columns of C (group dimension X).</summary>
    public static int ThreadsX<TTile>() where TTile : struct, IGemmTile => default(TTile).TileN / RegisterBlock;

    /// <summary>Threads of one group along rows of C (group dimension Y).</summary>
    public static int ThreadsY<TTile>() where TTile : struct, IGemmTile => default(TTile).TileM / RegisterBlock;

    /// <summary>
    /// One group computes one TileM x TileN block of C: group (gx, gy) owns rows gy * TileM .. and columns gx * TileN ..;
    /// launch a grid of (ceil(n / TileN), ceil(m / TileM)) groups of (TileN / 4, TileM / 4) threads. Thread (tx, ty)
    /// owns rows ty + i * (TileM / 4) and columns tx + j * (TileN / 4), i, j &lt; 4, so neighbouring threads touch
    /// neighbouring columns (coalesced stores, conflict-free shared reads). k is walked in TileK slices: the group
    /// stages op(A)[block rows, slice] and op(B)[slice, block columns] in shared memory, both k-major, each loaded
    /// along the stored matrix's contiguous dimension; elements outside m, n or k load as zero, so ragged edges need
    /// no special path, and only in-range elements of C are written. The epilogue (alpha, beta, bias, activation)
    /// is applied as each accumulator is stored.
    /// </summary>
    public static void Gemm<TTile, TOpA, TOpB>(GemmArgs args, ArrayView<float> a, ArrayView<float> b,
        ArrayView<float> c, ArrayView<float> bias)
        where TTile : struct, IGemmTile
        where TOpA : struct, IOrientation
        where TOpB : struct, IOrientation
    {
        var tile = default(TTile);
        bool transA = default(TOpA).IsTransposed;
        bool transB = default(TOpB).IsTransposed;
        int tileM = tile.TileM, tileN = tile.TileN, tileK = tile.TileK;
        int wgM = tileM / RegisterBlock, wgN = tileN / RegisterBlock;
        int threads = wgM * wgN;
        int lda = tileM + Pad, ldb = tileN + Pad;
        var aTile = SharedMemory.Allocate<float>(default(TTile).TileK * (default(TTile).TileM + Pad));
        var bTile = SharedMemory.Allocate<float>(default(TTile).TileK * (default(TTile).TileN + Pad));

        int tx = Group.IdxX, ty = Group.IdxY;
        int tid = ty * wgN + tx;
        int row0 = Grid.IdxY * tileM, col0 = Grid.IdxX * tileN;
        int m = args.M, n = args.N, k = args.K;

        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;

        for (int p0 = 0; p0 < k; p0 += tileK)
        {
            for (int e = tid; e < tileM * tileK; e += threads)
            {
                int r = transA ? e % tileM : e / tileK;
                int p = transA ? e / tileM : e % tileK;
                int gr = row0 + r, gp = p0 + p;
                float v = 0f;
                if (gr < m && gp < k) v = transA ? a[gp * m + gr] : a[gr * k + gp];
                aTile[p * lda + r] = v;
            }
            for (int e = tid; e < tileN * tileK; e += threads)
            {
                int q = transB ? e / tileK : e % tileN;
                int p = transB ? e % tileK : e / tileN;
                int gq = col0 + q, gp = p0 + p;
                float v = 0f;
                if (gq < n && gp < k) v = transB ? b[gq * k + gp] : b[gp * n + gq];
                bTile[p * ldb + q] = v;
            }
            Group.Barrier();

            for (int p = 0; p < tileK; p++)
            {
                int ap = p * lda + ty, bp = p * ldb + tx;
                float a0 = aTile[ap], a1 = aTile[ap + wgM], a2 = aTile[ap + 2 * wgM], a3 = aTile[ap + 3 * wgM];
                float b0 = bTile[bp], b1 = bTile[bp + wgN], b2 = bTile[bp + 2 * wgN], b3 = bTile[bp + 3 * wgN];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            Group.Barrier();
        }

        int r0 = row0 + ty, q0 = col0 + tx;
        StoreRow(args, c, bias, r0, q0, wgN, c00, c01, c02, c03);
        StoreRow(args, c, bias, r0 + wgM, q0, wgN, c10, c11, c12, c13);
        StoreRow(args, c, bias, r0 + 2 * wgM, q0, wgN, c20, c21, c22, c23);
        StoreRow(args, c, bias, r0 + 3 * wgM, q0, wgN, c30, c31, c32, c33);
    }

    /// <summary>Stores one row of a thread's register block (columns q0, q0 + step, ...) through the epilogue.</summary>
    private static void StoreRow(GemmArgs args, ArrayView<float> c, ArrayView<float> bias, int r, int q0, int step,
        float v0, float v1, float v2, float v3)
    {
        if (r >= args.M) return;
        Store(args, c, bias, r, q0, v0);
        Store(args, c, bias, r, q0 + step, v1);
        Store(args, c, bias, r, q0 + 2 * step, v2);
        Store(args, c, bias, r, q0 + 3 * step, v3);
    }

    private static void Store(GemmArgs args, ArrayView<float> c, ArrayView<float> bias, int r, int q, float sum)
    {
        if (q >= args.N) return;
        int at = r * args.N + q;
        float v = args.Alpha * sum;
        if (args.Beta != 0f) v += args.Beta * c[at];
        if (args.HasBias != 0) v += bias[q];
        c[at] = Activations.Apply(v, args.Activation);
    }
}
