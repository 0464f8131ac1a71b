using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GpuDigits.Engine.Cpu.Threading;
using GpuDigits.Kernels;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>
/// CPU twin of kernels/ConvolutionKernels: im2col and its adjoint col2im for valid, stride-1 convolutions on NHWC
/// images, and 2 x 2 max pooling with its gradient. A convolution is im2col + the packed SIMD GEMM. Each kernel
/// writes every output element exactly once (col2im gathers, it does not scatter), so the work splits over the
/// worker team by images with no synchronisation, and the sums are in a fixed order.
/// </summary>
internal static class CpuConvolution
{
    /// <summary>
    /// Floats of im2col rows that the fused convolution ops keep per thread between a GEMM and the pass beside it,
    /// 64 K (256 KB): a quarter of a Zen 4 or Skylake-X core's L2, room left for the packed weights and the GEMM's
    /// other operand. One image of the CNN's second layer is 121 x 288 floats (136 KB): one image per group.
    /// </summary>
    public const int GroupFloats = 1 << 16;

    /// <summary>Whole images per group of a fused convolution op, for images of this many im2col floats.</summary>
    public static int ImagesPerGroup(int colsPerImage) => Math.Max(1, GroupFloats / Math.Max(1, colsPerImage));

    [ThreadStatic] private static float[]? _groupBlock;

    /// <summary>This thread's block for a group of a fused convolution op, pinned, grown to the largest group it has
    /// met and then reused; an op uses it between its own calls into the GEMM, never across ops.</summary>
    public static float[] GroupBlock(int floats)
    {
        if (_groupBlock is null || _groupBlock.Length < floats) _groupBlock = GC.AllocateUninitializedArray<float>(floats, pinned: true);
        return _groupBlock;
    }

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

    public static void MaxPool(float[] x, int batch, int height, int width, int channels, float[] y, int[] argmax, bool reluInput,
        int threads, bool alwaysSplit) =>
        CpuParallel.For(new EachWindow<PoolBody>(new PoolBody(x, y, argmax, reluInput), height, width, channels), batch, threads, 1, alwaysSplit);

    public static void MaxPoolBackward(float[] dy, int[] argmax, int batch, int height, int width, int channels, float[] dx, int threads, bool alwaysSplit) =>
        CpuParallel.For(new EachWindow<PoolBackwardBody>(new PoolBackwardBody(dy, argmax, height, width, channels, dx), height, width, channels),
            batch, threads, 1, alwaysSplit);

