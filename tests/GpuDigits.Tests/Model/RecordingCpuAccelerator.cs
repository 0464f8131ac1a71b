using GpuDigits.Engine;
using GpuDigits.Engine.Cpu;
using GpuDigits.Engine.Cpu.Kernels;
using GpuDigits.Engine.Cpu.Kernels.Gemm;

namespace GpuDigits.Tests.Model;

/// <summary>
/// A CPU accelerator that records a step the way a CUDA graph does, for testing the callers of
/// <see cref="Accelerator.CaptureStep"/> without a GPU: while recording, each op is stored with the arguments it was
/// given (values and buffers, frozen) and not run; a replay runs the stored ops, which read device memory only then.
/// A caller that passes a per-step value by argument instead of through device memory gets stale values here, as it
/// would from a real graph. Host copies and allocations while recording are refused, as CUDA refuses them.
/// </summary>
internal sealed class RecordingCpuAccelerator : Accelerator
{
    private readonly AcceleratorInfo _info = CpuAcceleratorProvider.Describe() with { Id = "cpu-recording" };
    private List<Action>? _recording;

    public int Captures { get; private set; }
    public long Replays { get; private set; }

    /// <summary>When false, <see cref="CaptureStep"/> returns null, like a backend without graphs.</summary>
    public bool CanRecord { get; set; } = true;

    public override AcceleratorInfo Info => _info;

    public override void Synchronize() => RefuseWhileRecording("Synchronize");

    private void RefuseWhileRecording(string what)
    {
        if (_recording is not null) throw new InvalidOperationException($"{what} inside a recorded step.");
    }

    private void Op(Action op)
    {
        if (_recording is not null) _recording.Add(op);
        else op();
    }

    protected override IReplayableStep? CaptureStepCore(Action step)
    {
        if (!CanRecord) return null;
        if (_recording is not null) throw new InvalidOperationException("Nested recording.");
        _recording = [];
        try
        {
            step();
            Captures++;
            return new Recorded(this, _recording.ToArray());
        }
        finally
        {
            _recording = null;
        }
    }

    private sealed class Recorded(RecordingCpuAccelerator owner, Action[] ops) : IReplayableStep
    {
        public int OpCount => ops.Length;

        public void Replay()
        {
            owner.Replays++;
            foreach (var op in ops) op();
        }

        public void Dispose() { }
    }

    protected override DeviceBuffer<T> AllocateCore<T>(int length)
    {
        RefuseWhileRecording("Allocate");
        return new Buffer<T>(this, length);
    }

    /// <summary>A CPU buffer whose host copies are refused while recording.</summary>
    private sealed class Buffer<T>(RecordingCpuAccelerator owner, int length) : DeviceBuffer<T>(owner, length) where T : unmanaged
    {
        public T[] Data { get; } = new T[length];

        protected override void CopyFromHostCore(ReadOnlySpan<T> source, int offset)
        {
            owner.RefuseWhileRecording("CopyFromHost");
            source.CopyTo(Data.AsSpan(offset));
        }

        protected override void CopyToHostCore(Span<T> destination, int offset)
        {
            owner.RefuseWhileRecording("CopyToHost");
            Data.AsSpan(offset, destination.Length).CopyTo(destination);
        }

        protected override void DisposeCore() { }
    }

    private static T[] D<T>(DeviceBuffer<T> buffer) where T : unmanaged => ((Buffer<T>)buffer).Data;

    protected override void GemmCore(bool transA, bool transB, int m, int n, int k, float alpha, DeviceBuffer<float> a,
        DeviceBuffer<float> b, float beta, DeviceBuffer<float> c, DeviceBuffer<float>? bias, Activation activation) =>
        Op(() => CpuGemm.Run(CpuAcceleratorOptions.NativePath, 1, false, transA, transB, m, n, k, alpha, D(a), D(b), beta, D(c), bias is null ? null : D(bias), activation));

    protected override void Im2ColCore(DeviceBuffer<float> x, int batch, int height, int width, int channels, int kernel, DeviceBuffer<float> cols) =>
        Op(() => CpuConvolution.Im2Col(D(x), batch, height, width, channels, kernel, D(cols), 1, false));

    protected override void Col2ImCore(DeviceBuffer<float> cols, int batch, int height, int width, int channels, int kernel, DeviceBuffer<float> dx) =>
        Op(() => CpuConvolution.Col2Im(D(cols), batch, height, width, channels, kernel, D(dx), 1, false));

