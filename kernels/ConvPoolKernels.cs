using ILGPU;
using ILGPU.Runtime;

namespace GpuDigits.Kernels;

/// <summary>
/// A network's first stage in one pass each way: a valid, stride-1 convolution of NHWC images with bias and ReLU,
/// then 2 x 2 max pooling, computed directly from the input (no im2col) and without storing the convolution's output;
/// and its backward, the weight and bias gradients straight from the pooled gradient and the argmax (the pooling's
/// backward, the ReLU's and the convolution's weight gradient in one, with no input gradient: a first layer has none).
/// Weights are (kernel kernel channels) x filters, row-major, in im2col's (ky, kx, c) order, as ConvLayer keeps them.
/// The argmax is the ReLU-gated one of <see cref="PoolGate"/>, so the backward is exact without the convolution's output.
/// </summary>
public static class ConvPoolKernels
{
    /// <summary>
    /// y[n, py, px, f] = the first maximum over the window (2py + dy, 2px + dx), in the order (0,0), (0,1), (1,0),
    /// (1,1), of relu(bias[f] + sum over (ky, kx, c) of x[n, oy + ky, ox + kx, c] w[(ky K + kx) C + c, f]), and argmax
    /// its position (or <see cref="PoolGate.None"/>); an odd last row or column of the convolution's output is
    /// dropped. One thread per pooled output, which computes its four convolution outputs.
    /// </summary>
    public static void ConvReluMaxPool(ImageArgs a, int filters, ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias,
        ArrayView<float> y, ArrayView<int> argmax)
    {
        int oh = a.Height - a.Kernel + 1, ow = a.Width - a.Kernel + 1;
        int ph = oh / 2, pw = ow / 2;
        int total = a.Batch * ph * pw * filters;
        for (int i = Grid.GlobalIndex.X; i < total; i += Grid.DimX * Group.DimX)
        {
            int pixel = i / filters, f = i - pixel * filters;
            int n = pixel / (ph * pw), p = pixel - n * ph * pw;
            int py = p / pw, px = p - py * pw;
            float best = 0f;
            int at = 0;
            for (int d = 0; d < 4; d++)
            {
                int oy = 2 * py + d / 2, ox = 2 * px + d % 2;
                float sum = 0f;
                for (int ky = 0; ky < a.Kernel; ky++)
                    for (int kx = 0; kx < a.Kernel; kx++)
                    {
                        int src = ((n * a.Height + oy + ky) * a.Width + ox + kx) * a.Channels;
                        int tap = (ky * a.Kernel + kx) * a.Channels;
                        for (int c = 0; c < a.Channels; c++) sum += x[src + c] * w[(tap + c) * filters + f];
                    }
                float v = Activations.Apply(sum + bias[f], Activations.Relu);
                if (d == 0 || v > best) { best = v; at = d; }
            }
            y[i] = best;
            argmax[i] = PoolGate.Argmax(best, at, reluInput: true);
        }
    }

    /// <summary>
    /// The gradients of <see cref="ConvReluMaxPool"/> for pooled gradient dy: dw[(ky K + kx) C + c, f] = the sum over
    /// the pooled outputs (n, py, px) whose argmax d is not <see cref="PoolGate.None"/> of x[n, oy + ky, ox + kx, c]
    /// dy[n, py, px, f] with (oy, ox) = (2py + d / 2, 2px + d % 2), and db[f] = the sum of those dy. One thread per
    /// element of dw, then one per element of db (thread index past dw), each summing over the pooled outputs in order
    /// (deterministic, no atomics).
    /// </summary>
    public static void ConvReluMaxPoolBackward(ImageArgs a, int filters, ArrayView<float> dy, ArrayView<int> argmax,
        ArrayView<float> x, ArrayView<float> dw, ArrayView<float> db)
    {
        int oh = a.Height - a.Kernel + 1, ow = a.Width - a.Kernel + 1;
        int ph = oh / 2, pw = ow / 2;
        int depth = a.Kernel * a.Kernel * a.Channels, weights = depth * filters;
        int pooled = a.Batch * ph * pw;
        for (int i = Grid.GlobalIndex.X; i < weights + filters; i += Grid.DimX * Group.DimX)
        {
            bool isBias = i >= weights;
            int row = isBias ? 0 : i / filters;
            int f = isBias ? i - weights : i - row * filters;
            int ky = row / (a.Kernel * a.Channels), rest = row - ky * a.Kernel * a.Channels;
            int kx = rest / a.Channels, c = rest - kx * a.Channels;
            float sum = 0f;
            for (int pixel = 0; pixel < pooled; pixel++)
            {
                int o = pixel * filters + f;
                int d = argmax[o];
                if (d == PoolGate.None) continue;
                if (isBias) { sum += dy[o]; continue; }
                int n = pixel / (ph * pw), p = pixel - n * ph * pw;
                int py = p / pw, px = p - py * pw;
                int oy = 2 * py + d / 2, ox = 2 * px + d % 2;
                sum += x[((n * a.Height + oy + ky) * a.Width + ox + kx) * a.Channels + c] * dy[o];
            }
            if (isBias) db[f] = sum;
            else dw[i] = sum;
        }
    }
}
