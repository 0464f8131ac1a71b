using GpuDigits.Engine;
using GpuDigits.Engine.Cpu;
using NUnit.Framework;

namespace GpuDigits.Tests.Cpu;

/// <summary>
/// The CPU's conv_input_gradient computes dz W^T a group of images at a time into an L2-sized block and runs col2im
/// on it; dx must be that of the GEMM into the whole cols matrix followed by col2im, bit for bit, on every micro-kernel
/// path (the narrow kernel of a short im2col row, edge tiles, groups of one image and of many with a short last one,
/// the two-op fallback of a k split) and however the groups are shared between threads.
/// </summary>
[TestFixtureSource(typeof(GemmPathFixture), nameof(GemmPathFixture.Paths))]
public class ConvInputGradientTests(GemmPath path) : GemmPathFixture(path)
{
    public static IEnumerable<TestCaseData> Cases()
    {
        (int Batch, int Height, int Width, int Channels, int Kernel, int Filters, string Why)[] shapes =
        [
            (1, 5, 5, 1, 3, 1, "a 9-float row: the narrow kernel"),
            (7, 9, 7, 3, 3, 7, "edge tiles, many images per group"),
            (3, 13, 13, 32, 3, 64, "the CNN's second layer: one image per group"),
            (2, 6, 11, 5, 5, 40, "a 125-float row"),
            (150, 13, 13, 1, 3, 5, "three groups, the last one short"),
            (4, 7, 5, 2, 1, 3, "1 x 1 filters"),
            (1, 5, 5, 1, 3, 2100, "a long k over a small dx: split along k, so the two ops run"),
        ];
        foreach (var s in shapes)
            foreach (int threads in new[] { 1, 2 })
                yield return new TestCaseData(s.Batch, s.Height, s.Width, s.Channels, s.Kernel, s.Filters, threads)
                    .SetArgDisplayNames($"n{s.Batch}h{s.Height}w{s.Width}c{s.Channels}k{s.Kernel}f{s.Filters}", $"threads{threads}")
                    .SetDescription(s.Why);
    }

    [TestCaseSource(nameof(Cases))]
    public void SameBitsAsTheGemmThenCol2Im(int batch, int height, int width, int channels, int kernel, int filters, int threads)
    {
        var (oh, ow) = Accelerator.ConvOutput(batch, height, width, channels, kernel);
        int pixels = batch * oh * ow, depth = kernel * kernel * channels, inputs = batch * height * width * channels;
        var r = new Random(batch * 131 + height * 17 + channels * 7 + filters);
        float[] Random(int count) => Enumerable.Range(0, count).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        var dz = Random(pixels * filters);
        var w = Random(depth * filters);

        using var acc = new CpuAccelerator(new CpuAcceleratorOptions { GemmPath = Kernel, Threads = threads, AlwaysSplit = true });
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
        var fusedResult = Run(fused: true);
        int bad = Enumerable.Range(0, inputs).FirstOrDefault(i => BitConverter.SingleToInt32Bits(unfused[i]) != BitConverter.SingleToInt32Bits(fusedResult[i]), -1);
        Assert.That(bad, Is.EqualTo(-1), () => $"dx[{bad}]: fused {fusedResult[bad]:G9}, unfused {unfused[bad]:G9}");
        Assert.That(unfused.Count(v => v != 0 && float.IsFinite(v)), Is.EqualTo(inputs), "every dx is a finite non-zero sum");
    }
}
