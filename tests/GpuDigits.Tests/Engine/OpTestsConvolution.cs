using GpuDigits.Engine.Verification;
using GpuDigits.Engine;
using GpuDigits.Engine.Verification.Reference;
using NUnit.Framework;

namespace GpuDigits.Tests.Engine;

/// <summary>
/// im2col, col2im, the fused forward (im2col + GEMM), weight gradient (im2col + GEMM) and input gradient (GEMM +
/// col2im), 2 x 2 max pooling (forward and
/// backward) on every selected device against the float64 references, at awkward shapes: odd image sizes, 1, 3 and 5
/// channels, batches of 1 and 7, filters of 1, 3 and 5 (one as wide as the image). im2col and pooling copy or compare
/// values, so they are exact; col2im sums up to k^2 terms and is held to the column-sum tolerance, and the fused ops to
/// the GEMM's. A convolution as im2col + GEMM is checked against a direct one.
/// </summary>
[TestFixture]
public sealed class ConvolutionOpTests : AcceleratorFixture
{
    public sealed record Shape(int Batch, int Height, int Width, int Channels, int Kernel)
    {
        public override string ToString() => $"n{Batch}h{Height}w{Width}c{Channels}k{Kernel}";
    }

    public static readonly Shape[] Shapes =
    [
        new(1, 5, 5, 1, 3),
        new(7, 9, 7, 3, 3),
        new(1, 6, 11, 5, 5),
        new(7, 5, 5, 3, 5),   // filter as wide as the image: one output pixel
        new(2, 13, 13, 32, 3), // the second layer of the CNN, at batch 2
        new(3, 4, 7, 1, 1),
    ];

    /// <summary>The shapes, and two whose weight gradient the CPU splits along k (2,420 and 8,112 output pixels),
    /// making each k block of im2col rows as it goes: blocks that cross images, rows of 288 floats and of 9.</summary>
    public static readonly Shape[] WeightGradientShapes = [.. Shapes, new(20, 13, 13, 32, 3), new(12, 28, 28, 1, 3)];

    public static readonly Shape[] PoolShapes =
    [
        new(1, 2, 2, 1, 0),
        new(7, 5, 7, 3, 0),    // odd: the last row and column are dropped
        new(1, 26, 26, 32, 0), // after the first convolution of the CNN
        new(2, 11, 11, 64, 0),
        new(3, 9, 4, 5, 0),
    ];

