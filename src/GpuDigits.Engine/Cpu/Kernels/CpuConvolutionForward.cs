using System.Runtime.CompilerServices;
using GpuDigits.Engine.Cpu.Kernels.Gemm;
using GpuDigits.Engine.Cpu.Threading;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>
/// CPU twin of convolution_forward: y = act(im2col(x) W + bias), a group of whole images at a time. A thread writes
/// the group's rows of cols into its own block of at most <see cref="CpuConvolution.GroupFloats"/>, which stays in L2,
/// and runs the GEMM on them straight away; cols for the whole batch is never stored (the weight gradient makes its
/// own rows again, <see cref="CpuConvWeightGradient"/>). The group's GEMM is the whole product's GEMM restricted to
/// its rows (<see cref="CpuGemm.RunOnThisThread"/>), so y is the same bit for bit as im2col followed by the GEMM, for
/// any thread count. Each image's rows are written by one thread.
/// </summary>
internal static unsafe class CpuConvolutionForward
{
    /// <summary>
    /// Runs the op; false (nothing written) when the fused form would not give the GEMM's bits: when the whole product
    /// is split along k (a few output pixels over a deep im2col row), or has no k. The caller then runs the two ops.
    /// </summary>
    public static bool TryRun(GemmPath path, float[] x, int batch, int height, int width, int channels, int kernel,
        float[] weights, float[]? bias, int filters, Activation activation, float[] y, int threads, bool alwaysSplit)
    {
        int pixels = (height - kernel + 1) * (width - kernel + 1), depth = kernel * kernel * channels;
        var whole = new GemmArgs { M = batch * pixels, N = filters, K = depth };
        if (depth == 0 || GemmKSplit.Slices(whole) > 1) return false;
        int imagesPerGroup = CpuConvolution.ImagesPerGroup(pixels * depth);
        int groups = (batch + imagesPerGroup - 1) / imagesPerGroup;
        var body = new GroupBody(path, x, batch, height, width, channels, kernel, weights, bias, filters, activation, y, imagesPerGroup);
        CpuParallel.For(body, groups, threads, 1, alwaysSplit);
        return true;
    }

    private readonly struct GroupBody(GemmPath path, float[] x, int batch, int height, int width, int channels, int kernel,
        float[] weights, float[]? bias, int filters, Activation activation, float[] y, int imagesPerGroup) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int begin, int end)
        {
            int pixels = (height - kernel + 1) * (width - kernel + 1), depth = kernel * kernel * channels;
            var block = CpuConvolution.GroupBlock(imagesPerGroup * pixels * depth);
            fixed (float* px = x, pb = block, pw = weights, pbias = bias, py = y)
            {
                for (int group = begin; group < end; group++)
                {
                    int first = group * imagesPerGroup, images = Math.Min(imagesPerGroup, batch - first);
                    CpuConvolution.Im2ColBody.Rows(px, height, width, channels, kernel, (long)first * pixels, images * pixels, pb);
                    var g = new GemmArgs
                    {
                        TransA = false, TransB = false, M = images * pixels, N = filters, K = depth, Alpha = 1f, Beta = 0f,
                        A = pb, B = pw, C = py + (nint)first * pixels * filters, Bias = pbias,
                        Activation = activation,
                    };
                    g.SetDenseLeadingDimensions();
                    CpuGemm.RunOnThisThread(path, ref g);
                }
            }
        }
    }
}
