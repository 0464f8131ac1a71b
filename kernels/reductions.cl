/*
 * reductions.cl: column_sums, the bias gradient: sums[c] = beta * sums[c] + sum_r x[r, c] for a rows x cols
 * row-major matrix x; with beta == 0 the old sums are not read.
 *
 * Parallelization: 2-D work-groups of WX x WY work-items (the host picks the shape; WX * WY <= GD_COLSUM_MAX_WG).
 * Group g owns columns g * WX .. g * WX + WX - 1 (dimension 0, so neighbouring work-items read neighbouring
 * addresses of a row); within it, lane ly (dimension 1) sums rows ly, ly + WY, ... of its column into a register.
 * The WY partials of each column meet in local memory and lane 0 adds them in lane order, so the result is
 * deterministic (no atomics, no dependence on scheduling). Launch: dimension 0 = ceil(cols / WX) * WX, dimension 1 = WY.
 */
#ifndef GD_COLSUM_MAX_WG
#define GD_COLSUM_MAX_WG 256
#endif

GD_KERNEL void column_sums(const GD_GLOBAL float* GD_RESTRICT x, const int rows, const int cols,
    GD_GLOBAL float* GD_RESTRICT sums, const float beta)
{
    GD_LOCAL_ARRAY(float, part, GD_COLSUM_MAX_WG);
    const int lx = GD_LOCAL_ID(0), ly = GD_LOCAL_ID(1);
    const int wx = GD_LOCAL_SIZE(0), wy = GD_LOCAL_SIZE(1);
    const int c = GD_GROUP_ID(0) * wx + lx;

    float s = 0.0f;
    if (c < cols) {
        for (int r = ly; r < rows; r += wy) s += x[r * cols + c];
    }
    part[ly * wx + lx] = s;
    GD_BARRIER();

    if (ly == 0 && c < cols) {
        float total = 0.0f;
        for (int l = 0; l < wy; ++l) total += part[l * wx + lx];
        sums[c] = beta == 0.0f ? total : beta * sums[c] + total;
    }
}
