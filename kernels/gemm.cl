/*
 * gemm.cl: C = act(alpha * op(A) * op(B) + beta * C + bias), all matrices row-major and contiguous.
 *   op(A) is m x k: A is stored m x k, or k x m when transposed (kernel names gemm_t?).
 *   op(B) is k x n: B is stored k x n, or n x k when transposed (kernel names gemm_?t).
 *   C is m x n; bias (length n, used when has_bias != 0) is added to every row; act is an activation code;
 *   when beta == 0, C is not read.
 *
 * Tiling: each work-group computes one GD_GEMM_TILE_M x GD_GEMM_TILE_N block of C (default 64 x 64) with
 * (TILE_N / WPT_N) x (TILE_M / WPT_M) work-items (default 16 x 16), each holding a WPT_M x WPT_N (default 4 x 4)
 * block of accumulators in registers. Work-item (tx, ty) owns rows ty + i * WG_M and columns tx + j * WG_N, so
 * neighbouring work-items touch neighbouring columns (coalesced stores, conflict-free local reads).
 * k is walked in GD_GEMM_TILE_K slices: the group stages a TILE_K x TILE_M slice of op(A) and a TILE_K x TILE_N
 * slice of op(B) in local memory (both k-major, padded by GD_GEMM_PAD against bank conflicts), loading along the
 * stored matrix's contiguous dimension for each transpose case; elements outside m, n or k load as zero, so ragged
 * edges need no special path, and only in-range elements of C are written.
 * The grid is (ceil(n / TILE_N) groups along dimension 0) x (ceil(m / TILE_M) groups along dimension 1).
 * The four transpose cases are separate kernels (gemm_nn, gemm_nt, gemm_tn, gemm_tt) so each is specialized at
 * compile time. The host may override every GD_GEMM_* tunable with -D; it launches exactly the work-group shape
 * derived here.
 */

#ifndef GD_GEMM_TILE_M
#define GD_GEMM_TILE_M 64
#endif
#ifndef GD_GEMM_TILE_N
#define GD_GEMM_TILE_N 64
#endif
#ifndef GD_GEMM_TILE_K
#define GD_GEMM_TILE_K 16
#endif
#ifndef GD_GEMM_WPT_M
#define GD_GEMM_WPT_M 4
#endif
#ifndef GD_GEMM_WPT_N
#define GD_GEMM_WPT_N 4
#endif
#ifndef GD_GEMM_PAD
#define GD_GEMM_PAD 1
#endif

#define GD_GEMM_WG_M (GD_GEMM_TILE_M / GD_GEMM_WPT_M) /* work-items along rows (dimension 1) */
#define GD_GEMM_WG_N (GD_GEMM_TILE_N / GD_GEMM_WPT_N) /* work-items along columns (dimension 0) */
#define GD_GEMM_THREADS (GD_GEMM_WG_M * GD_GEMM_WG_N)
#define GD_GEMM_LDA (GD_GEMM_TILE_M + GD_GEMM_PAD)    /* local row length of the op(A) slice, [k][m] */
#define GD_GEMM_LDB (GD_GEMM_TILE_N + GD_GEMM_PAD)    /* local row length of the op(B) slice, [k][n] */
#define GD_GEMM_A_LOADS ((GD_GEMM_TILE_M * GD_GEMM_TILE_K) / GD_GEMM_THREADS)
#define GD_GEMM_B_LOADS ((GD_GEMM_TILE_N * GD_GEMM_TILE_K) / GD_GEMM_THREADS)

#if (GD_GEMM_TILE_M % GD_GEMM_WPT_M) != 0 || (GD_GEMM_TILE_N % GD_GEMM_WPT_N) != 0
#error "GD_GEMM_TILE_M/N must be multiples of GD_GEMM_WPT_M/N"
#endif
#if ((GD_GEMM_TILE_M * GD_GEMM_TILE_K) % GD_GEMM_THREADS) != 0 || ((GD_GEMM_TILE_N * GD_GEMM_TILE_K) % GD_GEMM_THREADS) != 0
#error "each tile slice must split evenly over the work-group"
#endif

