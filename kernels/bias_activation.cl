/*
 * bias_activation.cl: the elementwise ops around a dense layer. Buffers are flat float arrays; a rows x cols matrix
 * is row-major. Every kernel is 1-D and grid-stride: work-item g handles elements g, g + G, g + 2G, ... where G is
 * the global size, so the host may launch any number of work-groups of any size (it caps the count) and the result
 * does not depend on the launch shape.
 */

/*
 * bias_add: x[r, c] += bias[c] for a rows x cols matrix x, visited as one flat array of rows * cols elements
 * (column = flat index % cols), one element per work-item per grid-stride step.
 */
GD_KERNEL void bias_add(GD_GLOBAL float* GD_RESTRICT x, const GD_GLOBAL float* GD_RESTRICT bias,
    const int rows, const int cols)
{
    const int count = rows * cols;
    for (int i = GD_GLOBAL_ID(0); i < count; i += GD_GLOBAL_SIZE(0)) x[i] += bias[i % cols];
}

/*
 * activation_forward: y[i] = f(x[i]) for i < count, f chosen by the activation code act (none copies).
 * x and y may be the same buffer (each element is read before it is written, by the same work-item), so no restrict.
 */
GD_KERNEL void activation_forward(const int act, const GD_GLOBAL float* x, GD_GLOBAL float* y, const int count)
{
    for (int i = GD_GLOBAL_ID(0); i < count; i += GD_GLOBAL_SIZE(0)) y[i] = gd_activate(x[i], act);
}

/*
 * activation_backward: dx[i] = dy[i] * f'(x[i]) for i < count, with f' written through the forward output y:
 * relu (y > 0), sigmoid y (1 - y), tanh 1 - y^2, none 1. dx may alias dy, so no restrict on them.
 */
GD_KERNEL void activation_backward(const int act, const GD_GLOBAL float* y, const GD_GLOBAL float* dy,
    GD_GLOBAL float* dx, const int count)
{
    for (int i = GD_GLOBAL_ID(0); i < count; i += GD_GLOBAL_SIZE(0)) {
        const float g = dy[i];
        const float yv = y[i];
        float d;
        if (act == GD_ACT_RELU) d = yv > 0.0f ? g : 0.0f;
        else if (act == GD_ACT_SIGMOID) d = g * yv * (1.0f - yv);
        else if (act == GD_ACT_TANH) d = g * (1.0f - yv * yv);
        else d = g;
        dx[i] = d;
    }
}
