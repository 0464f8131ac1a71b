namespace GpuDigits.Engine;

/// <summary>The fused first stage of a CNN: convolution + bias + ReLU + 2 x 2 max pooling, and its gradients.</summary>
public abstract partial class Accelerator
{
    /// <summary>
    /// A valid, stride-1 convolution of NHWC images x [batch, height, width, channels] with <paramref name="filters"/>
    /// square filters (weights: kernel^2 channels x filters, rows in im2col's (ky, kx, c) order), + bias, ReLU, then
    /// 2 x 2 max pooling, into y [batch, OH / 2, OW / 2, filters] and argmax as <see cref="MaxPool2x2"/> records them
    /// for a ReLU input (-1 for a window whose maximum is 0). The same values as <see cref="Im2Col"/>, the GEMM with
    /// its bias + ReLU epilogue and <see cref="MaxPool2x2"/>, without im2col's matrix or the convolution's output:
    /// for a first layer, whose few input channels make im2col's rows short.
    /// </summary>
    public void ConvReluMaxPool(DeviceBuffer<float> x, int batch, int height, int width, int channels, int kernel,
        DeviceBuffer<float> weights, DeviceBuffer<float> bias, int filters, DeviceBuffer<float> y, DeviceBuffer<int> argmax)
    {
        long pooled = CheckConvPool(batch, height, width, channels, kernel, filters, weights);
        RequireLength(x, (long)batch * height * width * channels, nameof(x));
        RequireLength(bias, filters, nameof(bias));
        RequireLength(y, pooled, nameof(y));
        RequireLength(argmax, pooled, nameof(argmax));
        if (pooled == 0) return;
        ConvReluMaxPoolCore(x, batch, height, width, channels, kernel, weights, bias, filters, y, argmax);
    }

    /// <summary>
    /// The weight and bias gradients of <see cref="ConvReluMaxPool"/> for the pooled gradient dy: the pooling's
    /// backward, the ReLU's and the convolution's weight gradient (cols^T dz) and bias gradient (column sums of dz) in
    /// one pass over dy, argmax and x. Both gradients are overwritten. There is no input gradient: this is a first
    /// layer's backward. The sums run in a fixed order, the same for any thread count.
    /// </summary>
    public void ConvReluMaxPoolBackward(DeviceBuffer<float> dy, DeviceBuffer<int> argmax, DeviceBuffer<float> x, int batch,
        int height, int width, int channels, int kernel, int filters, DeviceBuffer<float> weightGradient, DeviceBuffer<float> biasGradient)
    {
        long pooled = CheckConvPool(batch, height, width, channels, kernel, filters, weightGradient);
        RequireLength(dy, pooled, nameof(dy));
        RequireLength(argmax, pooled, nameof(argmax));
        RequireLength(x, (long)batch * height * width * channels, nameof(x));
        RequireLength(biasGradient, filters, nameof(biasGradient));
        if ((long)kernel * kernel * channels * filters + filters == 0) return;
        ConvReluMaxPoolBackwardCore(dy, argmax, x, batch, height, width, channels, kernel, filters, weightGradient, biasGradient);
    }

    /// <summary>Checks the shapes of the fused stage; returns the pooled outputs' length.</summary>
    private long CheckConvPool(int batch, int height, int width, int channels, int kernel, int filters, DeviceBuffer<float> weights)
    {
        var (oh, ow) = ConvOutput(batch, height, width, channels, kernel);
        CheckPool(batch, oh, ow, filters);
        RequireLength(weights, (long)kernel * kernel * channels * filters, nameof(weights));
        return (long)batch * (oh / 2) * (ow / 2) * filters;
    }

    protected abstract void ConvReluMaxPoolCore(DeviceBuffer<float> x, int batch, int height, int width, int channels, int kernel,
        DeviceBuffer<float> weights, DeviceBuffer<float> bias, int filters, DeviceBuffer<float> y, DeviceBuffer<int> argmax);

    protected abstract void ConvReluMaxPoolBackwardCore(DeviceBuffer<float> dy, DeviceBuffer<int> argmax, DeviceBuffer<float> x,
        int batch, int height, int width, int channels, int kernel, int filters, DeviceBuffer<float> weightGradient, DeviceBuffer<float> biasGradient);
}
