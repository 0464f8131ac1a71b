using GpuDigits.Kernels;
using GpuDigits.Engine.Cpu.Kernels;
using GpuDigits.Engine.Cpu.Kernels.Gemm;

namespace GpuDigits.Engine.Cpu;

/// <summary>
/// The managed CPU accelerator: a first-class peer of the GPU backends. Each op runs synchronously on the
/// calling thread (GEMM and the larger passes fan out over a persistent worker team); the kernels live in
/// <c>Cpu/Kernels</c>, one file per op family. This class only forwards.
/// </summary>
public sealed class CpuAccelerator : Accelerator
{
    private readonly AcceleratorInfo _info;
    private readonly GemmPath _gemmPath;
    private readonly int _threads;
    private readonly bool _alwaysSplit;

    public CpuAccelerator() : this(new CpuAcceleratorOptions()) { }

    public CpuAccelerator(CpuAcceleratorOptions options)
    {
        Options = options;
        _gemmPath = options.ResolvedPath;
        _threads = options.ResolvedThreads;
        _alwaysSplit = options.AlwaysSplit;
        _info = CpuAcceleratorProvider.Describe(_gemmPath, _threads, _alwaysSplit);
    }

    public CpuAcceleratorOptions Options { get; }

    /// <summary>The GEMM micro-kernel this accelerator runs (never Auto).</summary>
    public GemmPath GemmPath => _gemmPath;

    public override AcceleratorInfo Info => _info;

    public override void Synchronize() { }

    protected override DeviceBuffer<T> AllocateCore<T>(int length)
    {
        try
        {
            return new CpuBuffer<T>(this, length);
        }
        catch (OutOfMemoryException)
        {
            throw new DeviceOutOfMemoryException(_info.Id, (long)length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        }
    }

    private static CpuBuffer<T> AsCpu<T>(DeviceBuffer<T> buffer) where T : unmanaged => (CpuBuffer<T>)buffer;

    protected override void GemmCore(bool transA, bool transB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c,
        DeviceBuffer<float>? bias, Activation activation) =>
        CpuGemm.Run(_gemmPath, _threads, _alwaysSplit, transA, transB, m, n, k, alpha, AsCpu(a).Data, AsCpu(b).Data, beta, AsCpu(c).Data,
            bias is null ? null : AsCpu(bias).Data, activation);

    /// <summary>The GEMM with the step as its hook: each block of the gradient is stepped while it is in L2.</summary>
    protected override void GemmOptimizerStepCore<TRule>(bool transA, bool transB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> grad, TRule rule, DeviceBuffer<float> param,
        DeviceBuffer<float> s0, DeviceBuffer<float> s1, DeviceBuffer<float> scalars)
    {
        var g = AsCpu(grad).Data;
        var hook = CpuOptimizers.BlockStep<TRule>.For(rule, AsCpu(param).Data, g, AsCpu(s0).Data, AsCpu(s1).Data, Scalars(scalars));
        try
        {
            CpuGemm.Run(_gemmPath, _threads, _alwaysSplit, transA, transB, m, n, k, alpha, AsCpu(a).Data, AsCpu(b).Data, 0f, g,
                null, Activation.None, hook);
        }
        finally
        {
            hook.Clear();
        }
    }

    protected override void BiasAddCore(DeviceBuffer<float> x, DeviceBuffer<float> bias, int rows, int cols) =>
        CpuElementwise.BiasAdd(AsCpu(x).Span, AsCpu(bias).Span, rows, cols);

    protected override void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count) =>
        CpuElementwise.ActivationForward(activation, AsCpu(x).Span[..count], AsCpu(y).Span[..count]);

    protected override void ActivationBackwardCore(Activation activation, DeviceBuffer<float> y, DeviceBuffer<float> dy,
        DeviceBuffer<float> dx, int count) =>
        CpuElementwise.ActivationBackward(activation, AsCpu(y).Span[..count], AsCpu(dy).Span[..count], AsCpu(dx).Span[..count]);

