using System.Numerics;
using System.Runtime.CompilerServices;
using GpuDigits.Engine.Cpu.Threading;
using GpuDigits.Kernels;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>
/// CPU twin of kernels/ConvPoolKernels: the fused first CNN stage. Forward: per pooled pixel, the four convolution
/// outputs of its window for a pair of SIMD vectors of filters at once (8 independent FMA chains), each chain over
/// (ky, kx, c) in order from 0 as the GEMM's micro-kernels run over an im2col row, then + bias, ReLU, the first
/// maximum and the ReLU-gated argmax: the values of im2col + GEMM + max pooling, bit for bit. Backward: per image
/// (see <see cref="BackwardBody"/>), into a partial of its own; the partials are then added in image order, so the
/// result does not depend on how the images were shared between threads.
/// </summary>
internal static class CpuConvPool
{
    public static void Forward(float[] x, int batch, int height, int width, int channels, int kernel, float[] w, float[] bias,
        int filters, float[] y, int[] argmax, int threads, bool alwaysSplit) =>
        CpuParallel.For(new ForwardBody(x, height, width, channels, kernel, w, bias, filters, y, argmax), batch, threads, 1, alwaysSplit);

    public static void Backward(float[] dy, int[] argmax, float[] x, int batch, int height, int width, int channels, int kernel,
        int filters, float[] dw, float[] db, int threads, bool alwaysSplit)
    {
        int perImage = kernel * kernel * channels * filters + filters;
        var partials = Partials.For((long)batch * perImage);
        CpuParallel.For(new BackwardBody(dy, argmax, x, height, width, channels, kernel, filters, partials), batch, threads, 1, alwaysSplit);
        // Image order: the sum of image 0's part, then image 1's, ...
        var total = partials.AsSpan(0, perImage);
        for (int n = 1; n < batch; n++)
        {
            var part = partials.AsSpan(n * perImage, perImage);
            int i = 0;
            for (; i + Vector<float>.Count <= perImage; i += Vector<float>.Count)
                (new Vector<float>(total[i..]) + new Vector<float>(part[i..])).CopyTo(total[i..]);
            for (; i < perImage; i++) total[i] += part[i];
        }
        total[..(perImage - filters)].CopyTo(dw);
        total[(perImage - filters)..].CopyTo(db);
    }

    /// <summary>The calling thread's per-image partial sums, grown on demand and then reused (no allocation per step).</summary>
    private static class Partials
    {
        [ThreadStatic] private static float[]? _buffer;

        public static float[] For(long length)
        {
            if (_buffer is null || _buffer.Length < length) _buffer = new float[checked((int)length)];
            return _buffer;
        }
    }

    private readonly struct ForwardBody(float[] x, int height, int width, int channels, int kernel, float[] w, float[] bias,
        int filters, float[] y, int[] argmax) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public unsafe void Run(int begin, int end)
        {
            int ph = (height - kernel + 1) / 2, pw = (width - kernel + 1) / 2, lanes = Vector<float>.Count;
            int taps = kernel * kernel * channels;
            // Offsets of the taps from a window pixel, in im2col's (ky, kx, c) order.
            Span<int> offsets = taps <= 64 ? stackalloc int[64] : new int[taps];
            for (int t = 0; t < taps; t++) offsets[t] = (t / (kernel * channels) * width + t / channels % kernel) * channels + t % channels;
            fixed (float* px0 = x, pw0 = w, pb = bias, py0 = y)
            fixed (int* pa = argmax, off = offsets)
            {
                for (int n = begin; n < end; n++)
                    for (int py = 0; py < ph; py++)
                        for (int px = 0; px < pw; px++)
                        {
                            float* window = px0 + ((nint)(n * height + 2 * py) * width + 2 * px) * channels; // (0, 0) of the window
                            int o = ((n * ph + py) * pw + px) * filters;
                            int f = 0;
                            for (; f + 2 * lanes <= filters; f += 2 * lanes) Pair(window, off, taps, pw0 + f, pb + f, py0 + o + f, pa + o + f);
                            for (; f + lanes <= filters; f += lanes) Single(window, off, taps, pw0 + f, pb + f, py0 + o + f, pa + o + f);
                            for (; f < filters; f++) PoolScalar(window, off, taps, pw0 + f, pb[f], py0 + o + f, pa + o + f);
                        }
            }
        }

