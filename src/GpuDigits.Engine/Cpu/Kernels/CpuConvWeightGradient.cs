using GpuDigits.Engine.Cpu.Kernels.Gemm;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>
/// CPU twin of conv_weight_gradient: dW = im2col(x)^T dz, the GEMM's long k (every output pixel of the batch) cut into
/// slices as <see cref="GemmKSplit"/> cuts it, and each slice's k blocks (at most 256 rows of cols, 242 = two images
/// for the CNN's second layer, 272 KB) made from x by <see cref="CpuConvolution.Im2ColBody.Rows"/> into the thread's
/// own block just before the micro-kernels read them, so cols for the whole batch (17.8 MB there) is never written
/// to memory and read back. The GEMM is the same one with the same blocks, so dW is the same bit for bit as im2col
/// followed by the GEMM, for any thread count.
/// </summary>
internal static unsafe class CpuConvWeightGradient
{
    /// <summary>
    /// Runs the op; false (nothing written) where the GEMM would not be split along k (few output pixels, or a large
    /// dW): there the rows of cols would meet every part of C, and the caller runs im2col and the GEMM instead.
    /// </summary>
    public static bool TryRun(GemmPath path, float[] x, float[] dz, int batch, int height, int width, int channels,
        int kernel, int filters, float[] dw, int threads, bool alwaysSplit)
    {
        int pixels = (height - kernel + 1) * (width - kernel + 1), depth = kernel * kernel * channels;
        var g = new GemmArgs { TransA = true, M = depth, N = filters, K = batch * pixels, Alpha = 1f, Beta = 0f };
        if (depth == 0 || filters == 0 || GemmKSplit.Slices(g) <= 1) return false;
        fixed (float* px = x, pdz = dz, pdw = dw)
        {
            g.B = pdz;
            g.C = pdw;
            g.SetDenseLeadingDimensions();
            g.ARows = Im2ColRows.For(px, height, width, channels, kernel);
            try
            {
                CpuGemm.RunWithMadeRows(path, ref g, threads, alwaysSplit);
            }
            finally
            {
                Im2ColRows.Release();
            }
        }
        return true;
    }

    /// <summary>The rows of cols made from x (pinned by the caller for the call), one reusable object per calling thread.</summary>
    private sealed class Im2ColRows : IGemmARows
    {
        [ThreadStatic] private static Im2ColRows? _current;
        private float* _x;
        private int _height, _width, _channels, _kernel;

        public static Im2ColRows For(float* x, int height, int width, int channels, int kernel)
        {
            var rows = _current ??= new Im2ColRows();
            rows._x = x;
            (rows._height, rows._width, rows._channels, rows._kernel) = (height, width, channels, kernel);
            return rows;
        }

        public static void Release()
        {
            if (_current is { } rows) rows._x = null;
        }

        public void Write(long first, int count, float* block) =>
            CpuConvolution.Im2ColBody.Rows(_x, _height, _width, _channels, _kernel, first, count, block);
    }
}