    protected override void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels, int rows, int cols,
        DeviceBuffer<float> probabilities, DeviceBuffer<float>? gradient, float gradientScale, DeviceBuffer<float> stats) =>
        CpuSoftmaxCrossEntropy.Run(AsCpu(logits).Span, AsCpu(labels).Span, rows, cols, AsCpu(probabilities).Span,
            gradient is null ? Span<float>.Empty : AsCpu(gradient).Span, gradient is not null, gradientScale, AsCpu(stats).Span);

    protected override void ColumnSumsCore(DeviceBuffer<float> x, int rows, int cols, DeviceBuffer<float> sums, float beta) =>
        CpuReductions.ColumnSums(AsCpu(x).Data, rows, cols, AsCpu(sums).Data, beta, _threads, _alwaysSplit);

    protected override void OptimizerStepCore<TRule>(TRule rule, DeviceBuffer<float> param, DeviceBuffer<float> grad,
        DeviceBuffer<float> s0, DeviceBuffer<float> s1, int count, DeviceBuffer<float> scalars)
        => CpuOptimizers.Step(rule, AsCpu(param).Data, AsCpu(grad).Data, AsCpu(s0).Data, AsCpu(s1).Data, count,
            Scalars(scalars), _threads, _alwaysSplit);

    /// <summary>A step's scalars as the device buffer holds them (learning rate, H1, H2), read when the op runs.</summary>
    private static StepScalars Scalars(DeviceBuffer<float> scalars)
    {
        var s = AsCpu(scalars).Span;
        return new StepScalars { LearningRate = s[0], H1 = s[1], H2 = s[2] };
    }

    protected override void GatherBatchCore(DeviceBuffer<byte> images, DeviceBuffer<byte> labels, DeviceBuffer<int> indices,
        DeviceBuffer<int> startAt, int count, int features, float mean, float invStd,
        DeviceBuffer<float> x, DeviceBuffer<int> batchLabels) =>
        CpuGather.GatherBatch(AsCpu(images).Data, AsCpu(labels).Data, AsCpu(indices).Data, AsCpu(startAt).Span[0], count,
            features, mean, invStd, AsCpu(x).Data, AsCpu(batchLabels).Data, _threads, _alwaysSplit);

    protected override void Im2ColCore(DeviceBuffer<float> x, int batch, int height, int width, int channels, int kernel, DeviceBuffer<float> cols) =>
        CpuConvolution.Im2Col(AsCpu(x).Data, batch, height, width, channels, kernel, AsCpu(cols).Data, _threads, _alwaysSplit);

    protected override void Col2ImCore(DeviceBuffer<float> cols, int batch, int height, int width, int channels, int kernel, DeviceBuffer<float> dx) =>
        CpuConvolution.Col2Im(AsCpu(cols).Data, batch, height, width, channels, kernel, AsCpu(dx).Data, _threads, _alwaysSplit);

    /// <summary>im2col and the GEMM image group by image group, the group's rows of cols in an L2 block, cols not
    /// written (see <see cref="CpuConvolutionForward"/>); the two ops one after the other where that would change a bit.</summary>
    protected override void ConvolutionForwardCore(DeviceBuffer<float> x, int batch, int height, int width, int channels, int kernel,
        DeviceBuffer<float> weights, DeviceBuffer<float>? bias, int filters, Activation activation, DeviceBuffer<float> cols,
        DeviceBuffer<float> y)
    {
        if (!CpuConvolutionForward.TryRun(_gemmPath, AsCpu(x).Data, batch, height, width, channels, kernel, AsCpu(weights).Data,
                bias is null ? null : AsCpu(bias).Data, filters, activation, AsCpu(y).Data, _threads, _alwaysSplit))
            base.ConvolutionForwardCore(x, batch, height, width, channels, kernel, weights, bias, filters, activation, cols, y);
    }

    /// <summary>The GEMM's k blocks of im2col rows made from x as it reads them, cols not written (see
    /// <see cref="CpuConvWeightGradient"/>); im2col and the GEMM where the GEMM is not split along k.</summary>
    protected override void ConvWeightGradientCore(DeviceBuffer<float> x, DeviceBuffer<float> dz, int batch, int height,
        int width, int channels, int kernel, int filters, DeviceBuffer<float> cols, DeviceBuffer<float> dw)
    {
        if (!CpuConvWeightGradient.TryRun(_gemmPath, AsCpu(x).Data, AsCpu(dz).Data, batch, height, width, channels, kernel,
                filters, AsCpu(dw).Data, _threads, _alwaysSplit))
            base.ConvWeightGradientCore(x, dz, batch, height, width, channels, kernel, filters, cols, dw);
    }

    /// <summary>The GEMM and col2im image group by image group, the group's rows of dz W^T in L2 (see
    /// <see cref="CpuConvInputGradient"/>); the two ops one after the other where that would change a bit.</summary>
    protected override void ConvInputGradientCore(DeviceBuffer<float> dz, DeviceBuffer<float> weights, int batch, int height,
        int width, int channels, int kernel, int filters, DeviceBuffer<float> cols, DeviceBuffer<float> dx)
    {
        if (!CpuConvInputGradient.TryRun(_gemmPath, AsCpu(dz).Data, AsCpu(weights).Data, batch, height, width, channels, kernel,
                filters, AsCpu(dx).Data, _threads, _alwaysSplit))
            base.ConvInputGradientCore(dz, weights, batch, height, width, channels, kernel, filters, cols, dx);
    }

    protected override void MaxPool2x2Core(DeviceBuffer<float> x, int batch, int height, int width, int channels,
        DeviceBuffer<float> y, DeviceBuffer<int> argmax, bool reluInput) =>
        CpuConvolution.MaxPool(AsCpu(x).Data, batch, height, width, channels, AsCpu(y).Data, AsCpu(argmax).Data, reluInput, _threads, _alwaysSplit);

    protected override void MaxPool2x2BackwardCore(DeviceBuffer<float> dy, DeviceBuffer<int> argmax, int batch, int height,
        int width, int channels, DeviceBuffer<float> dx) =>
        CpuConvolution.MaxPoolBackward(AsCpu(dy).Data, AsCpu(argmax).Data, batch, height, width, channels, AsCpu(dx).Data, _threads, _alwaysSplit);

    protected override void ConvReluMaxPoolCore(DeviceBuffer<float> x, int batch, int height, int width, int channels, int kernel,
        DeviceBuffer<float> weights, DeviceBuffer<float> bias, int filters, DeviceBuffer<float> y, DeviceBuffer<int> argmax) =>
        CpuConvPool.Forward(AsCpu(x).Data, batch, height, width, channels, kernel, AsCpu(weights).Data, AsCpu(bias).Data, filters,
            AsCpu(y).Data, AsCpu(argmax).Data, _threads, _alwaysSplit);

    protected override void ConvReluMaxPoolBackwardCore(DeviceBuffer<float> dy, DeviceBuffer<int> argmax, DeviceBuffer<float> x,
        int batch, int height, int width, int channels, int kernel, int filters, DeviceBuffer<float> weightGradient, DeviceBuffer<float> biasGradient) =>
        CpuConvPool.Backward(AsCpu(dy).Data, AsCpu(argmax).Data, AsCpu(x).Data, batch, height, width, channels, kernel, filters,
            AsCpu(weightGradient).Data, AsCpu(biasGradient).Data, _threads, _alwaysSplit);

    protected override void FillCore<T>(DeviceBuffer<T> buffer, T value, int offset, int count) =>
        AsCpu(buffer).Span.Slice(offset, count).Fill(value);

    protected override void DisposeCore() { }
}