/* One output block; trans_a / trans_b are compile-time constants in every caller, so each kernel is specialized. */
GD_INLINE void gd_gemm_block(const int trans_a, const int trans_b, const int m, const int n, const int k,
    const float alpha, const GD_GLOBAL float* GD_RESTRICT a, const GD_GLOBAL float* GD_RESTRICT b, const float beta,
    GD_GLOBAL float* GD_RESTRICT c, const GD_GLOBAL float* GD_RESTRICT bias, const int has_bias, const int act,
    GD_LOCAL float* GD_RESTRICT as, GD_LOCAL float* GD_RESTRICT bs)
{
    const int tx = GD_LOCAL_ID(0);
    const int ty = GD_LOCAL_ID(1);
    const int tid = ty * GD_GEMM_WG_N + tx;
    const int row0 = GD_GROUP_ID(1) * GD_GEMM_TILE_M;
    const int col0 = GD_GROUP_ID(0) * GD_GEMM_TILE_N;

    float acc[GD_GEMM_WPT_M][GD_GEMM_WPT_N];
#pragma unroll
    for (int i = 0; i < GD_GEMM_WPT_M; ++i)
#pragma unroll
        for (int j = 0; j < GD_GEMM_WPT_N; ++j) acc[i][j] = 0.0f;

    for (int p0 = 0; p0 < k; p0 += GD_GEMM_TILE_K) {
        /* Stage op(A)[row0 .. +TILE_M, p0 .. +TILE_K] as as[p][r], reading the stored matrix along its rows. */
#pragma unroll
        for (int l = 0; l < GD_GEMM_A_LOADS; ++l) {
            const int e = tid + l * GD_GEMM_THREADS;
            const int r = trans_a ? e % GD_GEMM_TILE_M : e / GD_GEMM_TILE_K;
            const int p = trans_a ? e / GD_GEMM_TILE_M : e % GD_GEMM_TILE_K;
            const int gr = row0 + r, gp = p0 + p;
            float v = 0.0f;
            if (gr < m && gp < k) v = trans_a ? a[gp * m + gr] : a[gr * k + gp];
            as[p * GD_GEMM_LDA + r] = v;
        }
        /* Stage op(B)[p0 .. +TILE_K, col0 .. +TILE_N] as bs[p][c]. */
#pragma unroll
        for (int l = 0; l < GD_GEMM_B_LOADS; ++l) {
            const int e = tid + l * GD_GEMM_THREADS;
            const int q = trans_b ? e / GD_GEMM_TILE_K : e % GD_GEMM_TILE_N;
            const int p = trans_b ? e % GD_GEMM_TILE_K : e / GD_GEMM_TILE_N;
            const int gq = col0 + q, gp = p0 + p;
            float v = 0.0f;
            if (gq < n && gp < k) v = trans_b ? b[gq * k + gp] : b[gp * n + gq];
            bs[p * GD_GEMM_LDB + q] = v;
        }
        GD_BARRIER();

#pragma unroll
        for (int p = 0; p < GD_GEMM_TILE_K; ++p) {
            float ra[GD_GEMM_WPT_M], rb[GD_GEMM_WPT_N];
#pragma unroll
            for (int i = 0; i < GD_GEMM_WPT_M; ++i) ra[i] = as[p * GD_GEMM_LDA + ty + i * GD_GEMM_WG_M];
#pragma unroll
            for (int j = 0; j < GD_GEMM_WPT_N; ++j) rb[j] = bs[p * GD_GEMM_LDB + tx + j * GD_GEMM_WG_N];
#pragma unroll
            for (int i = 0; i < GD_GEMM_WPT_M; ++i)
#pragma unroll
                for (int j = 0; j < GD_GEMM_WPT_N; ++j) acc[i][j] += ra[i] * rb[j];
        }
        GD_BARRIER();
    }

    /* Fused epilogue on the in-range part of the block. */
#pragma unroll
    for (int i = 0; i < GD_GEMM_WPT_M; ++i) {
        const int r = row0 + ty + i * GD_GEMM_WG_M;
        if (r >= m) continue;
#pragma unroll
        for (int j = 0; j < GD_GEMM_WPT_N; ++j) {
            const int q = col0 + tx + j * GD_GEMM_WG_N;
            if (q >= n) continue;
            float v = alpha * acc[i][j];
            if (beta != 0.0f) v += beta * c[r * n + q];
            if (has_bias) v += bias[q];
            c[r * n + q] = gd_activate(v, act);
        }
    }
}

/*
 * gemm_nn / gemm_nt / gemm_tn / gemm_tt: the kernels the host launches, one per (transA, transB) case, each running
 * gd_gemm_block above on a (WG_N x WG_M) work-group (16 x 16 by default) that owns one TILE_M x TILE_N block of C.
 */
#define GD_GEMM_KERNEL(name, trans_a, trans_b)                                                                      \
    GD_KERNEL void GD_WORK_GROUP_SIZE(GD_GEMM_WG_N, GD_GEMM_WG_M) name(const int m, const int n, const int k,     \
        const float alpha, const GD_GLOBAL float* GD_RESTRICT a, const GD_GLOBAL float* GD_RESTRICT b,             \
        const float beta, GD_GLOBAL float* GD_RESTRICT c, const GD_GLOBAL float* GD_RESTRICT bias,                 \
        const int has_bias, const int act)                                                                         \
    {                                                                                                              \
        GD_LOCAL_ARRAY(float, as, GD_GEMM_TILE_K * GD_GEMM_LDA);                                                   \
        GD_LOCAL_ARRAY(float, bs, GD_GEMM_TILE_K * GD_GEMM_LDB);                                                   \
        gd_gemm_block(trans_a, trans_b, m, n, k, alpha, a, b, beta, c, bias, has_bias, act, as, bs);               \
    }

GD_GEMM_KERNEL(gemm_nn, 0, 0)
GD_GEMM_KERNEL(gemm_nt, 0, 1)
GD_GEMM_KERNEL(gemm_tn, 1, 0)
GD_GEMM_KERNEL(gemm_tt, 1, 1)
