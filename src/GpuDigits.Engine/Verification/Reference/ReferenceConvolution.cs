namespace GpuDigits.Engine.Verification.Reference;

/// <summary>
/// Float64 references of the convolution ops (im2col, col2im, 2 x 2 max pooling and its gradient), written from the
/// definitions: col2im as the sum over every (output position, filter offset) pair that reads an input element, and
/// a direct convolution to check that im2col + GEMM is one.
/// </summary>
public static class ReferenceConvolution
{
    /// <summary>
    /// Every element of im2col's matrix in its order, with the input element it copies: for image b, output position
    /// (oy, ox), filter offset (ky, kx) and channel ch, the NHWC index of x[b, oy + ky, ox + kx, ch].
    /// </summary>
    private static IEnumerable<long> Sources(int n, int h, int w, int c, int k)
    {
        int oh = h - k + 1, ow = w - k + 1;
        for (int b = 0; b < n; b++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++)
                            for (int ch = 0; ch < c; ch++)
                                yield return ((long)(b * h + oy + ky) * w + ox + kx) * c + ch;
    }

    public static double[] Im2Col(float[] x, int n, int h, int w, int c, int k)
    {
        int oh = h - k + 1, ow = w - k + 1;
        var cols = new double[(long)n * oh * ow * k * k * c];
        long at = 0;
        foreach (long source in Sources(n, h, w, c, k)) cols[at++] = x[source];
        return cols;
    }

    /// <summary>The adjoint by scattering: every element of cols is added to the input element it was read from.</summary>
    public static ReferenceOps.Summed Col2Im(float[] cols, int n, int h, int w, int c, int k)
    {
        var dx = new double[(long)n * h * w * c];
        var magnitude = new double[dx.Length];
        long at = 0;
        foreach (long target in Sources(n, h, w, c, k))
        {
            dx[target] += cols[at];
            magnitude[target] += Math.Abs(cols[at]);
            at++;
        }
        return new ReferenceOps.Summed(dx, magnitude);
    }

    /// <summary>
    /// A convolution's input gradient from its output gradient dz [n, OH, OW, filters] and weights (k^2 c x filters):
    /// every element of im2col's matrix, as the dot product of its output pixel's dz with its weight row, added to the
    /// input element it was read from (with the sum of the products' magnitudes for the tolerance).
    /// </summary>
    public static ReferenceOps.Summed ConvInputGradient(float[] dz, float[] weights, int n, int h, int w, int c, int k, int filters)
    {
        var dx = new double[(long)n * h * w * c];
        var magnitude = new double[dx.Length];
        long at = 0, depth = (long)k * k * c;
        foreach (long target in Sources(n, h, w, c, k))
        {
            long pixel = at / depth, row = at % depth;
            for (int f = 0; f < filters; f++)
            {
                double product = (double)dz[pixel * filters + f] * weights[row * filters + f];
                dx[target] += product;
                magnitude[target] += Math.Abs(product);
            }
            at++;
        }
        return new ReferenceOps.Summed(dx, magnitude);
    }

    /// <summary>
    /// A convolution's weight gradient from its input x [n, h, w, c] and output gradient dz [n, OH, OW, filters]:
    /// dw[(ky, kx, ch), f] = sum over every output pixel (b, oy, ox) of x[b, oy + ky, ox + kx, ch] dz[b, oy, ox, f],
    /// walked as every element of im2col's matrix times its pixel's dz (with the sum of the products' magnitudes for
    /// the tolerance).
    /// </summary>
    public static ReferenceOps.Summed ConvWeightGradient(float[] x, float[] dz, int n, int h, int w, int c, int k, int filters)
    {
        long depth = (long)k * k * c, at = 0;
        var dw = new double[depth * filters];
        var magnitude = new double[dw.Length];
        foreach (long source in Sources(n, h, w, c, k))
        {
            long pixel = at / depth * filters, row = at % depth * filters;
            for (int f = 0; f < filters; f++)
            {
                double product = (double)x[source] * dz[pixel + f];
                dw[row + f] += product;
                magnitude[row + f] += Math.Abs(product);
            }
            at++;
        }
        return new ReferenceOps.Summed(dw, magnitude);
    }

