using GpuDigits.Engine.Verification.Reference;
using static GpuDigits.Engine.Verification.Comparison;
using static GpuDigits.Engine.Verification.KernelTolerances;

namespace GpuDigits.Engine.Verification.Cases;

/// <summary>
/// im2col (exact: a copy), col2im (a sum: the column-sum bound on the sum of |terms|), the forward (im2col + GEMM +
/// bias + ReLU), the weight gradient (im2col + GEMM) and the input gradient (GEMM + col2im) as one op each (the GEMM
/// bound), 2 x 2
/// max pooling forward (exact) and backward (exact, through the reference's first-maximum argmax), plain and on a
/// ReLU's output (windows of zeros pass no gradient), and the fused first stage (convolution + ReLU + pooling, and its
/// weight and bias gradients, routed by the device's own argmax), at odd sizes, 1 / 3 / 32 channels and the network's
/// own shapes.
/// </summary>
internal static class ConvolutionCases
{
    public static IEnumerable<VerificationCase> All(TrainingShapes? training)
    {
        ImageShape[] convolutions = [new(1, 5, 5, 1, 3), new(7, 9, 7, 3, 3), new(3, 6, 11, 5, 5), new(4, 28, 28, 1, 3), new(2, 13, 13, 32, 3)];
        foreach (var s in convolutions.Concat(training?.Convolutions ?? []))
            yield return new VerificationCase("im2col/col2im", s.ToString(), (dev, rng) => Convolution(dev, rng, s));
        // The forward (im2col + GEMM + bias + ReLU) and the input gradient (GEMM + col2im) as one op each, at the same
        // small shapes; the CNN's second layer at batch 2.
        foreach (var s in convolutions)
        {
            int filters = s.Channels == 32 ? 64 : 7;
            yield return new VerificationCase("convolution_forward", $"{s} f{filters}", (dev, rng) => Forward(dev, rng, s, filters));
            yield return new VerificationCase("conv_input_gradient", $"{s} f{filters}", (dev, rng) => InputGradient(dev, rng, s, filters));
        }
        // The weight gradient at those shapes and at the CNN's second layer at batch 20 (2,420 output pixels, which
        // the CPU backend splits along k and makes its im2col rows for block by block).
        foreach (var s in convolutions.Append(new ImageShape(20, 13, 13, 32, 3)))
        {
            int filters = s.Channels == 32 ? 64 : 7;
            yield return new VerificationCase("conv_weight_gradient", $"{s} f{filters}", (dev, rng) => WeightGradient(dev, rng, s, filters));
        }
        // The fused first stage: (images, height, width, channels, kernel) and filters; odd sizes, several channels,
        // a wide filter, and the CNN's own first layer (28 x 28 x 1, 3 x 3, 32 filters).
        (ImageShape Shape, int Filters)[] stages = [(new(1, 4, 4, 1, 3), 1), (new(3, 9, 8, 2, 3), 5), (new(2, 8, 9, 3, 2), 17),
            (new(1, 7, 7, 1, 5), 40), (new(4, 28, 28, 1, 3), 32)];
        foreach (var (s, filters) in stages)
            yield return new VerificationCase("conv_relu_max_pool", $"{s} f{filters}", (dev, rng) => ConvPool(dev, rng, s, filters));
        ImageShape[] pools = [new(1, 2, 2, 1), new(7, 5, 7, 3), new(2, 26, 26, 32), new(3, 11, 11, 64)];
        foreach (var s in pools.Concat(training?.Pools ?? []))
        {
            yield return new VerificationCase("max_pool_2x2", s.ToString(), (dev, rng) => Pool(dev, rng, s, reluInput: false));
            yield return new VerificationCase("max_pool_2x2_relu", s.ToString(), (dev, rng) => Pool(dev, rng, s, reluInput: true));
        }
    }