    /// <summary>
    /// Where the 2x2 window of output pixel (n, oy, ox) lies in NHWC tensors: the first channel of the output pixel and
    /// of its four input pixels (0,0), (0,1), (1,0), (1,1).
    /// </summary>
    private readonly record struct PoolWindow(int Out, int I00, int I01, int I10, int I11)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static PoolWindow At(int n, int oy, int ox, int height, int width, int channels)
        {
            int o = ((n * (height / 2) + oy) * (width / 2) + ox) * channels;
            int i00 = ((n * height + 2 * oy) * width + 2 * ox) * channels;
            int i10 = i00 + width * channels;
            return new(o, i00, i00 + channels, i10, i10 + channels);
        }
    }

    /// <summary>What pooling does at one window, a SIMD vector of channels or one channel at a time.</summary>
    private interface IWindowOp
    {
        void Vector(PoolWindow w, int c);

        void Scalar(PoolWindow w, int c);

        /// <summary>After the windows of output row <paramref name="oy"/> of image <paramref name="n"/>.</summary>
        void AfterRow(int n, int oy);

        /// <summary>After the windows of image <paramref name="n"/>.</summary>
        void AfterImage(int n);
    }

    /// <summary>Images begin..end, output pixel by output pixel: the op's vector form over the channels, then its scalar tail.</summary>
    private readonly struct EachWindow<TOp>(TOp op, int height, int width, int channels) : IRangeBody where TOp : struct, IWindowOp
    {
        private readonly TOp op = op;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int begin, int end)
        {
            var op = this.op; // a local: calls on it need no defensive copy of the field
            int oh = height / 2, ow = width / 2, lanes = Vector<float>.Count;
            for (int n = begin; n < end; n++)
            {
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++)
                    {
                        var w = PoolWindow.At(n, oy, ox, height, width, channels);
                        int c = 0;
                        for (; c + lanes <= channels; c += lanes) op.Vector(w, c);
                        for (; c < channels; c++) op.Scalar(w, c);
                    }
                    op.AfterRow(n, oy);
                }
                op.AfterImage(n);
            }
        }
    }

    /// <summary>The first maximum of a window's four values, lane by lane (strictly greater replaces, as in the
    /// kernels), and its position 0..3; shared by the pooling and the fused first stage.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector<float> Best, Vector<int> At) FirstMax(Vector<float> v0, Vector<float> v1, Vector<float> v2, Vector<float> v3)
    {
        var one = Vector<int>.One;
        var best = v0;
        var at = Vector<int>.Zero;
        var gt = System.Numerics.Vector.GreaterThan(v1, best);
        best = System.Numerics.Vector.ConditionalSelect(gt, v1, best);
        at = System.Numerics.Vector.ConditionalSelect(gt, one, at);
        gt = System.Numerics.Vector.GreaterThan(v2, best);
        best = System.Numerics.Vector.ConditionalSelect(gt, v2, best);
        at = System.Numerics.Vector.ConditionalSelect(gt, one * 2, at);
        gt = System.Numerics.Vector.GreaterThan(v3, best);
        best = System.Numerics.Vector.ConditionalSelect(gt, v3, best);
        at = System.Numerics.Vector.ConditionalSelect(gt, one * 3, at);
        return (best, at);
    }

    /// <summary>
    /// One image per call: for each output pixel the four window rows of channels are compared a SIMD vector of
    /// channels at a time (strictly greater replaces, so the first maximum wins, as in the kernel), then a scalar tail.
    /// With <c>reluInput</c>, a window whose maximum is not positive records <see cref="PoolGate.None"/> (the kernels'
    /// <see cref="PoolGate.Argmax"/>, lane by lane).
    /// </summary>
    private readonly struct PoolBody(float[] x, float[] y, int[] argmax, bool reluInput) : IWindowOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Vector(PoolWindow w, int c)
        {
            var (best, at) = FirstMax(new Vector<float>(x, w.I00 + c), new Vector<float>(x, w.I01 + c),
                new Vector<float>(x, w.I10 + c), new Vector<float>(x, w.I11 + c));
            if (reluInput)
                at = System.Numerics.Vector.ConditionalSelect(System.Numerics.Vector.GreaterThan(best, Vector<float>.Zero), at, new Vector<int>(PoolGate.None));
            best.CopyTo(y, w.Out + c);
            at.CopyTo(argmax, w.Out + c);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Scalar(PoolWindow w, int c)
        {
            float best = x[w.I00 + c];
            int at = 0;
            if (x[w.I01 + c] > best) { best = x[w.I01 + c]; at = 1; }
            if (x[w.I10 + c] > best) { best = x[w.I10 + c]; at = 2; }
            if (x[w.I11 + c] > best) { best = x[w.I11 + c]; at = 3; }
            y[w.Out + c] = best;
            argmax[w.Out + c] = PoolGate.Argmax(best, at, reluInput);
        }

        public void AfterRow(int n, int oy) { } // an odd last column is dropped

        public void AfterImage(int n) { } // an odd last row is dropped
    }

    /// <summary>
    /// One image per call, by output pixel: its dy and argmax are read once, a SIMD vector of channels at a time, and
    /// each of the four input pixels of its window takes dy where the argmax names it, else 0 (then a scalar tail); the
    /// row and column an odd height or width leaves out of every window get 0.
    /// </summary>
    private readonly struct PoolBackwardBody(float[] dy, int[] argmax, int height, int width, int channels, float[] dx) : IWindowOp
    {

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Vector(PoolWindow w, int c)
        {
            var (p1, at) = (Vector<int>.One, new Vector<int>(argmax, w.Out + c));
            var g = new Vector<float>(dy, w.Out + c);
            System.Numerics.Vector.ConditionalSelect(System.Numerics.Vector.Equals(at, Vector<int>.Zero), g, Vector<float>.Zero).CopyTo(dx, w.I00 + c);
            System.Numerics.Vector.ConditionalSelect(System.Numerics.Vector.Equals(at, p1), g, Vector<float>.Zero).CopyTo(dx, w.I01 + c);
            System.Numerics.Vector.ConditionalSelect(System.Numerics.Vector.Equals(at, p1 * 2), g, Vector<float>.Zero).CopyTo(dx, w.I10 + c);
            System.Numerics.Vector.ConditionalSelect(System.Numerics.Vector.Equals(at, p1 * 3), g, Vector<float>.Zero).CopyTo(dx, w.I11 + c);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Scalar(PoolWindow w, int c)
        {
            int at = argmax[w.Out + c];
            float g = dy[w.Out + c];
            dx[w.I00 + c] = at == 0 ? g : 0f;
            dx[w.I01 + c] = at == 1 ? g : 0f;
            dx[w.I10 + c] = at == 2 ? g : 0f;
            dx[w.I11 + c] = at == 3 ? g : 0f;
        }

        public void AfterRow(int n, int oy)
        {
            if ((width & 1) == 0) return;
            // The last column, in both rows of this window row.
            dx.AsSpan(((n * height + 2 * oy) * width + width - 1) * channels, channels).Clear();
            dx.AsSpan(((n * height + 2 * oy + 1) * width + width - 1) * channels, channels).Clear();
        }

        public void AfterImage(int n)
        {
            if ((height & 1) != 0) // the last row
                dx.AsSpan(((n * height + height - 1) * width) * channels, width * channels).Clear();
        }
    }

    /// <summary>
    /// One image per call. A window row of at least <see cref="CopyFrom"/> floats (kernel x channels) is copied as a
    /// span; a shorter one (the first convolution: one channel, 3 floats) element by element along the source row,
    /// where a span copy's call would cost more than the copy (docs/benchmarks.md: 0.61 ms a step before, at
    /// 128 x 28 x 28 x 1).
    /// </summary>
    internal readonly struct Im2ColBody(float[] x, int height, int width, int channels, int kernel, float[] cols) : IRangeBody
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
        /// Rows [<paramref name="first"/>, first + <paramref name="count"/>) of the batch's cols (a row per output
        /// pixel, image by image) into <paramref name="rows"/>, for ops that keep only a block of cols in cache: the
        /// same floats as <see cref="Run"/> writes there. Each kernel row's span is one copy (a loop when short).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static unsafe void Rows(float* x, int height, int width, int channels, int kernel, long first, int count, float* rows)
        {
            int oh = height - kernel + 1, ow = width - kernel + 1, pixels = oh * ow;
            int span = kernel * channels, row = kernel * span;
            long n = first / pixels;
            int p = (int)(first - n * pixels);
            for (int r = 0; r < count; r++, rows += row)
            {
                int oy = p / ow, ox = p - oy * ow;
                float* from = x + ((n * height + oy) * width + ox) * channels;
                for (int ky = 0; ky < kernel; ky++, from += (nint)width * channels)
                {
                    if (span >= CopyFrom) Unsafe.CopyBlockUnaligned(rows + ky * span, from, (uint)span * sizeof(float));
                    else for (int s = 0; s < span; s++) rows[ky * span + s] = from[s];
                }
                if (++p == pixels) (n, p) = (n + 1, 0);
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
    internal readonly struct Col2ImBody(float[] cols, int height, int width, int channels, int kernel, float[] dx) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public unsafe void Run(int begin, int end)
        {
            int imageCols = (height - kernel + 1) * (width - kernel + 1) * kernel * kernel * channels, imageDx = height * width * channels;
            fixed (float* pc = cols, pd = dx)
            {
                for (int n = begin; n < end; n++)
                    Image(pc + (nint)n * imageCols, height, width, channels, kernel, pd + (nint)n * imageDx);
            }
        }

        /// <summary>col2im of one image: its im2col rows (OH OW x kernel^2 channels) into its dx (height x width x channels).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static unsafe void Image(float* image, int height, int width, int channels, int kernel, float* dx)
        {
            int oh = height - kernel + 1, ow = width - kernel + 1;
            int row = kernel * kernel * channels;
            // Where each window covering an input pixel keeps that pixel's channels, relative to the image's cols:
            // found once per pixel, then summed a vector of channels at a time.
            Span<int> windows = kernel * kernel <= 64 ? stackalloc int[64] : new int[kernel * kernel];
            fixed (int* src = windows)
            for (int iy = 0; iy < height; iy++)
            {
                // The kernel rows whose windows cover this input row: oy = iy - ky in [0, oh).
                int kyFirst = Math.Max(0, iy - oh + 1), kyLast = Math.Min(kernel - 1, iy);
                for (int ix = 0; ix < width; ix++)
                {
                    int kxFirst = Math.Max(0, ix - ow + 1), kxLast = Math.Min(kernel - 1, ix);
                    int count = 0;
                    for (int ky = kyFirst; ky <= kyLast; ky++)
                        for (int kx = kxFirst; kx <= kxLast; kx++)
                            src[count++] = ((iy - ky) * ow + ix - kx) * row + (ky * kernel + kx) * channels;
                    Gather(image, src, count, dx + ((nint)iy * width + ix) * channels, channels);
                }
            }
        }

        /// <summary>target[c] = 0 + image[src[0] + c] + image[src[1] + c] + ..., in that order for every c (so the
        /// vector width does not change a bit), 16 channels at a time, then 8, then one.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe void Gather(float* image, int* src, int count, float* target, int channels)
        {
            int c = 0;
            if (Vector512.IsHardwareAccelerated)
                for (; c + Vector512<float>.Count <= channels; c += Vector512<float>.Count)
                {
                    var sum = Vector512<float>.Zero;
                    for (int j = 0; j < count; j++) sum += Vector512.Load(image + src[j] + c);
                    sum.Store(target + c);
                }
            if (Vector256.IsHardwareAccelerated)
                for (; c + Vector256<float>.Count <= channels; c += Vector256<float>.Count)
                {
                    var sum = Vector256<float>.Zero;
                    for (int j = 0; j < count; j++) sum += Vector256.Load(image + src[j] + c);
                    sum.Store(target + c);
                }
            for (; c < channels; c++)
            {
                float sum = 0f;
                for (int j = 0; j < count; j++) sum += image[src[j] + c];
                target[c] = sum;
            }
        }
    }
}
