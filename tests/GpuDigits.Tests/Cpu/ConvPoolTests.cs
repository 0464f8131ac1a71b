using GpuDigits.Engine;
using GpuDigits.Engine.Cpu;
using NUnit.Framework;

namespace GpuDigits.Tests.Cpu;

/// <summary>
/// The fused first stage on the managed CPU (its float64 checks on every device are verify's conv_relu_max_pool
/// cases, run by VerifierCaseTests): the forward pass gives the bits of im2col + GEMM (bias + ReLU) + ReLU-gated max
/// pooling, the gradients agree with the unfused ops' (pooling backward, weight-gradient GEMM, column sums) to
/// rounding and do not depend on the thread count, and bad shapes are refused.
/// </summary>
public class ConvPoolTests
{
    private static float[] Uniform(Random r, int count, float scale = 1f) =>
        Enumerable.Range(0, count).Select(_ => (float)(r.NextDouble() * 2 - 1) * scale).ToArray();

    [TestCase(4, 28, 28, 1, 3, 32)]  // the CNN's first layer
    [TestCase(3, 9, 8, 2, 3, 5)]     // odd output: the last row is dropped; filters past the SIMD vectors
    [TestCase(2, 8, 9, 3, 2, 17)]
    [TestCase(1, 7, 7, 1, 5, 40)]
    [TestCase(40, 12, 12, 1, 3, 16)] // enough images for the work to be split between threads
    public void ForwardIsTheUnfusedOpsBitForBitAndTheGradientsAgree(int n, int h, int w, int c, int k, int filters)
    {
        var r = new Random(n * 1000 + h * 100 + filters);
        int depth = k * k * c, oh = h - k + 1, ow = w - k + 1, pooled = n * (oh / 2) * (ow / 2) * filters;
        var x = Uniform(r, n * h * w * c);
        var weights = Uniform(r, depth * filters);
        var bias = Uniform(r, filters, 0.5f);
        var dyHost = Uniform(r, pooled);
        using var acc = new CpuAccelerator(new CpuAcceleratorOptions { Threads = 2, AlwaysSplit = true });
        using var dx = acc.Upload<float>(x);
        using var dw = acc.Upload<float>(weights);
        using var db = acc.Upload<float>(bias);
        using var dy = acc.Upload<float>(dyHost);

        using var y = acc.Allocate<float>(pooled);
        using var arg = acc.Allocate<int>(pooled);
        acc.ConvReluMaxPool(dx, n, h, w, c, k, dw, db, filters, y, arg);

        using var cols = acc.Allocate<float>(n * oh * ow * depth);
        using var conv = acc.Allocate<float>(n * oh * ow * filters);
        using var y2 = acc.Allocate<float>(pooled);
        using var arg2 = acc.Allocate<int>(pooled);
        acc.Im2Col(dx, n, h, w, c, k, cols);
        acc.Gemm(false, false, n * oh * ow, filters, depth, 1f, cols, dw, 0f, conv, db, Activation.Relu);
        acc.MaxPool2x2(conv, n, oh, ow, filters, y2, arg2, reluInput: true);
        Assert.That(y.ToArray().Select(BitConverter.SingleToInt32Bits), Is.EqualTo(y2.ToArray().Select(BitConverter.SingleToInt32Bits)), "pooled output");
        Assert.That(arg.ToArray(), Is.EqualTo(arg2.ToArray()), "argmax");

        using var gw = acc.Allocate<float>(depth * filters);
        using var gb = acc.Allocate<float>(filters);
        acc.ConvReluMaxPoolBackward(dy, arg, dx, n, h, w, c, k, filters, gw, gb);
        using var dz = acc.Allocate<float>(n * oh * ow * filters);
        using var gw2 = acc.Allocate<float>(depth * filters);
        using var gb2 = acc.Allocate<float>(filters);
        acc.MaxPool2x2Backward(dy, arg2, n, oh, ow, filters, dz);
        acc.Gemm(true, false, depth, filters, n * oh * ow, 1f, cols, dz, 0f, gw2);
        acc.ColumnSums(dz, n * oh * ow, filters, gb2);
        Assert.That(gw.ToArray(), Is.EqualTo(gw2.ToArray()).Within(1e-4f), "weight gradient");
        Assert.That(gb.ToArray(), Is.EqualTo(gb2.ToArray()).Within(1e-4f), "bias gradient");

        // The gradients' sums run in image order, whatever the threads.
        using var one = new CpuAccelerator(new CpuAcceleratorOptions { Threads = 1 });
        using var gw1 = one.Allocate<float>(depth * filters);
        using var gb1 = one.Allocate<float>(filters);
        using var dy1 = one.Upload<float>(dyHost);
        using var arg1 = one.Upload<int>(arg.ToArray());
        using var x1 = one.Upload<float>(x);
        one.ConvReluMaxPoolBackward(dy1, arg1, x1, n, h, w, c, k, filters, gw1, gb1);
        Assert.That(gw1.ToArray(), Is.EqualTo(gw.ToArray()), "weight gradient, 1 thread against 2");
        Assert.That(gb1.ToArray(), Is.EqualTo(gb.ToArray()), "bias gradient, 1 thread against 2");
    }

    [Test]
    public void BadShapesAreRefused()
    {
        using var acc = new CpuAccelerator();
        using var x = acc.Allocate<float>(28 * 28);
        using var w = acc.Allocate<float>(9 * 32);
        using var b = acc.Allocate<float>(32);
        using var y = acc.Allocate<float>(13 * 13 * 32);
        using var arg = acc.Allocate<int>(13 * 13 * 32);
        Assert.Throws<ArgumentException>(() => acc.ConvReluMaxPool(x, 1, 28, 28, 1, 3, w, b, 33, y, arg), "weights too short for 33 filters");
        Assert.Throws<ArgumentException>(() => acc.ConvReluMaxPool(x, 2, 28, 28, 1, 3, w, b, 32, y, arg), "x too short for 2 images");
        Assert.Throws<ArgumentOutOfRangeException>(() => acc.ConvReluMaxPool(x, 1, 3, 3, 1, 3, w, b, 32, y, arg), "a 1 x 1 output cannot be pooled");
        Assert.Throws<ArgumentException>(() => acc.ConvReluMaxPoolBackward(y, arg, x, 1, 28, 28, 1, 3, 32, w, acc.Allocate<float>(31)), "bias gradient too short");
    }
}