    /// <summary>2 x 2 max pooling: the first maximum of each window and its position 0..3, or -1 with
    /// <paramref name="reluInput"/> when that maximum is not positive (a window that passes no gradient).</summary>
    public static (double[] Y, int[] Argmax) MaxPool(float[] x, int n, int h, int w, int c, bool reluInput = false)
    {
        int oh = h / 2, ow = w / 2;
        var y = new double[(long)n * oh * ow * c];
        var arg = new int[y.Length];
        for (int b = 0; b < n; b++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    for (int ch = 0; ch < c; ch++)
                    {
                        double best = double.NegativeInfinity;
                        int at = -1;
                        for (int d = 0; d < 4; d++)
                        {
                            double v = x[((b * h + 2 * oy + d / 2) * w + 2 * ox + d % 2) * c + ch];
                            if (at < 0 || v > best) (best, at) = (v, d);
                        }
                        long o = ((long)(b * oh + oy) * ow + ox) * c + ch;
                        y[o] = best;
                        arg[o] = reluInput && !(best > 0) ? -1 : at;
                    }
        return (y, arg);
    }

    public static double[] MaxPoolBackward(float[] dy, int[] argmax, int n, int h, int w, int c)
    {
        int oh = h / 2, ow = w / 2;
        var dx = new double[(long)n * h * w * c];
        for (int b = 0; b < n; b++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    for (int ch = 0; ch < c; ch++)
                    {
                        long o = ((long)(b * oh + oy) * ow + ox) * c + ch;
                        int d = argmax[o];
                        if (d < 0) continue; // a window that passes no gradient
                        dx[((long)(b * h + 2 * oy + d / 2) * w + 2 * ox + d % 2) * c + ch] = dy[o];
                    }
        return dx;
    }

    /// <summary>Direct valid convolution: y[b, oy, ox, f] = bias[f] + sum_{ky,kx,c} x[b, oy+ky, ox+kx, c] w[(ky,kx,c), f].</summary>
    public static ReferenceOps.Summed Conv(float[] x, float[] weights, float[] bias, int n, int h, int w, int c, int k, int filters)
    {
        int oh = h - k + 1, ow = w - k + 1;
        var y = new double[(long)n * oh * ow * filters];
        var magnitude = new double[y.Length];
        for (int b = 0; b < n; b++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    for (int f = 0; f < filters; f++)
                    {
                        double sum = bias[f], mag = Math.Abs(bias[f]);
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++)
                                for (int ch = 0; ch < c; ch++)
                                {
                                    double term = (double)x[((b * h + oy + ky) * w + ox + kx) * c + ch] * weights[((ky * k + kx) * c + ch) * filters + f];
                                    sum += term;
                                    mag += Math.Abs(term);
                                }
                        long o = ((long)(b * oh + oy) * ow + ox) * filters + f;
                        y[o] = sum;
                        magnitude[o] = mag;
                    }
        return new ReferenceOps.Summed(y, magnitude);
    }

    /// <summary>
    /// Max pooling of relu(<paramref name="conv"/>) (a <see cref="Conv"/> output, oh x ow per image): per pooled output
    /// the maximum, the magnitude of the sum it came from (the largest of the window's) for the bound, and, for a
    /// device's argmax, the relu'd reference value at the position it chose (0 for -1): equal to the maximum up to
    /// rounding when the choice is right, so near-ties between positions are no error.
    /// </summary>
    public static (double[] Y, double[] Magnitudes, double[] Chosen) ConvReluMaxPool(ReferenceOps.Summed conv, int[] deviceArgmax,
        int n, int oh, int ow, int filters)
    {
        int ph = oh / 2, pw = ow / 2;
        var y = new double[(long)n * ph * pw * filters];
        var mag = new double[y.Length];
        var chosen = new double[y.Length];
        for (int b = 0; b < n; b++)
            for (int py = 0; py < ph; py++)
                for (int px = 0; px < pw; px++)
                    for (int f = 0; f < filters; f++)
                    {
                        long o = ((long)(b * ph + py) * pw + px) * filters + f;
                        double best = double.NegativeInfinity;
                        for (int d = 0; d < 4; d++)
                        {
                            long at = ((long)(b * oh + 2 * py + d / 2) * ow + 2 * px + d % 2) * filters + f;
                            best = Math.Max(best, Math.Max(conv.Values[at], 0));
                            mag[o] = Math.Max(mag[o], conv.Magnitudes[at]);
                        }
                        y[o] = best;
                        int chosenAt = deviceArgmax[o];
                        chosen[o] = chosenAt < 0 ? 0
                            : Math.Max(conv.Values[((long)(b * oh + 2 * py + chosenAt / 2) * ow + 2 * px + chosenAt % 2) * filters + f], 0);
                    }
        return (y, mag, chosen);
    }

    /// <summary>
    /// The weight and bias gradients of the fused convolution + ReLU + max pooling for pooled gradient dy, routed by
    /// the given argmax (-1: the window passes nothing): dw[(ky,kx,c), f] = sum of x[b, oy+ky, ox+kx, c] dy[b, py, px, f]
    /// over the windows with (oy, ox) the argmax pixel, db[f] = sum of those dy.
    /// </summary>
    public static (ReferenceOps.Summed Dw, ReferenceOps.Summed Db) ConvReluMaxPoolBackward(float[] dy, int[] argmax, float[] x,
        int n, int h, int w, int c, int k, int filters)
    {
        int ph = (h - k + 1) / 2, pw = (w - k + 1) / 2, depth = k * k * c;
        var dw = new double[depth * filters];
        var dwMag = new double[dw.Length];
        var db = new double[filters];
        var dbMag = new double[filters];
        for (int b = 0; b < n; b++)
            for (int py = 0; py < ph; py++)
                for (int px = 0; px < pw; px++)
                    for (int f = 0; f < filters; f++)
                    {
                        long o = ((long)(b * ph + py) * pw + px) * filters + f;
                        int d = argmax[o];
                        if (d < 0) continue;
                        int oy = 2 * py + d / 2, ox = 2 * px + d % 2;
                        db[f] += dy[o];
                        dbMag[f] += Math.Abs(dy[o]);
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++)
                                for (int ch = 0; ch < c; ch++)
                                {
                                    double term = (double)x[((b * h + oy + ky) * w + ox + kx) * c + ch] * dy[o];
                                    int r = ((ky * k + kx) * c + ch) * filters + f;
                                    dw[r] += term;
                                    dwMag[r] += Math.Abs(term);
                                }
                    }
        return (new ReferenceOps.Summed(dw, dwMag), new ReferenceOps.Summed(db, dbMag));
    }
}
