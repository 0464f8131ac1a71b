/*
 * optimizers.cl: in-place parameter updates over flat float arrays of count elements. Both kernels are 1-D and
 * grid-stride (work-item g updates elements g, g + G, ... with G the global size); each element is independent.
 *
 * The per-step scalars may come from device memory instead of the by-value arguments: when has_scalars != 0, the
 * kernel reads scalars[0] = learning rate (and for adam scalars[1] = c1, scalars[2] = c2) when it runs, so a
 * captured training step picks up a new learning rate and Adam's new bias corrections on every replay.
 */

/* sgd_momentum: v = momentum * v + g; p -= lr * v (the PyTorch form). */
GD_KERNEL void sgd_momentum(GD_GLOBAL float* GD_RESTRICT p, const GD_GLOBAL float* GD_RESTRICT g,
    GD_GLOBAL float* GD_RESTRICT v, const int count, const float lr, const float momentum,
    const GD_GLOBAL float* GD_RESTRICT scalars, const int has_scalars)
{
    const float eta = has_scalars ? scalars[0] : lr;
    for (int i = GD_GLOBAL_ID(0); i < count; i += GD_GLOBAL_SIZE(0)) {
        const float vv = momentum * v[i] + g[i];
        v[i] = vv;
        p[i] -= eta * vv;
    }
}

/*
 * adam: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr * (m * c1) / (sqrt(v * c2) + eps), where the host
 * passes the bias corrections c1 = 1 / (1 - b1^step) and c2 = 1 / (1 - b2^step) (computed once per step, as the CPU
 * twin does).
 */
GD_KERNEL void adam(GD_GLOBAL float* GD_RESTRICT p, const GD_GLOBAL float* GD_RESTRICT g,
    GD_GLOBAL float* GD_RESTRICT m, GD_GLOBAL float* GD_RESTRICT v, const int count, const float lr_value,
    const float beta1, const float beta2, const float eps, const float c1_value, const float c2_value,
    const GD_GLOBAL float* GD_RESTRICT scalars, const int has_scalars)
{
    const float lr = has_scalars ? scalars[0] : lr_value;
    const float c1 = has_scalars ? scalars[1] : c1_value;
    const float c2 = has_scalars ? scalars[2] : c2_value;
    for (int i = GD_GLOBAL_ID(0); i < count; i += GD_GLOBAL_SIZE(0)) {
        const float gi = g[i];
        const float mi = beta1 * m[i] + (1.0f - beta1) * gi;
        const float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= lr * (mi * c1) / (GD_SQRT(vi * c2) + eps);
    }
}