        /// <summary>Two vectors of filters at the four pixels of a window: eight independent chains over the taps.</summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private unsafe void Pair(float* window, int* off, int taps, float* w0, float* b, float* yOut, int* aOut)
        {
            nint right = channels, down = (nint)width * channels, lanes = Vector<float>.Count;
            Vector<float> a0 = default, a1 = default, a2 = default, a3 = default, c0 = default, c1 = default, c2 = default, c3 = default;
            for (int t = 0; t < taps; t++)
            {
                float* xs = window + off[t];
                var wa = Vector.Load(w0 + (nint)t * filters);
                var wb = Vector.Load(w0 + (nint)t * filters + lanes);
                var v = new Vector<float>(xs[0]);
                a0 = Vector.FusedMultiplyAdd(v, wa, a0); c0 = Vector.FusedMultiplyAdd(v, wb, c0);
                v = new Vector<float>(xs[right]);
                a1 = Vector.FusedMultiplyAdd(v, wa, a1); c1 = Vector.FusedMultiplyAdd(v, wb, c1);
                v = new Vector<float>(xs[down]);
                a2 = Vector.FusedMultiplyAdd(v, wa, a2); c2 = Vector.FusedMultiplyAdd(v, wb, c2);
                v = new Vector<float>(xs[down + right]);
                a3 = Vector.FusedMultiplyAdd(v, wa, a3); c3 = Vector.FusedMultiplyAdd(v, wb, c3);
            }
            Pool(a0, a1, a2, a3, Vector.Load(b), yOut, aOut);
            Pool(c0, c1, c2, c3, Vector.Load(b + lanes), yOut + lanes, aOut + lanes);
        }

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private unsafe void Single(float* window, int* off, int taps, float* w0, float* b, float* yOut, int* aOut)
        {
            nint right = channels, down = (nint)width * channels;
            Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int t = 0; t < taps; t++)
            {
                float* xs = window + off[t];
                var wa = Vector.Load(w0 + (nint)t * filters);
                a0 = Vector.FusedMultiplyAdd(new Vector<float>(xs[0]), wa, a0);
                a1 = Vector.FusedMultiplyAdd(new Vector<float>(xs[right]), wa, a1);
                a2 = Vector.FusedMultiplyAdd(new Vector<float>(xs[down]), wa, a2);
                a3 = Vector.FusedMultiplyAdd(new Vector<float>(xs[down + right]), wa, a3);
            }
            Pool(a0, a1, a2, a3, Vector.Load(b), yOut, aOut);
        }

        /// <summary>+ bias, ReLU (as the GEMM epilogue), the first maximum of the four and the gated argmax, stored.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe void Pool(Vector<float> s0, Vector<float> s1, Vector<float> s2, Vector<float> s3, Vector<float> b, float* yOut, int* aOut)
        {
            var zero = Vector<float>.Zero;
            var (best, at) = CpuConvolution.FirstMax(Vector.Max(s0 + b, zero), Vector.Max(s1 + b, zero),
                Vector.Max(s2 + b, zero), Vector.Max(s3 + b, zero));
            best.Store(yOut);
            Vector.ConditionalSelect(Vector.GreaterThan(best, Vector<float>.Zero), at, new Vector<int>(PoolGate.None)).Store(aOut);
        }

        /// <summary>One filter (the tail past the vectors), with the kernels' scalar formulas.</summary>
        private unsafe void PoolScalar(float* window, int* off, int taps, float* w0, float b, float* yOut, int* aOut)
        {
            float best = 0f;
            int at = 0;
            for (int d = 0; d < 4; d++)
            {
                float* origin = window + ((d / 2) * (nint)width + d % 2) * channels;
                float sum = 0f;
                for (int t = 0; t < taps; t++) sum = MathF.FusedMultiplyAdd(origin[off[t]], w0[(nint)t * filters], sum);
                float v = Activations.Apply(sum + b, Activations.Relu);
                if (d == 0 || v > best) (best, at) = (v, d);
            }
            *yOut = best;
            *aOut = PoolGate.Argmax(best, at, reluInput: true);
        }
    }

    /// <summary>
    /// One image at a time: its pooled gradient is first spread over the four window positions (dy where the argmax
    /// names the position, else 0) into a small buffer per thread, laid out by blocks of one SIMD vector of filters
    /// ([block][pooled pixel][position][lane], so one block, about 21 KB for MNIST, stays in the L1 while it is read
    /// once per tap); then each tap's weight gradient runs four chains over the pooled pixels (one per window
    /// position, summed at the end), two taps at a time, and the bias gradient is the sum of the spread gradient.
    /// The image's sums go to its own partial.
    /// </summary>
    private readonly struct BackwardBody(float[] dy, int[] argmax, float[] x, int height, int width, int channels, int kernel,
        int filters, float[] partials) : IRangeBody
    {
        [ThreadStatic] private static float[]? _spread;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public unsafe void Run(int begin, int end)
        {
            int ph = (height - kernel + 1) / 2, pw = (width - kernel + 1) / 2, pixels = ph * pw, lanes = Vector<float>.Count;
            int taps = kernel * kernel * channels, perImage = taps * filters + filters;
            int blocks = (filters + lanes - 1) / lanes, blockLength = pixels * 4 * lanes;
            Span<int> offsets = taps <= 64 ? stackalloc int[64] : new int[taps];
            for (int t = 0; t < taps; t++) offsets[t] = (t / (kernel * channels) * width + t / channels % kernel) * channels + t % channels;
            Span<int> origins = pixels * 4 <= 1024 ? stackalloc int[1024] : new int[pixels * 4];
            for (int p = 0; p < pixels; p++)
                for (int d = 0; d < 4; d++)
                    origins[p * 4 + d] = ((2 * (p / pw) + d / 2) * width + 2 * (p % pw) + d % 2) * channels;
            if (_spread is null || _spread.Length < blocks * blockLength) _spread = new float[blocks * blockLength];
            fixed (float* pdy = dy, px0 = x, ppart = partials, spread = _spread)
            fixed (int* pa = argmax, off = offsets, org = origins)
            {
                for (int n = begin; n < end; n++)
                {
                    Spread(pdy + (nint)n * pixels * filters, pa + (nint)n * pixels * filters, pixels, spread);
                    float* image = px0 + (nint)n * height * width * channels;
                    float* part = ppart + (nint)n * perImage;
                    int f = 0;
                    for (; f + lanes <= filters; f += lanes)
                    {
                        float* block = spread + (nint)(f / lanes) * blockLength;
                        int t = 0;
                        for (; t + 2 <= taps; t += 2) TwoTaps(image + off[t], image + off[t + 1], org, pixels, block, part + (nint)t * filters + f);
                        for (; t < taps; t++) OneTap(image + off[t], org, pixels, block, part + (nint)t * filters + f);
                        BiasVector(pixels, block, part + (nint)taps * filters + f);
                    }
                    for (; f < filters; f++)
                        ScalarFilter(image, off, taps, org, pixels, spread + (nint)(f / lanes) * blockLength + f % lanes, part, f);
                }
            }
        }

        /// <summary>spread[((f / lanes) pixels + p) 4 + d][f % lanes] = dy[p, f] where argmax[p, f] = d, else 0.</summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private unsafe void Spread(float* g, int* at, int pixels, float* spread)
        {
            int lanes = Vector<float>.Count;
            nint blockLength = (nint)pixels * 4 * lanes;
            for (int p = 0; p < pixels; p++)
            {
                float* gp = g + (nint)p * filters;
                int* ap = at + (nint)p * filters;
                int f = 0;
                for (; f + lanes <= filters; f += lanes)
                {
                    float* sp = spread + (f / lanes) * blockLength + (nint)p * 4 * lanes;
                    var gv = Vector.Load(gp + f);
                    var av = Vector.Load(ap + f);
                    for (int d = 0; d < 4; d++)
                        Vector.ConditionalSelect(Vector.Equals(av, new Vector<int>(d)), gv, Vector<float>.Zero).Store(sp + d * lanes);
                }
                for (; f < filters; f++)
                {
                    float* sp = spread + (f / lanes) * blockLength + (nint)p * 4 * lanes + f % lanes;
                    for (int d = 0; d < 4; d++) sp[d * lanes] = ap[f] == d ? gp[f] : 0f;
                }
            }
        }

        /// <summary>Two taps' weight gradients for one block of filters: 8 chains (tap x window position) over the
        /// pooled pixels, each tap's four then summed ((d0 + d1) + d2) + d3.</summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static unsafe void TwoTaps(float* xa, float* xb, int* org, int pixels, float* block, float* outA, nint stride)
        {
            nint lanes = Vector<float>.Count;
            Vector<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
            for (int p = 0; p < pixels; p++)
            {
                int* o = org + p * 4;
                float* s = block + p * 4 * lanes;
                var g0 = Vector.Load(s);
                var g1 = Vector.Load(s + lanes);
                var g2 = Vector.Load(s + 2 * lanes);
                var g3 = Vector.Load(s + 3 * lanes);
                a0 = Vector.FusedMultiplyAdd(new Vector<float>(xa[o[0]]), g0, a0); b0 = Vector.FusedMultiplyAdd(new Vector<float>(xb[o[0]]), g0, b0);
                a1 = Vector.FusedMultiplyAdd(new Vector<float>(xa[o[1]]), g1, a1); b1 = Vector.FusedMultiplyAdd(new Vector<float>(xb[o[1]]), g1, b1);
                a2 = Vector.FusedMultiplyAdd(new Vector<float>(xa[o[2]]), g2, a2); b2 = Vector.FusedMultiplyAdd(new Vector<float>(xb[o[2]]), g2, b2);
                a3 = Vector.FusedMultiplyAdd(new Vector<float>(xa[o[3]]), g3, a3); b3 = Vector.FusedMultiplyAdd(new Vector<float>(xb[o[3]]), g3, b3);
            }
            (a0 + a1 + a2 + a3).Store(outA);
            (b0 + b1 + b2 + b3).Store(outA + stride);
        }

        private unsafe void TwoTaps(float* xa, float* xb, int* org, int pixels, float* block, float* outA) =>
            TwoTaps(xa, xb, org, pixels, block, outA, filters);

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static unsafe void OneTap(float* xa, int* org, int pixels, float* block, float* outA)
        {
            nint lanes = Vector<float>.Count;
            Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int p = 0; p < pixels; p++)
            {
                int* o = org + p * 4;
                float* s = block + p * 4 * lanes;
                a0 = Vector.FusedMultiplyAdd(new Vector<float>(xa[o[0]]), Vector.Load(s), a0);
                a1 = Vector.FusedMultiplyAdd(new Vector<float>(xa[o[1]]), Vector.Load(s + lanes), a1);
                a2 = Vector.FusedMultiplyAdd(new Vector<float>(xa[o[2]]), Vector.Load(s + 2 * lanes), a2);
                a3 = Vector.FusedMultiplyAdd(new Vector<float>(xa[o[3]]), Vector.Load(s + 3 * lanes), a3);
            }
            (a0 + a1 + a2 + a3).Store(outA);
        }

        /// <summary>The bias gradient of one block of filters: the spread gradient summed over pixels and positions.</summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static unsafe void BiasVector(int pixels, float* block, float* outB)
        {
            nint lanes = Vector<float>.Count;
            var sum = Vector<float>.Zero;
            for (int p = 0; p < pixels; p++)
            {
                float* s = block + p * 4 * lanes;
                sum += Vector.Load(s) + Vector.Load(s + lanes) + Vector.Load(s + 2 * lanes) + Vector.Load(s + 3 * lanes);
            }
            sum.Store(outB);
        }

        /// <summary>One filter (the tail past the vectors; <paramref name="lane"/> points at its lane of its block): the
        /// same sums in the same order as a vector lane.</summary>
        private unsafe void ScalarFilter(float* image, int* off, int taps, int* org, int pixels, float* lane, float* part, int f)
        {
            nint lanes = Vector<float>.Count;
            for (int t = 0; t < taps; t++)
            {
                float* xa = image + off[t];
                float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
                for (int p = 0; p < pixels; p++)
                {
                    int* o = org + p * 4;
                    float* s = lane + p * 4 * lanes;
                    a0 = MathF.FusedMultiplyAdd(xa[o[0]], s[0], a0);
                    a1 = MathF.FusedMultiplyAdd(xa[o[1]], s[lanes], a1);
                    a2 = MathF.FusedMultiplyAdd(xa[o[2]], s[2 * lanes], a2);
                    a3 = MathF.FusedMultiplyAdd(xa[o[3]], s[3 * lanes], a3);
                }
                part[(nint)t * filters + f] = a0 + a1 + a2 + a3;
            }
            float sum = 0f;
            for (int p = 0; p < pixels; p++)
            {
                float* s = lane + p * 4 * lanes;
                sum += s[0] + s[lanes] + s[2 * lanes] + s[3 * lanes];
            }
            part[(nint)taps * filters + f] = sum;
        }
    }
}