    protected override void ConvReluMaxPoolCore(DeviceBuffer<float> x, int batch, int height, int width, int channels, int kernel,
        DeviceBuffer<float> weights, DeviceBuffer<float> bias, int filters, DeviceBuffer<float> y, DeviceBuffer<int> argmax) =>
        Op(() => CpuConvPool.Forward(D(x), batch, height, width, channels, kernel, D(weights), D(bias), filters, D(y), D(argmax), 1, false));

    protected override void ConvReluMaxPoolBackwardCore(DeviceBuffer<float> dy, DeviceBuffer<int> argmax, DeviceBuffer<float> x,
        int batch, int height, int width, int channels, int kernel, int filters, DeviceBuffer<float> weightGradient, DeviceBuffer<float> biasGradient) =>
        Op(() => CpuConvPool.Backward(D(dy), D(argmax), D(x), batch, height, width, channels, kernel, filters, D(weightGradient), D(biasGradient), 1, false));

    protected override void MaxPool2x2Core(DeviceBuffer<float> x, int batch, int height, int width, int channels,
        DeviceBuffer<float> y, DeviceBuffer<int> argmax, bool reluInput) =>
        Op(() => CpuConvolution.MaxPool(D(x), batch, height, width, channels, D(y), D(argmax), reluInput, 1, false));

    protected override void MaxPool2x2BackwardCore(DeviceBuffer<float> dy, DeviceBuffer<int> argmax, int batch, int height,
        int width, int channels, DeviceBuffer<float> dx) =>
        Op(() => CpuConvolution.MaxPoolBackward(D(dy), D(argmax), batch, height, width, channels, D(dx), 1, false));

    protected override void BiasAddCore(DeviceBuffer<float> x, DeviceBuffer<float> bias, int rows, int cols) =>
        Op(() => CpuElementwise.BiasAdd(D(x), D(bias), rows, cols));

    protected override void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count) =>
        Op(() => CpuElementwise.ActivationForward(activation, D(x).AsSpan(0, count), D(y).AsSpan(0, count)));

    protected override void ActivationBackwardCore(Activation activation, DeviceBuffer<float> y, DeviceBuffer<float> dy,
        DeviceBuffer<float> dx, int count) =>
        Op(() => CpuElementwise.ActivationBackward(activation, D(y).AsSpan(0, count), D(dy).AsSpan(0, count), D(dx).AsSpan(0, count)));

    protected override void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels, int rows, int cols,
        DeviceBuffer<float> probabilities, DeviceBuffer<float>? gradient, float gradientScale, DeviceBuffer<float> stats) =>
        Op(() => CpuSoftmaxCrossEntropy.Run(D(logits), D(labels), rows, cols, D(probabilities),
            gradient is null ? Span<float>.Empty : D(gradient), gradient is not null, gradientScale, D(stats)));

    protected override void ColumnSumsCore(DeviceBuffer<float> x, int rows, int cols, DeviceBuffer<float> sums, float beta) =>
        Op(() => CpuReductions.ColumnSums(D(x), rows, cols, D(sums), beta));

    protected override void OptimizerStepCore<TRule>(TRule rule, DeviceBuffer<float> param, DeviceBuffer<float> grad,
        DeviceBuffer<float> s0, DeviceBuffer<float> s1, int count, DeviceBuffer<float> scalars) =>
        Op(() =>
        {
            var s = D(scalars);
            CpuOptimizers.Step(rule, D(param), D(grad), D(s0), D(s1), count,
                new GpuDigits.Kernels.StepScalars { LearningRate = s[0], H1 = s[1], H2 = s[2] }, 1, false);
        });

    protected override void GatherBatchCore(DeviceBuffer<byte> images, DeviceBuffer<byte> labels, DeviceBuffer<int> indices,
        DeviceBuffer<int> startAt, int count, int features, float mean, float invStd,
        DeviceBuffer<float> x, DeviceBuffer<int> batchLabels) =>
        Op(() => CpuGather.GatherBatch(D(images), D(labels), D(indices), D(startAt)[0], count, features, mean, invStd, D(x),
            D(batchLabels), 1, false));

    protected override void FillCore<T>(DeviceBuffer<T> buffer, T value, int offset, int count) =>
        Op(() => D(buffer).AsSpan(offset, count).Fill(value));

    protected override void DisposeCore() { }
}
