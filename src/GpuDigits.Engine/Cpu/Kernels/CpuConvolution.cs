using System.Numerics;
using System.Runtime.CompilerServices;
using GpuDigits.Engine.Cpu.Threading;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>
/// CPU twin of kernels/ConvolutionKernels: im2col and its adjoint col2im for valid, stride-1 convolutions on NHWC
/// images, and 2 x 2 max pooling with its gradient. A convolution is im2col + the packed SIMD GEMM. Each kernel
/// writes every output element exactly once (col2im gathers, it does not scatter), so the work splits over the
/// worker team by images with no synchronisation, and the sums are in a fixed order.
/// </summary>
internal static class CpuConvolution
{
    /// <summary>Rows of one filter position: kernel x channels contiguous floats of an input row are copied at once.</summary>
    public static void Im2Col(float[] x, int batch, int height, int width, int channels, int kernel, float[] cols, int threads, bool alwaysSplit)
    {
        var body = new Im2ColBody(x, height, width, channels, kernel, cols);
        CpuParallel.For(body, batch, threads, 1, alwaysSplit);
    }

    public static void Col2Im(float[] cols, int batch, int height, int width, int channels, int kernel, float[] dx, int threads, bool alwaysSplit)
    {
        var body = new Col2ImBody(cols, height, width, channels, kernel, dx);
        CpuParallel.For(body, batch, threads, 1, alwaysSplit);
    }

    public static void MaxPool(float[] x, int batch, int height, int width, int channels, float[] y, int[] argmax, int threads, bool alwaysSplit) =>
        CpuParallel.For(new PoolBody(x, height, width, channels, y, argmax), batch, threads, 1, alwaysSplit);

    public static void MaxPoolBackward(float[] dy, int[] argmax, int batch, int height, int width, int channels, float[] dx, int threads, bool alwaysSplit) =>
        CpuParallel.For(new PoolBackwardBody(dy, argmax, height, width, channels, dx), batch, threads, 1, alwaysSplit);

