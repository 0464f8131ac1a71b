/*
 * softmax_xent.cl: fused row softmax, cross-entropy loss, gradient and accuracy count for a rows x cols logits
 * matrix (row-major) with int32 labels:
 *   probs[r, :] = softmax(logits[r, :]) (max-subtracted); probs may alias logits;
 *   if has_grad: grad[r, c] = grad_scale * (probs[r, c] - (c == labels[r]));
 *   stats[0] += sum_r -log(max(probs[r, labels[r]], 1e-30)); stats[1] += #rows whose first arg-max == label.
 *
 * Parallelization: exactly ONE work-group, whose size is a power of two no larger than GD_SOFTMAX_MAX_WG. Work-item
 * l handles rows l, l + L, l + 2L, ... (L = local size), each row sequentially (cols is small: 10 classes), and keeps
 * a private loss sum and hit count. The group then tree-reduces both in local memory in a fixed order and work-item
 * 0 adds the totals to stats, so the result is deterministic and needs no float atomics.
 */
#ifndef GD_SOFTMAX_MAX_WG
#define GD_SOFTMAX_MAX_WG 256
#endif

GD_KERNEL void softmax_xent(const GD_GLOBAL float* logits, const GD_GLOBAL int* GD_RESTRICT labels,
    const int rows, const int cols, GD_GLOBAL float* probs, GD_GLOBAL float* GD_RESTRICT grad, const int has_grad,
    const float grad_scale, GD_GLOBAL float* GD_RESTRICT stats)
{
    GD_LOCAL_ARRAY(float, loss_part, GD_SOFTMAX_MAX_WG);
    GD_LOCAL_ARRAY(int, hit_part, GD_SOFTMAX_MAX_WG);
    const int lid = GD_LOCAL_ID(0);
    const int lsize = GD_LOCAL_SIZE(0);

    float loss = 0.0f;
    int hits = 0;
    for (int r = lid; r < rows; r += lsize) {
        const GD_GLOBAL float* z = logits + r * cols;
        GD_GLOBAL float* p = probs + r * cols;
        const int label = labels[r];

        /* The arg-max is taken on the logits, before p (which may alias them) is written. */
        float zmax = z[0];
        int arg = 0;
        for (int c = 1; c < cols; ++c) {
            if (z[c] > zmax) { zmax = z[c]; arg = c; }
        }
        float sum = 0.0f;
        for (int c = 0; c < cols; ++c) {
            const float e = GD_EXP(z[c] - zmax);
            p[c] = e;
            sum += e;
        }
        const float inv = 1.0f / sum;
        for (int c = 0; c < cols; ++c) p[c] *= inv;

        const float pl = (label >= 0 && label < cols) ? p[label] : 0.0f;
        loss += -GD_LOG(GD_MAX(pl, 1e-30f));
        if (arg == label) ++hits;

        if (has_grad) {
            GD_GLOBAL float* g = grad + r * cols;
            for (int c = 0; c < cols; ++c) g[c] = grad_scale * (p[c] - (c == label ? 1.0f : 0.0f));
        }
    }

    loss_part[lid] = loss;
    hit_part[lid] = hits;
    GD_BARRIER();
    for (int s = lsize >> 1; s > 0; s >>= 1) {
        if (lid < s) {
            loss_part[lid] += loss_part[lid + s];
            hit_part[lid] += hit_part[lid + s];
        }
        GD_BARRIER();
    }
    if (lid == 0) {
        stats[0] += loss_part[0];
        stats[1] += (float)hit_part[0];
    }
}