    private static IEnumerable<VerificationRow> Convolution(Accelerator dev, Random rng, ImageShape s)
    {
        var (n, h, w, c, k) = (s.Images, s.Height, s.Width, s.Channels, s.Kernel);
        var (oh, ow) = Accelerator.ConvOutput(n, h, w, c, k);
        var x = rng.Uniform(n * h * w * c);
        var cols = Filled(n * oh * ow * k * k * c, float.NaN);
        var got = On(dev, cols, buf => dev.Im2Col(buf(x), n, h, w, c, k, buf(cols)));
        yield return Row("im2col", s.ToString(), got, ReferenceConvolution.Im2Col(x, n, h, w, c, k), ExactBound);

        var g = rng.Uniform(cols.Length);
        var dx = Filled(x.Length, float.NaN);
        var expected = ReferenceConvolution.Col2Im(g, n, h, w, c, k);
        got = On(dev, dx, buf => dev.Col2Im(buf(g), n, h, w, c, k, buf(dx)));
        yield return Row("col2im", s.ToString(), got, expected.Values, SumBound, expected.Magnitudes);
    }

    private static IEnumerable<VerificationRow> Forward(Accelerator dev, Random rng, ImageShape s, int filters)
    {
        var (n, h, w, c, k) = (s.Images, s.Height, s.Width, s.Channels, s.Kernel);
        var (oh, ow) = Accelerator.ConvOutput(n, h, w, c, k);
        int pixels = n * oh * ow, depth = k * k * c;
        var x = rng.Uniform(n * h * w * c);
        var weights = rng.Uniform(depth * filters);
        var bias = rng.Uniform(filters, -0.5f, 0.5f);
        var cols = Filled(pixels * depth, float.NaN);
        var y = Filled(pixels * filters, float.NaN);
        var conv = ReferenceConvolution.Conv(x, weights, bias, n, h, w, c, k, filters);
        var got = On(dev, y, buf =>
            dev.ConvolutionForward(buf(x), n, h, w, c, k, buf(weights), buf(bias), filters, Activation.Relu, buf(cols), buf(y)));
        yield return Row("convolution_forward", $"{s} f{filters}", got, conv.Values.Select(v => Math.Max(v, 0)).ToArray(), GemmBound, conv.Magnitudes);
    }

    private static IEnumerable<VerificationRow> WeightGradient(Accelerator dev, Random rng, ImageShape s, int filters)
    {
        var (n, h, w, c, k) = (s.Images, s.Height, s.Width, s.Channels, s.Kernel);
        var (oh, ow) = Accelerator.ConvOutput(n, h, w, c, k);
        int pixels = n * oh * ow, depth = k * k * c;
        var x = rng.Uniform(n * h * w * c);
        var dz = rng.Uniform(pixels * filters);
        var cols = Filled(pixels * depth, float.NaN);
        var dw = Filled(depth * filters, float.NaN);
        var expected = ReferenceConvolution.ConvWeightGradient(x, dz, n, h, w, c, k, filters);
        var got = On(dev, dw, buf => dev.ConvWeightGradient(buf(x), buf(dz), n, h, w, c, k, filters, buf(cols), buf(dw)));
        yield return Row("conv_weight_gradient", $"{s} f{filters}", got, expected.Values, GemmBound, expected.Magnitudes);
    }

    private static IEnumerable<VerificationRow> InputGradient(Accelerator dev, Random rng, ImageShape s, int filters)
    {
        var (n, h, w, c, k) = (s.Images, s.Height, s.Width, s.Channels, s.Kernel);
        var (oh, ow) = Accelerator.ConvOutput(n, h, w, c, k);
        int pixels = n * oh * ow, depth = k * k * c;
        var dz = rng.Uniform(pixels * filters);
        var weights = rng.Uniform(depth * filters);
        var cols = new float[pixels * depth];
        var dx = Filled(n * h * w * c, float.NaN);
        var expected = ReferenceConvolution.ConvInputGradient(dz, weights, n, h, w, c, k, filters);
        var got = On(dev, dx, buf => dev.ConvInputGradient(buf(dz), buf(weights), n, h, w, c, k, filters, buf(cols), buf(dx)));
        yield return Row("conv_input_gradient", $"{s} f{filters}", got, expected.Values, GemmBound, expected.Magnitudes);
    }