    [Test]
    public void Im2ColMatchesReference(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(Shapes))] Shape s)
    {
        var acc = Device(device);
        var x = DeviceData.Uniform(DeviceData.Seed(s.Batch, s.Height, s.Width, s.Channels, s.Kernel), s.Batch * s.Height * s.Width * s.Channels);
        var expected = ReferenceConvolution.Im2Col(x, s.Batch, s.Height, s.Width, s.Channels, s.Kernel);
        using var dx = acc.Upload<float>(x);
        using var cols = DeviceData.Guarded(acc, DeviceData.Filled(expected.Length, float.NaN));
        acc.Im2Col(dx, s.Batch, s.Height, s.Width, s.Channels, s.Kernel, cols);
        Verify.Close("cols", DeviceData.ReadGuarded(cols, "cols"), expected, _ => 0);
        DeviceData.Unchanged(dx, x, "x");
    }

    [Test]
    public void Col2ImMatchesReference(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(Shapes))] Shape s)
    {
        var acc = Device(device);
        var (oh, ow) = Accelerator.ConvOutput(s.Batch, s.Height, s.Width, s.Channels, s.Kernel);
        var cols = DeviceData.Uniform(DeviceData.Seed(s.Kernel, s.Channels, s.Width, s.Height, s.Batch), s.Batch * oh * ow * s.Kernel * s.Kernel * s.Channels);
        var expected = ReferenceConvolution.Col2Im(cols, s.Batch, s.Height, s.Width, s.Channels, s.Kernel);
        using var dcols = acc.Upload<float>(cols);
        using var dx = DeviceData.Guarded(acc, DeviceData.Filled(expected.Values.Length, float.NaN));
        acc.Col2Im(dcols, s.Batch, s.Height, s.Width, s.Channels, s.Kernel, dx);
        Verify.Summed("dx", DeviceData.ReadGuarded(dx, "dx"), expected, KernelTolerances.ElementwiseRelative, KernelTolerances.ElementwiseAbsolute);
    }

    [Test]
    public void ConvolutionForwardMatchesADirectOne(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(Shapes))] Shape s, [Values(1, 7, 64)] int filters, [Values] bool relu)
    {
        var acc = Device(device);
        var (oh, ow) = Accelerator.ConvOutput(s.Batch, s.Height, s.Width, s.Channels, s.Kernel);
        int seed = DeviceData.Seed(s.Batch, s.Height, s.Width, s.Channels, s.Kernel, filters + 11);
        int rows = s.Batch * oh * ow, depth = s.Kernel * s.Kernel * s.Channels;
        var x = DeviceData.Uniform(seed, s.Batch * s.Height * s.Width * s.Channels);
        var w = DeviceData.Uniform(seed + 1, depth * filters);
        var b = DeviceData.Uniform(seed + 2, filters);
        var conv = ReferenceConvolution.Conv(x, w, b, s.Batch, s.Height, s.Width, s.Channels, s.Kernel, filters);
        var expected = relu ? conv with { Values = conv.Values.Select(v => Math.Max(v, 0)).ToArray() } : conv;
        using var dx = acc.Upload<float>(x);
        using var dw = acc.Upload<float>(w);
        using var db = acc.Upload<float>(b);
        using var cols = DeviceData.Guarded(acc, DeviceData.Filled(rows * depth, float.NaN));
        using var y = DeviceData.Guarded(acc, DeviceData.Filled(rows * filters, float.NaN));
        acc.ConvolutionForward(dx, s.Batch, s.Height, s.Width, s.Channels, s.Kernel, dw, db, filters,
            relu ? Activation.Relu : Activation.None, cols, y);
        Verify.Summed("y", DeviceData.ReadGuarded(y, "y"), expected, KernelTolerances.Gemm, KernelTolerances.Gemm);
        DeviceData.ReadGuarded(cols, "cols"); // scratch: any contents, but nothing written outside it
        DeviceData.Unchanged(dx, x, "x");
    }

    [Test]
    public void ConvWeightGradientMatchesReference(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(WeightGradientShapes))] Shape s, [Values(1, 7, 64)] int filters)
    {
        var acc = Device(device);
        var (oh, ow) = Accelerator.ConvOutput(s.Batch, s.Height, s.Width, s.Channels, s.Kernel);
        int seed = DeviceData.Seed(s.Batch, s.Height, s.Width, s.Channels, s.Kernel, filters + 5);
        int pixels = s.Batch * oh * ow, depth = s.Kernel * s.Kernel * s.Channels;
        var x = DeviceData.Uniform(seed, s.Batch * s.Height * s.Width * s.Channels);
        var dz = DeviceData.Uniform(seed + 1, pixels * filters);
        var expected = ReferenceConvolution.ConvWeightGradient(x, dz, s.Batch, s.Height, s.Width, s.Channels, s.Kernel, filters);
        using var dx = acc.Upload<float>(x);
        using var ddz = acc.Upload<float>(dz);
        using var cols = DeviceData.Guarded(acc, DeviceData.Filled(pixels * depth, float.NaN));
        using var dw = DeviceData.Guarded(acc, DeviceData.Filled(depth * filters, float.NaN));
        acc.ConvWeightGradient(dx, ddz, s.Batch, s.Height, s.Width, s.Channels, s.Kernel, filters, cols, dw);
        Verify.Summed("dw", DeviceData.ReadGuarded(dw, "dw"), expected, KernelTolerances.Gemm, KernelTolerances.Gemm);
        DeviceData.ReadGuarded(cols, "cols");
        DeviceData.Unchanged(dx, x, "x");
        DeviceData.Unchanged(ddz, dz, "dz");
    }

    [Test]
    public void ConvInputGradientMatchesReference(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(Shapes))] Shape s, [Values(1, 7, 64)] int filters)
    {
        var acc = Device(device);
        var (oh, ow) = Accelerator.ConvOutput(s.Batch, s.Height, s.Width, s.Channels, s.Kernel);
        int seed = DeviceData.Seed(s.Batch, s.Height, s.Width, s.Channels, s.Kernel, filters + 3);
        int pixels = s.Batch * oh * ow, depth = s.Kernel * s.Kernel * s.Channels;
        var dz = DeviceData.Uniform(seed, pixels * filters);
        var w = DeviceData.Uniform(seed + 1, depth * filters);
        var expected = ReferenceConvolution.ConvInputGradient(dz, w, s.Batch, s.Height, s.Width, s.Channels, s.Kernel, filters);
        using var ddz = acc.Upload<float>(dz);
        using var dw = acc.Upload<float>(w);
        using var cols = acc.Allocate<float>(pixels * depth);
        using var dx = DeviceData.Guarded(acc, DeviceData.Filled(expected.Values.Length, float.NaN));
        acc.ConvInputGradient(ddz, dw, s.Batch, s.Height, s.Width, s.Channels, s.Kernel, filters, cols, dx);
        Verify.Summed("dx", DeviceData.ReadGuarded(dx, "dx"), expected, KernelTolerances.Gemm, KernelTolerances.Gemm);
        DeviceData.Unchanged(ddz, dz, "dz");
        DeviceData.Unchanged(dw, w, "weights");
    }

    [Test]
    public void ConvolutionAsIm2ColAndGemmMatchesADirectOne(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(Shapes))] Shape s, [Values(1, 7)] int filters)
    {
        var acc = Device(device);
        var (oh, ow) = Accelerator.ConvOutput(s.Batch, s.Height, s.Width, s.Channels, s.Kernel);
        int seed = DeviceData.Seed(s.Batch, s.Height, s.Width, s.Channels, s.Kernel, filters);
        var x = DeviceData.Uniform(seed, s.Batch * s.Height * s.Width * s.Channels);
        var w = DeviceData.Uniform(seed + 1, s.Kernel * s.Kernel * s.Channels * filters);
        var b = DeviceData.Uniform(seed + 2, filters);
        var expected = ReferenceConvolution.Conv(x, w, b, s.Batch, s.Height, s.Width, s.Channels, s.Kernel, filters);
        int rows = s.Batch * oh * ow, depth = s.Kernel * s.Kernel * s.Channels;
        using var dx = acc.Upload<float>(x);
        using var dw = acc.Upload<float>(w);
        using var db = acc.Upload<float>(b);
        using var cols = acc.Allocate<float>(rows * depth);
        using var y = acc.Allocate<float>(rows * filters);
        acc.Im2Col(dx, s.Batch, s.Height, s.Width, s.Channels, s.Kernel, cols);
        acc.Gemm(false, false, rows, filters, depth, 1f, cols, dw, 0f, y, db);
        Verify.Summed("y", y.ToArray(), expected, KernelTolerances.Gemm, KernelTolerances.Gemm);
    }

    [Test]
    public void MaxPoolMatchesReference(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(PoolShapes))] Shape s)
    {
        var acc = Device(device);
        int seed = DeviceData.Seed(s.Batch, s.Height, s.Width, s.Channels);
        var x = DeviceData.Uniform(seed, s.Batch * s.Height * s.Width * s.Channels);
        for (int i = 0; i < x.Length; i += 5) x[i] = x[Math.Max(0, i - s.Channels)]; // ties: the first maximum wins
        var (expectedY, expectedArg) = ReferenceConvolution.MaxPool(x, s.Batch, s.Height, s.Width, s.Channels);
        using var dx = acc.Upload<float>(x);
        using var y = DeviceData.Guarded(acc, DeviceData.Filled(expectedY.Length, float.NaN));
        using var arg = DeviceData.Guarded(acc, new int[expectedArg.Length]);
        acc.MaxPool2x2(dx, s.Batch, s.Height, s.Width, s.Channels, y, arg);
        Verify.Close("y", DeviceData.ReadGuarded(y, "y"), expectedY, _ => 0);
        Verify.Exact("argmax", DeviceData.ReadGuarded(arg, "argmax"), expectedArg);

        var dy = DeviceData.Uniform(seed + 1, expectedY.Length);
        var expectedDx = ReferenceConvolution.MaxPoolBackward(dy, expectedArg, s.Batch, s.Height, s.Width, s.Channels);
        using var ddy = acc.Upload<float>(dy);
        using var ddx = DeviceData.Guarded(acc, DeviceData.Filled(expectedDx.Length, float.NaN));
        acc.MaxPool2x2Backward(ddy, arg, s.Batch, s.Height, s.Width, s.Channels, ddx);
        Verify.Close("dx", DeviceData.ReadGuarded(ddx, "dx"), expectedDx, _ => 0);
    }

    [Test]
    public void ReluGatedPoolingMatchesThePoolingThenTheReluBackward(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(PoolShapes))] Shape s)
    {
        // On a ReLU's output (about half zeros, so some windows hold only zeros, and ties of 0), the gated pooling's
        // backward alone must give the same bits as the plain pooling's backward followed by the ReLU backward, and
        // the gated argmax must be the reference's (-1 for a window of zeros).
        var acc = Device(device);
        int seed = DeviceData.Seed(s.Batch, s.Height, s.Width, s.Channels, 1);
        var x = DeviceData.Uniform(seed, s.Batch * s.Height * s.Width * s.Channels).Select(v => MathF.Max(v, 0f)).ToArray();
        int pooled = s.Batch * (s.Height / 2) * (s.Width / 2) * s.Channels;
        var dy = DeviceData.Uniform(seed + 1, pooled);
        foreach (int at in new[] { 0, s.Channels, s.Width * s.Channels, (s.Width + 1) * s.Channels }) x[at] = 0f; // one window of zeros for sure
        var (expectedY, expectedArg) = ReferenceConvolution.MaxPool(x, s.Batch, s.Height, s.Width, s.Channels, reluInput: true);
        using var dx = acc.Upload<float>(x);
        using var ddy = acc.Upload<float>(dy);
        using var y = acc.Allocate<float>(pooled);
        using var arg = DeviceData.Guarded(acc, new int[pooled]);
        using var gated = DeviceData.Guarded(acc, DeviceData.Filled(x.Length, float.NaN));
        acc.MaxPool2x2(dx, s.Batch, s.Height, s.Width, s.Channels, y, arg, reluInput: true);
        Verify.Exact("gated argmax", DeviceData.ReadGuarded(arg, "argmax"), expectedArg);
        Verify.Close("y", y.ToArray(), expectedY, _ => 0);
        acc.MaxPool2x2Backward(ddy, arg, s.Batch, s.Height, s.Width, s.Channels, gated);

        using var plainArg = acc.Allocate<int>(pooled);
        using var plain = acc.Allocate<float>(x.Length);
        acc.MaxPool2x2(dx, s.Batch, s.Height, s.Width, s.Channels, y, plainArg);
        acc.MaxPool2x2Backward(ddy, plainArg, s.Batch, s.Height, s.Width, s.Channels, plain);
        acc.ActivationBackward(Activation.Relu, dx, plain, plain, x.Length);
        var (want, got) = (plain.ToArray(), DeviceData.ReadGuarded(gated, "dx"));
        for (int i = 0; i < want.Length; i++)
            if (BitConverter.SingleToInt32Bits(got[i]) != BitConverter.SingleToInt32Bits(want[i]))
                Assert.Fail($"dx[{i}] = {got[i]:G9} gated, {want[i]:G9} pooled then ReLU backward");
    }

    [Test]
    public void AFilterWiderThanTheImageIsRefused(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device)
    {
        var acc = Device(device);
        using var x = acc.Allocate<float>(4 * 4);
        using var cols = acc.Allocate<float>(64);
        var e = Assert.Throws<ArgumentException>(() => acc.Im2Col(x, 1, 4, 4, 1, 5, cols))!;
        Assert.That(e.Message, Does.Contain("wider than the 4 x 4 image"));
        Assert.Throws<ArgumentOutOfRangeException>(() => acc.MaxPool2x2(x, 1, 1, 16, 1, cols, acc.Allocate<int>(8)));
    }
}
