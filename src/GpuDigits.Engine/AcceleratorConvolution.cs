namespace GpuDigits.Engine;

/// <summary>A convolution done as im2col + GEMM, forward, weight gradient and input gradient, each in one op.</summary>
public abstract partial class Accelerator
{
    /// <summary>
    /// A valid, stride-1 convolution of NHWC images x [batch, height, width, channels] with <paramref name="filters"/>
    /// square filters (weights: kernel^2 channels x filters, rows in im2col's (ky, kx, c) order): y [batch, OH, OW,
    /// filters] = act(<see cref="Im2Col"/>(x) weights + bias) as <see cref="Gemm"/> computes it. <paramref name="cols"/>
    /// (batch OH OW x kernel^2 channels) is scratch whose contents are undefined afterwards. The same values as the two
    /// ops, which is what the default runs (cols then holds im2col(x)); the CPU backend writes each image's rows of
    /// cols into an L2-sized block and runs the GEMM on them at once, so cols is never written to memory.
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
    /// The weight gradient of a valid, stride-1 convolution of NHWC images x [batch, height, width, channels] with
    /// <paramref name="filters"/> square filters, from its output gradient dz [batch, OH, OW, filters]: dw (kernel^2
    /// channels x filters, rows in im2col's (ky, kx, c) order) = <see cref="Im2Col"/>(x)^T dz as <see cref="Gemm"/>
    /// computes it, overwritten. <paramref name="cols"/> (batch OH OW x kernel^2 channels) is scratch whose contents are
    /// undefined afterwards. The same values as the two ops, which is what the default runs; the CPU backend makes each
    /// k block of im2col(x) (at most 256 output pixels) just before the GEMM reads it, while it is in L2.
    /// </summary>
    public void ConvWeightGradient(DeviceBuffer<float> x, DeviceBuffer<float> dz, int batch, int height, int width,
        int channels, int kernel, int filters, DeviceBuffer<float> cols, DeviceBuffer<float> dw)
    {
        var (oh, ow) = ConvOutput(batch, height, width, channels, kernel);
        ArgumentOutOfRangeException.ThrowIfNegative(filters);
        long pixels = (long)batch * oh * ow, depth = (long)kernel * kernel * channels;
        RequireLength(x, (long)batch * height * width * channels, nameof(x));
        RequireLength(dz, pixels * filters, nameof(dz));
        RequireLength(cols, pixels * depth, nameof(cols));
        RequireLength(dw, depth * filters, nameof(dw));
        if (depth == 0 || filters == 0) return;
        ConvWeightGradientCore(x, dz, batch, height, width, channels, kernel, filters, cols, dw);
    }

    /// <summary>The op of <see cref="ConvWeightGradient"/>; by default im2col, then the GEMM.</summary>
    protected virtual void ConvWeightGradientCore(DeviceBuffer<float> x, DeviceBuffer<float> dz, int batch, int height,
        int width, int channels, int kernel, int filters, DeviceBuffer<float> cols, DeviceBuffer<float> dw)
    {
        var (oh, ow) = ConvOutput(batch, height, width, channels, kernel);
        int depth = kernel * kernel * channels;
        if (batch > 0) Im2ColCore(x, batch, height, width, channels, kernel, cols);
        GemmCore(true, false, depth, filters, batch * oh * ow, 1f, cols, dz, 0f, dw, null, Activation.None);
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