    /// <summary>
    /// One image per call: for each output pixel the four window rows of channels are compared a SIMD vector of
    /// channels at a time (strictly greater replaces, so the first maximum wins, as in the kernel), then a scalar tail.
    /// </summary>
    private readonly struct PoolBody(float[] x, int height, int width, int channels, float[] y, int[] argmax) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int begin, int end)
        {
            int oh = height / 2, ow = width / 2, lanes = Vector<float>.Count;
            var one = Vector<int>.One;
            for (int n = begin; n < end; n++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        int o = ((n * oh + oy) * ow + ox) * channels;
                        int i00 = ((n * height + 2 * oy) * width + 2 * ox) * channels;
                        int i01 = i00 + channels, i10 = i00 + width * channels, i11 = i10 + channels;
                        int c = 0;
                        for (; c + lanes <= channels; c += lanes)
                        {
                            var best = new Vector<float>(x, i00 + c);
                            var at = Vector<int>.Zero;
                            var v = new Vector<float>(x, i01 + c);
                            var gt = Vector.GreaterThan(v, best);
                            best = Vector.ConditionalSelect(gt, v, best);
                            at = Vector.ConditionalSelect(gt, one, at);
                            v = new Vector<float>(x, i10 + c);
                            gt = Vector.GreaterThan(v, best);
                            best = Vector.ConditionalSelect(gt, v, best);
                            at = Vector.ConditionalSelect(gt, one * 2, at);
                            v = new Vector<float>(x, i11 + c);
                            gt = Vector.GreaterThan(v, best);
                            best = Vector.ConditionalSelect(gt, v, best);
                            at = Vector.ConditionalSelect(gt, one * 3, at);
                            best.CopyTo(y, o + c);
                            at.CopyTo(argmax, o + c);
                        }
                        for (; c < channels; c++)
                        {
                            float best = x[i00 + c];
                            int at = 0;
                            if (x[i01 + c] > best) { best = x[i01 + c]; at = 1; }
                            if (x[i10 + c] > best) { best = x[i10 + c]; at = 2; }
                            if (x[i11 + c] > best) { best = x[i11 + c]; at = 3; }
                            y[o + c] = best;
                            argmax[o + c] = at;
                        }
                    }
        }
    }

    /// <summary>
    /// One image per call, by output pixel: its dy and argmax are read once, a SIMD vector of channels at a time, and
    /// each of the four input pixels of its window takes dy where the argmax names it, else 0 (then a scalar tail); the
    /// row and column an odd height or width leaves out of every window get 0.
    /// </summary>
    private readonly struct PoolBackwardBody(float[] dy, int[] argmax, int height, int width, int channels, float[] dx) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int begin, int end)
        {
            int oh = height / 2, ow = width / 2, lanes = Vector<float>.Count;
            var p1 = Vector<int>.One;
            var p2 = p1 * 2;
            var p3 = p1 * 3;
            for (int n = begin; n < end; n++)
            {
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++)
                    {
                        int o = ((n * oh + oy) * ow + ox) * channels;
                        int i00 = ((n * height + 2 * oy) * width + 2 * ox) * channels;
                        int i01 = i00 + channels, i10 = i00 + width * channels, i11 = i10 + channels;
                        int c = 0;
                        for (; c + lanes <= channels; c += lanes)
                        {
                            var at = new Vector<int>(argmax, o + c);
                            var g = new Vector<float>(dy, o + c);
                            Vector.ConditionalSelect(Vector.Equals(at, Vector<int>.Zero), g, Vector<float>.Zero).CopyTo(dx, i00 + c);
                            Vector.ConditionalSelect(Vector.Equals(at, p1), g, Vector<float>.Zero).CopyTo(dx, i01 + c);
                            Vector.ConditionalSelect(Vector.Equals(at, p2), g, Vector<float>.Zero).CopyTo(dx, i10 + c);
                            Vector.ConditionalSelect(Vector.Equals(at, p3), g, Vector<float>.Zero).CopyTo(dx, i11 + c);
                        }
                        for (; c < channels; c++)
                        {
                            int at = argmax[o + c];
                            float g = dy[o + c];
                            dx[i00 + c] = at == 0 ? g : 0f;
                            dx[i01 + c] = at == 1 ? g : 0f;
                            dx[i10 + c] = at == 2 ? g : 0f;
                            dx[i11 + c] = at == 3 ? g : 0f;
                        }
                    }
                    if ((width & 1) != 0) // the last column, in both rows of this window row
                    {
                        dx.AsSpan(((n * height + 2 * oy) * width + width - 1) * channels, channels).Clear();
                        dx.AsSpan(((n * height + 2 * oy + 1) * width + width - 1) * channels, channels).Clear();
                    }
                }
                if ((height & 1) != 0) // the last row
                    dx.AsSpan(((n * height + height - 1) * width) * channels, width * channels).Clear();
            }
        }
    }

    /// <summary>
    /// One image per call. A window row of at least <see cref="CopyFrom"/> floats (kernel x channels) is copied as a
    /// span; a shorter one (the first convolution: one channel, 3 floats) element by element along the source row,
    /// where a span copy's call would cost more than the copy (docs/benchmarks.md: 0.61 ms a step before, at
    /// 128 x 28 x 28 x 1).
    /// </summary>
    private readonly struct Im2ColBody(float[] x, int height, int width, int channels, int kernel, float[] cols) : IRangeBody
    {
        public const int CopyFrom = 16;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int begin, int end)
        {
            int oh = height - kernel + 1, ow = width - kernel + 1;
            int span = kernel * channels, row = kernel * span;
            if (span < CopyFrom)
            {
                Short(begin, end, oh, ow, span, row);
                return;
            }
            for (int n = begin; n < end; n++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        int to = ((n * oh + oy) * ow + ox) * row;
                        for (int ky = 0; ky < kernel; ky++)
                        {
                            int from = ((n * height + oy + ky) * width + ox) * channels;
                            x.AsSpan(from, span).CopyTo(cols.AsSpan(to + ky * span, span));
                        }
                    }
        }

        /// <summary>
        /// Short window rows: per (image, output row, kernel row) the source row is walked once, writing each output
        /// pixel's span of that kernel row. Indices stay inside x and cols by the shape checks of Accelerator.Im2Col.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Short(int begin, int end, int oh, int ow, int span, int row)
        {
            ref float source = ref x[0];
            ref float target = ref cols[0];
            for (int n = begin; n < end; n++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ky = 0; ky < kernel; ky++)
                    {
                        nint from = ((n * height + oy + ky) * width) * channels;
                        nint to = (nint)((n * oh + oy) * ow) * row + ky * span;
                        for (int ox = 0; ox < ow; ox++, from += channels, to += row)
                            for (int s = 0; s < span; s++)
                                Unsafe.Add(ref target, to + s) = Unsafe.Add(ref source, from + s);
                    }
        }
    }

    /// <summary>
    /// One image per call: each input pixel's gradient is the sum, in (ky, kx) order, of the column entries of the
    /// windows that cover it, added a SIMD vector of channels at a time in registers (then a scalar tail): the same
    /// additions in the same order as adding each window's span into a zeroed pixel, without a call per window.
    /// </summary>
    private readonly struct Col2ImBody(float[] cols, int height, int width, int channels, int kernel, float[] dx) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int begin, int end)
        {
            int oh = height - kernel + 1, ow = width - kernel + 1;
            int row = kernel * kernel * channels, lanes = Vector<float>.Count;
            for (int n = begin; n < end; n++)
                for (int iy = 0; iy < height; iy++)
                {
                    // The kernel rows whose windows cover this input row: oy = iy - ky in [0, oh).
                    int kyFirst = Math.Max(0, iy - oh + 1), kyLast = Math.Min(kernel - 1, iy);
                    for (int ix = 0; ix < width; ix++)
                    {
                        int kxFirst = Math.Max(0, ix - ow + 1), kxLast = Math.Min(kernel - 1, ix);
                        int target = ((n * height + iy) * width + ix) * channels;
                        int c = 0;
                        for (; c + lanes <= channels; c += lanes)
                        {
                            var sum = Vector<float>.Zero;
                            for (int ky = kyFirst; ky <= kyLast; ky++)
                                for (int kx = kxFirst; kx <= kxLast; kx++)
                                    sum += new Vector<float>(cols, ((n * oh + iy - ky) * ow + ix - kx) * row + (ky * kernel + kx) * channels + c);
                            sum.CopyTo(dx, target + c);
                        }
                        for (; c < channels; c++)
                        {
                            float sum = 0f;
                            for (int ky = kyFirst; ky <= kyLast; ky++)
                                for (int kx = kxFirst; kx <= kxLast; kx++)
                                    sum += cols[((n * oh + iy - ky) * ow + ix - kx) * row + (ky * kernel + kx) * channels + c];
                            dx[target + c] = sum;
                        }
                    }
                }
        }
    }
}
