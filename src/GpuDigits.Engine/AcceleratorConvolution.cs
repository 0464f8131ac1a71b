namespace GpuDigits.Engine;

/// <summary>A convolution done as im2col + GEMM, forward and input gradient, each in one op.</summary>
public abstract partial class Accelerator
{
    /// <summary>
    /// A valid, stride-1 convolution of NHWC images x [batch, height, width, channels] with <paramref name="filters"/>
    /// square filters (weights: kernel^2 channels x filters, rows in im2col's (ky, kx, c) order): cols =
    /// <see cref="Im2Col"/>(x), kept for the weight gradient, and y [batch, OH, OW, filters] = act(cols weights + bias)
    /// as <see cref="Gemm"/> computes it. The same values as the two ops, which is what the default runs; the CPU
    /// backend runs the GEMM on each image's rows of cols right after writing them, while they are in L2.
    /// </summary>
    public void ConvolutionForward(DeviceBuffer<float> x, int batch, int height, int width, int channels, int kernel,
        DeviceBuffer<float> weights, DeviceBuffer<float>? bias, int filters, Activation activation, DeviceBuffer<float> cols,
        DeviceBuffer<float> y)
    {
        var (oh, ow) = ConvOutput(batch, height, width, channels, kernel);
        ArgumentOutOfRangeException.ThrowIfNegative(filters);
        long pixels = (long)batch * oh * ow, depth = (long)kernel * kernel * channels;
        RequireLength(x, (long)batch * height * width * channels, nameof(x));
        RequireLength(weights, depth * filters, nameof(weights));
        if (bias is not null) RequireLength(bias, filters, nameof(bias));
        RequireLength(cols, pixels * depth, nameof(cols));
        RequireLength(y, pixels * filters, nameof(y));
        if (pixels == 0 || filters == 0) return;
        ConvolutionForwardCore(x, batch, height, width, channels, kernel, weights, bias, filters, activation, cols, y);
    }

    /// <summary>The op of <see cref="ConvolutionForward"/>; by default im2col, then the GEMM.</summary>
    protected virtual void ConvolutionForwardCore(DeviceBuffer<float> x, int batch, int height, int width, int channels, int kernel,
        DeviceBuffer<float> weights, DeviceBuffer<float>? bias, int filters, Activation activation, DeviceBuffer<float> cols,
        DeviceBuffer<float> y)
    {
        var (oh, ow) = ConvOutput(batch, height, width, channels, kernel);
        if (channels > 0) Im2ColCore(x, batch, height, width, channels, kernel, cols);
        GemmCore(false, false, batch * oh * ow, filters, kernel * kernel * channels, 1f, cols, weights, 0f, y, bias, activation);
    }

    /// <summary>
    /// The input gradient of a valid, stride-1 convolution of NHWC images [batch, height, width, channels] with
    /// <paramref name="filters"/> square filters (weights: kernel^2 channels x filters, rows in im2col's (ky, kx, c)
    /// order), from its output gradient dz [batch, OH, OW, filters]: dx = <see cref="Col2Im"/>(dz weights^T), dx
    /// overwritten. <paramref name="cols"/> (batch OH OW x kernel^2 channels) is scratch whose contents are undefined
    /// afterwards. The same values as the GEMM into cols followed by col2im, which is what the default runs; the CPU
    /// backend computes each image's rows of dz weights^T into an L2-sized block and gathers them into dx at once, so
    /// the whole matrix (17.8 MB for the CNN's second layer at batch 128) is never written to memory and read back.
    /// </summary>
    public void ConvInputGradient(DeviceBuffer<float> dz, DeviceBuffer<float> weights, int batch, int height, int width,
        int channels, int kernel, int filters, DeviceBuffer<float> cols, DeviceBuffer<float> dx)
    {
        var (oh, ow) = ConvOutput(batch, height, width, channels, kernel);
        ArgumentOutOfRangeException.ThrowIfNegative(filters);
        long pixels = (long)batch * oh * ow, depth = (long)kernel * kernel * channels;
        RequireLength(dz, pixels * filters, nameof(dz));
        RequireLength(weights, depth * filters, nameof(weights));
        RequireLength(cols, pixels * depth, nameof(cols));
        RequireLength(dx, (long)batch * height * width * channels, nameof(dx));
        if (batch == 0 || channels == 0) return;
        ConvInputGradientCore(dz, weights, batch, height, width, channels, kernel, filters, cols, dx);
    }

    /// <summary>The op of <see cref="ConvInputGradient"/>; by default the GEMM into cols, then col2im.</summary>
    protected virtual void ConvInputGradientCore(DeviceBuffer<float> dz, DeviceBuffer<float> weights, int batch, int height,
        int width, int channels, int kernel, int filters, DeviceBuffer<float> cols, DeviceBuffer<float> dx)
    {
        var (oh, ow) = ConvOutput(batch, height, width, channels, kernel);
        GemmCore(false, true, batch * oh * ow, kernel * kernel * channels, filters, 1f, dz, weights, 0f, cols, null, Activation.None);
        Col2ImCore(cols, batch, height, width, channels, kernel, dx);
    }
}