    private static IEnumerable<VerificationRow> ConvPool(Accelerator dev, Random rng, ImageShape s, int filters)
    {
        var (n, h, w, c, k) = (s.Images, s.Height, s.Width, s.Channels, s.Kernel);
        var (oh, ow) = Accelerator.ConvOutput(n, h, w, c, k);
        int pooled = n * (oh / 2) * (ow / 2) * filters, depth = k * k * c;
        var x = rng.Uniform(n * h * w * c);
        var weights = rng.Uniform(depth * filters);
        var bias = rng.Uniform(filters, -0.5f, 0.5f);
        var dy = rng.Uniform(pooled);
        var conv = ReferenceConvolution.Conv(x, weights, bias, n, h, w, c, k, filters);

        var y = Filled(pooled, float.NaN);
        var argmax = new int[pooled];
        var dw = Filled(depth * filters, float.NaN);
        var db = Filled(filters, float.NaN);
        float[] gotDb = [];
        var gotY = On(dev, y, buf =>
        {
            using var arg = dev.Allocate<int>(pooled);
            dev.ConvReluMaxPool(buf(x), n, h, w, c, k, buf(weights), buf(bias), filters, buf(y), arg);
            arg.CopyToHost(argmax);
        });
        var gotDw = On(dev, dw, buf =>
        {
            using var arg = dev.Upload<int>(argmax);
            dev.ConvReluMaxPoolBackward(buf(dy), arg, buf(x), n, h, w, c, k, filters, buf(dw), buf(db));
            gotDb = buf(db).ToArray();
        });
        var (expectedY, magnitudes, chosen) = ReferenceConvolution.ConvReluMaxPool(conv, argmax, n, oh, ow, filters);
        var (expectedDw, expectedDb) = ReferenceConvolution.ConvReluMaxPoolBackward(dy, argmax, x, n, h, w, c, k, filters);
        string shape = $"{s} f{filters}";
        yield return Row("conv_relu_max_pool", shape, gotY, expectedY, GemmBound, magnitudes);
        // The position the device chose must hold the maximum, up to the same rounding (near-ties are no error).
        yield return Row("conv_relu_max_pool_argmax", shape, Array.ConvertAll(chosen, v => (float)v), expectedY, GemmBound, magnitudes);
        yield return Row("conv_relu_max_pool_backward_dw", shape, gotDw, expectedDw.Values, GemmBound, expectedDw.Magnitudes);
        yield return Row("conv_relu_max_pool_backward_db", shape, gotDb, expectedDb.Values, GemmBound, expectedDb.Magnitudes);
    }

    private static IEnumerable<VerificationRow> Pool(Accelerator dev, Random rng, ImageShape s, bool reluInput)
    {
        var (n, h, w, c) = (s.Images, s.Height, s.Width, s.Channels);
        int pooled = n * (h / 2) * (w / 2) * c;
        var x = rng.Uniform(n * h * w * c);
        // A ReLU's output: about half the inputs 0, so one window in 16 holds only zeros.
        if (reluInput) for (int i = 0; i < x.Length; i++) x[i] = MathF.Max(x[i], 0f);
        var dy = rng.Uniform(pooled);
        var (y, argmax) = ReferenceConvolution.MaxPool(x, n, h, w, c, reluInput);
        var backward = ReferenceConvolution.MaxPoolBackward(dy, argmax, n, h, w, c);

        var pooledOut = Filled(pooled, float.NaN);
        var dx = Filled(x.Length, float.NaN);
        float[] gotY = [];
        var gotDx = On(dev, dx, buf =>
        {
            using var arg = dev.Allocate<int>(pooled);
            dev.MaxPool2x2(buf(x), n, h, w, c, buf(pooledOut), arg, reluInput);
            gotY = buf(pooledOut).ToArray();
            dev.MaxPool2x2Backward(buf(dy), arg, n, h, w, c, buf(dx));
        });
        string op = reluInput ? "max_pool_2x2_relu" : "max_pool_2x2";
        yield return Row(op, s.ToString(), gotY, y, ExactBound);
        yield return Row($"{op}_backward", s.ToString(), gotDx, backward, ExactBound);
    }
}
