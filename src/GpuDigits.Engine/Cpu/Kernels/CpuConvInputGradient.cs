using System.Runtime.CompilerServices;
using GpuDigits.Engine.Cpu.Kernels.Gemm;
using GpuDigits.Engine.Cpu.Threading;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>
/// CPU twin of conv_input_gradient: dx = col2im(dz W^T), a group of whole images at a time. A thread computes the
/// group's rows of dz W^T (OH OW rows of kernel^2 channels per image) into its own block of at most
/// <see cref="CpuConvolution.GroupFloats"/>, which stays in L2, and col2im gathers them into the group's dx straight
/// away; the product for the whole batch is never stored. The group's GEMM is the whole product's GEMM restricted to
/// its rows (<see cref="CpuGemm.RunOnThisThread"/>) and col2im is the same per-image gather, so dx is the same bit for
/// bit as the GEMM into cols followed by col2im, for any thread count. Each image's dx is written by one thread.
/// </summary>
internal static unsafe class CpuConvInputGradient
{
    /// <summary>
    /// Runs the op; false (nothing written) when the fused form would not give the GEMM's bits: when the whole product
    /// is split along k (a small dx over thousands of filters), or has no k. The caller then runs the two ops.
    /// </summary>
    public static bool TryRun(GemmPath path, float[] dz, float[] weights, int batch, int height, int width, int channels,
        int kernel, int filters, float[] dx, int threads, bool alwaysSplit)
    {
        int pixels = (height - kernel + 1) * (width - kernel + 1), depth = kernel * kernel * channels;
        var whole = new GemmArgs { M = batch * pixels, N = depth, K = filters };
        if (filters == 0 || GemmKSplit.Slices(whole) > 1) return false;
        int imagesPerGroup = CpuConvolution.ImagesPerGroup(pixels * depth);
        int groups = (batch + imagesPerGroup - 1) / imagesPerGroup;
        var body = new GroupBody(path, dz, weights, batch, height, width, channels, kernel, filters, dx, imagesPerGroup);
        CpuParallel.For(body, groups, threads, 1, alwaysSplit);
        return true;
    }

    private readonly struct GroupBody(GemmPath path, float[] dz, float[] weights, int batch, int height, int width,
        int channels, int kernel, int filters, float[] dx, int imagesPerGroup) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int begin, int end)
        {
            int pixels = (height - kernel + 1) * (width - kernel + 1), depth = kernel * kernel * channels;
            int imageRows = pixels * depth, imageDx = height * width * channels;
            var block = CpuConvolution.GroupBlock(imagesPerGroup * imageRows);
            fixed (float* pdz = dz, pw = weights, pdx = dx, pb = block)
            {
                for (int group = begin; group < end; group++)
                {
                    int first = group * imagesPerGroup, images = Math.Min(imagesPerGroup, batch - first);
                    var g = new GemmArgs
                    {
                        TransA = false, TransB = true, M = images * pixels, N = depth, K = filters, Alpha = 1f, Beta = 0f,
                        A = pdz + (nint)first * pixels * filters, B = pw, C = pb, Activation = Activation.None,
                    };
                    g.SetDenseLeadingDimensions();
                    CpuGemm.RunOnThisThread(path, ref g);
                    for (int i = 0; i < images; i++)
                        CpuConvolution.Col2ImBody.Image(pb + (nint)i * imageRows, height, width, channels, kernel,
                            pdx + (nint)(first + i) * imageDx);
                }
            }
        }
    }
}
