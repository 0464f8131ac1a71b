using GpuDigits.Engine;
using GpuDigits.Engine.Cpu;
using NUnit.Framework;

namespace GpuDigits.Tests.Cpu;

/// <summary>
/// The CPU's fused convolution ops keep a block of im2col rows in L2 instead of the whole cols matrix:
/// convolution_forward writes a group of images' rows and runs the GEMM on them; conv_input_gradient computes the
/// group's rows of dz W^T and runs col2im on them; conv_weight_gradient makes each k block of rows of its k-split GEMM
/// just before the micro-kernels read it. Their outputs must be those of the two ops each replaces, bit for bit, on
/// every micro-kernel path (the narrow kernel of a short im2col row or few filters, edge tiles, groups of one image and
/// of many with a short last one, k blocks that cross images, the two-op fallbacks) and however the work is shared
/// between threads.
/// </summary>
[TestFixtureSource(typeof(GemmPathFixture), nameof(GemmPathFixture.Paths))]
public class FusedConvolutionTests(GemmPath path) : GemmPathFixture(path)
{
    public static IEnumerable<TestCaseData> Cases()
    {
        (int Batch, int Height, int Width, int Channels, int Kernel, int Filters, string Why)[] shapes =
        [
            (1, 5, 5, 1, 3, 1, "a 9-float row, one filter: the narrow kernel"),
            (7, 9, 7, 3, 3, 7, "edge tiles, many images per group"),
            (3, 13, 13, 32, 3, 64, "the CNN's second layer: one image per group"),
            (2, 6, 11, 5, 5, 40, "a 125-float row"),
            (150, 13, 13, 1, 3, 5, "three groups, the last one short"),
            (4, 7, 5, 2, 1, 3, "1 x 1 filters"),
            (1, 5, 5, 1, 3, 2100, "the input gradient's long k over a small dx: split along k, so the two ops run"),
            (1, 5, 5, 240, 3, 5, "the forward's long k (2160) over a small y: split along k, so the two ops run"),
        ];
        return OnOneAndTwoThreads(shapes);
    }

    private static IEnumerable<TestCaseData> OnOneAndTwoThreads(
        (int Batch, int Height, int Width, int Channels, int Kernel, int Filters, string Why)[] shapes)
    {
        foreach (var s in shapes)
            foreach (int threads in new[] { 1, 2 })
                yield return new TestCaseData(s.Batch, s.Height, s.Width, s.Channels, s.Kernel, s.Filters, threads)
                    .SetArgDisplayNames($"n{s.Batch}h{s.Height}w{s.Width}c{s.Channels}k{s.Kernel}f{s.Filters}", $"threads{threads}")
                    .SetDescription(s.Why);
    }

    private static float[] Random(Random r, int count) => Enumerable.Range(0, count).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();

    private CpuAccelerator Open(int threads) => new(new CpuAcceleratorOptions { GemmPath = Kernel, Threads = threads, AlwaysSplit = true });

    private static void SameBits(float[] unfused, float[] fused, string what)
    {
        int bad = Enumerable.Range(0, unfused.Length).FirstOrDefault(i => BitConverter.SingleToInt32Bits(unfused[i]) != BitConverter.SingleToInt32Bits(fused[i]), -1);
        Assert.That(bad, Is.EqualTo(-1), () => $"{what}[{bad}]: fused {fused[bad]:G9}, unfused {unfused[bad]:G9}");
    }

    [TestCaseSource(nameof(Cases))]
    public void ForwardSameBitsAsIm2ColThenTheGemm(int batch, int height, int width, int channels, int kernel, int filters, int threads)
    {
        var (oh, ow) = Accelerator.ConvOutput(batch, height, width, channels, kernel);
        int pixels = batch * oh * ow, depth = kernel * kernel * channels;
        var r = new Random(batch * 137 + height * 19 + channels * 5 + filters);
        var x = Random(r, batch * height * width * channels);
        var w = Random(r, depth * filters);
        var b = Random(r, filters);

        using var acc = Open(threads);
        using var dx = acc.Upload<float>(x);
        using var dw = acc.Upload<float>(w);
        using var db = acc.Upload<float>(b);
        float[] Run(bool fused)
        {
            using var cols = acc.Upload<float>(Enumerable.Repeat(float.NaN, pixels * depth).ToArray());
            using var y = acc.Upload<float>(Enumerable.Repeat(float.NaN, pixels * filters).ToArray());
            if (fused) acc.ConvolutionForward(dx, batch, height, width, channels, kernel, dw, db, filters, Activation.Relu, cols, y);
            else
            {
                acc.Im2Col(dx, batch, height, width, channels, kernel, cols);
                acc.Gemm(false, false, pixels, filters, depth, 1f, cols, dw, 0f, y, db, Activation.Relu);
            }
            return y.ToArray();
        }

        var unfused = Run(fused: false);
        SameBits(unfused, Run(fused: true), "y");
        Assert.That(unfused.Count(v => v > 0), Is.GreaterThan(pixels * filters / 4), "the ReLU left too few outputs to compare");
    }

