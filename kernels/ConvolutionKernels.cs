using ILGPU;
using ILGPU.Runtime;

namespace GpuDigits.Kernels;

/// <summary>Shape of a batch of NHWC images and a square filter, by name.</summary>
public struct ImageArgs
{
    public int Batch;
    public int Height;
    public int Width;
    public int Channels;
    /// <summary>Filter side for im2col / col2im (unused by pooling).</summary>
    public int Kernel;
}

/// <summary>
/// The layout changes and pooling of a convolutional network on NHWC images (valid padding, stride 1): im2col turns a
/// convolution into one GEMM, col2im is its adjoint (the input gradient), and 2 x 2 max pooling with its gradient.
/// Each kernel is a 1-D grid-stride loop over its outputs and writes each exactly once; col2im gathers the
/// contributions of an input element in a fixed order (ky, kx) instead of scattering them with atomics, so the result
/// is deterministic.
/// </summary>
public static class ConvolutionKernels
{
    /// <summary>cols[(n OH + oy) OW + ox, (ky K + kx) C + c] = x[n, oy + ky, ox + kx, c]; one thread per element of cols.</summary>
    public static void Im2Col(ImageArgs a, ArrayView<float> x, ArrayView<float> cols)
    {
        int oh = a.Height - a.Kernel + 1, ow = a.Width - a.Kernel + 1;
        int row = a.Kernel * a.Kernel * a.Channels;
        int total = a.Batch * oh * ow * row;
        for (int i = Grid.GlobalIndex.X; i < total; i += Grid.DimX * Group.DimX)
        {
            int pixel = i / row, k = i - pixel * row;
            int n = pixel / (oh * ow), p = pixel - n * oh * ow;
            int oy = p / ow, ox = p - oy * ow;
            int ky = k / (a.Kernel * a.Channels), rest = k - ky * a.Kernel * a.Channels;
            int kx = rest / a.Channels, c = rest - kx * a.Channels;
            cols[i] = x[((n * a.Height + oy + ky) * a.Width + ox + kx) * a.Channels + c];
        }
    }

    /// <summary>dx[n, iy, ix, c] = sum over ky, kx of cols[(n, iy - ky, ix - kx), (ky, kx, c)] inside the image; one thread per element of dx.</summary>
    public static void Col2Im(ImageArgs a, ArrayView<float> cols, ArrayView<float> dx)
    {
        int oh = a.Height - a.Kernel + 1, ow = a.Width - a.Kernel + 1;
        int row = a.Kernel * a.Kernel * a.Channels;
        int total = a.Batch * a.Height * a.Width * a.Channels;
        for (int i = Grid.GlobalIndex.X; i < total; i += Grid.DimX * Group.DimX)
        {
            int pixel = i / a.Channels, c = i - pixel * a.Channels;
            int n = pixel / (a.Height * a.Width), p = pixel - n * a.Height * a.Width;
            int iy = p / a.Width, ix = p - iy * a.Width;
            float sum = 0f;
            for (int ky = 0; ky < a.Kernel; ky++)
            {
                int oy = iy - ky;
                if (oy < 0 || oy >= oh) continue;
                for (int kx = 0; kx < a.Kernel; kx++)
                {
                    int ox = ix - kx;
                    if (ox < 0 || ox >= ow) continue;
                    sum += cols[((n * oh + oy) * ow + ox) * row + (ky * a.Kernel + kx) * a.Channels + c];
                }
            }
            dx[i] = sum;
        }
    }

    /// <summary>
    /// y = the first maximum of each 2 x 2 window (order (0,0), (0,1), (1,0), (1,1)), argmax its position, or
    /// <see cref="PoolGate.None"/> when <paramref name="reluInput"/> is 1 and the maximum is not positive (see
    /// <see cref="PoolGate"/>); one thread per output.
    /// </summary>
    public static void MaxPool2x2(ImageArgs a, ArrayView<float> x, ArrayView<float> y, ArrayView<int> argmax, int reluInput)
    {
        int oh = a.Height / 2, ow = a.Width / 2;
        int total = a.Batch * oh * ow * a.Channels;
        for (int i = Grid.GlobalIndex.X; i < total; i += Grid.DimX * Group.DimX)
        {
            int pixel = i / a.Channels, c = i - pixel * a.Channels;
            int n = pixel / (oh * ow), p = pixel - n * oh * ow;
            int oy = p / ow, ox = p - oy * ow;
            int i00 = ((n * a.Height + 2 * oy) * a.Width + 2 * ox) * a.Channels + c;
            int i01 = i00 + a.Channels, i10 = i00 + a.Width * a.Channels, i11 = i10 + a.Channels;
            float best = x[i00];
            int at = 0;
            if (x[i01] > best) { best = x[i01]; at = 1; }
            if (x[i10] > best) { best = x[i10]; at = 2; }
            if (x[i11] > best) { best = x[i11]; at = 3; }
            y[i] = best;
            argmax[i] = PoolGate.Argmax(best, at, reluInput != 0);
        }
    }

    /// <summary>dx = dy of the window where this input was the recorded argmax, else 0; one thread per input element (a gather, no atomics).</summary>
    public static void MaxPool2x2Backward(ImageArgs a, ArrayView<float> dy, ArrayView<int> argmax, ArrayView<float> dx)
    {
        int oh = a.Height / 2, ow = a.Width / 2;
        int total = a.Batch * a.Height * a.Width * a.Channels;
        for (int i = Grid.GlobalIndex.X; i < total; i += Grid.DimX * Group.DimX)
        {
            int pixel = i / a.Channels, c = i - pixel * a.Channels;
            int n = pixel / (a.Height * a.Width), p = pixel - n * a.Height * a.Width;
            int iy = p / a.Width, ix = p - iy * a.Width;
            int oy = iy / 2, ox = ix / 2;
            float v = 0f;
            if (oy < oh && ox < ow)
            {
                int o = ((n * oh + oy) * ow + ox) * a.Channels + c;
                if (argmax[o] == (iy - 2 * oy) * 2 + (ix - 2 * ox)) v = dy[o];
            }
            dx[i] = v;
        }
    }
}

/// <summary>
/// ReLU's backward folded into max pooling's. When the pooled inputs are a ReLU's outputs, a window whose maximum is
/// not positive holds only zeros, and ReLU's backward would zero the one gradient the pooling's backward routes into
/// it; recording no argmax for such a window (<see cref="None"/>) gives the same gradient, bit for bit (every other
/// window's argmax input is positive, which ReLU's backward passes unchanged), so the separate ReLU backward pass
/// over the whole feature map is not needed.
/// </summary>
public static class PoolGate
{
    /// <summary>The argmax of a window that passes no gradient: no input of the window has this position.</summary>
    public const int None = -1;

    /// <summary>The argmax to record for a window with maximum <paramref name="best"/> at <paramref name="at"/>.</summary>
    public static int Argmax(float best, int at, bool reluInput) => reluInput && !(best > 0f) ? None : at;
}