    [TestCaseSource(nameof(Cases))]
    public void InputGradientSameBitsAsTheGemmThenCol2Im(int batch, int height, int width, int channels, int kernel, int filters, int threads)
    {
        var (oh, ow) = Accelerator.ConvOutput(batch, height, width, channels, kernel);
        int pixels = batch * oh * ow, depth = kernel * kernel * channels, inputs = batch * height * width * channels;
        var r = new Random(batch * 131 + height * 17 + channels * 7 + filters);
        var dz = Random(r, pixels * filters);
        var w = Random(r, depth * filters);

        using var acc = Open(threads);
        using var ddz = acc.Upload<float>(dz);
        using var dw = acc.Upload<float>(w);
        using var cols = acc.Allocate<float>(pixels * depth);
        float[] Run(bool fused)
        {
            using var dx = acc.Upload<float>(Enumerable.Repeat(float.NaN, inputs).ToArray());
            if (fused) acc.ConvInputGradient(ddz, dw, batch, height, width, channels, kernel, filters, cols, dx);
            else
            {
                acc.Gemm(false, true, pixels, depth, filters, 1f, ddz, dw, 0f, cols);
                acc.Col2Im(cols, batch, height, width, channels, kernel, dx);
            }
            return dx.ToArray();
        }

        var unfused = Run(fused: false);
        SameBits(unfused, Run(fused: true), "dx");
        Assert.That(unfused.Count(v => v != 0 && float.IsFinite(v)), Is.EqualTo(inputs), "every dx is a finite non-zero sum");
    }

    public static IEnumerable<TestCaseData> WeightGradientCases()
    {
        (int Batch, int Height, int Width, int Channels, int Kernel, int Filters, string Why)[] shapes =
        [
            (20, 13, 13, 32, 3, 64, "the CNN's second layer at batch 20: 2 k slices, blocks of 2 images"),
            (128, 13, 13, 32, 3, 64, "the CNN's second layer at batch 128: 8 k slices"),
            (12, 28, 28, 1, 3, 32, "9-float rows (short spans), 4 k slices, blocks that cross images"),
            (13, 17, 19, 5, 5, 13, "edge tiles of dW (125 x 13), 2 k slices of uneven blocks"),
            (40, 10, 10, 3, 3, 1, "one filter: the narrow kernel"),
            (3, 13, 13, 32, 3, 64, "363 output pixels: not split along k, so the two ops run"),
            (40, 12, 12, 64, 3, 128, "a dW of 73,728 floats: not split along k, so the two ops run"),
        ];
        return OnOneAndTwoThreads(shapes);
    }

    [TestCaseSource(nameof(WeightGradientCases))]
    public void WeightGradientSameBitsAsIm2ColThenTheGemm(int batch, int height, int width, int channels, int kernel, int filters, int threads)
    {
        var (oh, ow) = Accelerator.ConvOutput(batch, height, width, channels, kernel);
        int pixels = batch * oh * ow, depth = kernel * kernel * channels;
        var r = new Random(batch * 139 + height * 23 + channels * 3 + filters);
        var x = Random(r, batch * height * width * channels);
        var dz = Random(r, pixels * filters);

        using var acc = Open(threads);
        using var dx = acc.Upload<float>(x);
        using var ddz = acc.Upload<float>(dz);
        using var cols = acc.Allocate<float>(pixels * depth);
        float[] Run(bool fused)
        {
            using var dw = acc.Upload<float>(Enumerable.Repeat(float.NaN, depth * filters).ToArray());
            if (fused) acc.ConvWeightGradient(dx, ddz, batch, height, width, channels, kernel, filters, cols, dw);
            else
            {
                acc.Im2Col(dx, batch, height, width, channels, kernel, cols);
                acc.Gemm(true, false, depth, filters, pixels, 1f, cols, ddz, 0f, dw);
            }
            return dw.ToArray();
        }

        var unfused = Run(fused: false);
        acc.Fill(cols, float.NaN); // the fused op must not read what the unfused one left there
        SameBits(unfused, Run(fused: true), "dw");
        Assert.That(unfused.Count(v => v != 0 && float.IsFinite(v)), Is.EqualTo(depth * filters), "every dw is a finite non-zero sum");
    }
}
