using GpuDigits.Kernels;

namespace GpuDigits.Engine;

/// <summary>
/// A device that runs the op set. Every backend (the managed CPU one, ILGPU) derives from this class and implements
/// each <c>*Core</c> method; the public op methods check shapes and buffer ownership once, here, so the backends
/// only compute. All matrices are dense, row-major and contiguous (leading dimension = column count).
/// The exact contract of every op is written down in <c>kernels/README.md</c>.
/// Ops are enqueued in order; <see cref="Synchronize"/> or a copy to the host waits for them.
/// </summary>
public abstract partial class Accelerator : IDisposable
{
    public abstract AcceleratorInfo Info { get; }

    public bool IsDisposed { get; private set; }

    /// <summary>One line on how this device runs the ops (backend, tiling), for verify and the training header.</summary>
    public virtual string Description => Info.Details;

    /// <summary>Whether this backend can record a step (<see cref="CaptureStep"/>): CUDA, when the driver allows it.</summary>
    public virtual bool CanRecordSteps => false;

    /// <summary>
    /// Whether <see cref="CaptureStep"/> records where it can (default on CUDA: on, unless the catalog was made with graphs off).
    /// Off, it returns null and callers launch every op one by one.
    /// </summary>
    public bool StepRecordingEnabled { get; set; }

    /// <summary>Why this device cannot record steps although its backend could (an old driver), or null.</summary>
    public string? StepRecordingUnavailableReason { get; protected set; }

    /// <summary>Allocates an uninitialized buffer of <paramref name="length"/> elements on this device.</summary>
    public DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return AllocateCore<T>(length);
    }

    /// <summary>Allocates a buffer and fills it from <paramref name="data"/>.</summary>
    public DeviceBuffer<T> Upload<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        var buffer = Allocate<T>(data.Length);
        buffer.CopyFromHost(data);
        return buffer;
    }

    /// <summary>Waits until every op enqueued so far has finished.</summary>
    public abstract void Synchronize();

    /// <summary>
    /// GEMM with epilogue: C = act(alpha * op(A) * op(B) + beta * C + bias), where op(A) is m x k, op(B) is k x n,
    /// C is m x n. A is stored m x k (k x m when <paramref name="transA"/>), B is stored k x n (n x k when
    /// <paramref name="transB"/>). <paramref name="bias"/> (length n, optional) is added to every row before
    /// <paramref name="activation"/>. When beta is 0, C is not read (it may hold NaN).
    /// </summary>
    public void Gemm(bool transA, bool transB, int m, int n, int k,
        float alpha, DeviceBuffer<float> a, DeviceBuffer<float> b,
        float beta, DeviceBuffer<float> c,
        DeviceBuffer<float>? bias = null, Activation activation = Activation.None)
    {
        CheckGemm(m, n, k, a, b, c);
        if (bias is not null) RequireLength(bias, n, nameof(bias));
        CheckActivation(activation);
        if (m == 0 || n == 0) return;
        GemmCore(transA, transB, m, n, k, alpha, a, b, beta, c, bias, activation);
    }

    private void CheckGemm(int m, int n, int k, DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> c)
    {
        CheckDims(m, n, k);
        RequireLength(a, (long)m * k, nameof(a));
        RequireLength(b, (long)k * n, nameof(b));
        RequireLength(c, (long)m * n, nameof(c));
    }

    /// <summary>x[r, c] += bias[c] for a rows x cols matrix.</summary>
    public void BiasAdd(DeviceBuffer<float> x, DeviceBuffer<float> bias, int rows, int cols)
    {
        CheckDims(rows, cols, 0);
        RequireLength(x, (long)rows * cols, nameof(x));
        RequireLength(bias, cols, nameof(bias));
        if (rows == 0 || cols == 0) return;
        BiasAddCore(x, bias, rows, cols);
    }

    /// <summary>y[i] = f(x[i]) for i &lt; count. x and y may be the same buffer.</summary>
    public void ActivationForward(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count)
    {
        CheckActivation(activation);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        RequireLength(x, count, nameof(x));
        RequireLength(y, count, nameof(y));
        if (count == 0) return;
        ActivationForwardCore(activation, x, y, count);
    }

    /// <summary>
    /// dx[i] = dy[i] * f'(x[i]), with f' written in terms of the forward output y = f(x) (relu: y &gt; 0,
    /// sigmoid: y(1-y), tanh: 1-y^2, none: 1). dx may alias dy.
    /// </summary>
    public void ActivationBackward(Activation activation, DeviceBuffer<float> y, DeviceBuffer<float> dy,
        DeviceBuffer<float> dx, int count)
    {
        CheckActivation(activation);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        RequireLength(y, count, nameof(y));
        RequireLength(dy, count, nameof(dy));
        RequireLength(dx, count, nameof(dx));
        if (count == 0) return;
        ActivationBackwardCore(activation, y, dy, dx, count);
    }

    /// <summary>
    /// Row-wise softmax with cross-entropy against integer labels, for a rows x cols logits matrix:
    /// probabilities[r, :] = softmax(logits[r, :]);
    /// gradient[r, c] = gradientScale * (probabilities[r, c] - (c == labels[r])) when <paramref name="gradient"/> is given;
    /// stats[0] += sum_r -log(max(probabilities[r, labels[r]], 1e-30)); stats[1] += number of rows whose first
    /// arg-max equals the label. Labels outside [0, cols) are a caller error. probabilities may alias logits.
    /// </summary>
    public void SoftmaxCrossEntropy(DeviceBuffer<float> logits, DeviceBuffer<int> labels, int rows, int cols,
        DeviceBuffer<float> probabilities, DeviceBuffer<float>? gradient, float gradientScale,
        DeviceBuffer<float> stats)
    {
        CheckDims(rows, cols, 0);
        if (cols == 0) throw new ArgumentOutOfRangeException(nameof(cols), "Softmax needs at least one column.");
        RequireLength(logits, (long)rows * cols, nameof(logits));
        RequireLength(labels, rows, nameof(labels));
        RequireLength(probabilities, (long)rows * cols, nameof(probabilities));
        if (gradient is not null) RequireLength(gradient, (long)rows * cols, nameof(gradient));
        RequireLength(stats, 2, nameof(stats));
        if (rows == 0) return;
        SoftmaxCrossEntropyCore(logits, labels, rows, cols, probabilities, gradient, gradientScale, stats);
    }

    /// <summary>sums[c] = beta * sums[c] + sum_r x[r, c] for a rows x cols matrix (the bias gradient).</summary>
    public void ColumnSums(DeviceBuffer<float> x, int rows, int cols, DeviceBuffer<float> sums, float beta = 0f)
    {
        CheckDims(rows, cols, 0);
        RequireLength(x, (long)rows * cols, nameof(x));
        RequireLength(sums, cols, nameof(sums));
        if (cols == 0) return;
        ColumnSumsCore(x, rows, cols, sums, beta);
    }

    /// <summary>
    /// Batch gather: for r &lt; count, with first = <paramref name="startAt"/>[0] read when the op runs and
    /// s = indices[first + r]: x[r, f] = (images[s * features + f] / 255 - mean) * invStd for f &lt; features, and
    /// batchLabels[r] = labels[s]. Turns the raw MNIST bytes resident on the device into a normalized float batch; a
    /// captured step (see <see cref="CaptureStep"/>) gathers the batch that <see cref="Fill{T}"/> points it at.
    /// Positions outside <paramref name="indices"/> give a zero row and label -1 on every backend, as sample indices
    /// outside the data set do (a kernel cannot throw); softmax_xent counts such a label as never right.
    /// </summary>
    public void GatherBatch(DeviceBuffer<byte> images, DeviceBuffer<byte> labels, DeviceBuffer<int> indices,
        DeviceBuffer<int> startAt, int count, int features, float mean, float invStd,
        DeviceBuffer<float> x, DeviceBuffer<int> batchLabels)
    {
        CheckDims(count, features, 0);
        RequireLength(indices, 0, nameof(indices));
        RequireLength(startAt, 1, nameof(startAt));
        RequireLength(x, (long)count * features, nameof(x));
        RequireLength(batchLabels, count, nameof(batchLabels));
        RequireLength(images, 0, nameof(images));
        RequireLength(labels, 0, nameof(labels));
        if (count == 0) return;
        GatherBatchCore(images, labels, indices, startAt, count, features, mean, invStd, x, batchLabels);
    }

    /// <summary>
    /// im2col for a valid-padding, stride-1 convolution with square <paramref name="kernel"/> x <paramref name="kernel"/>
    /// filters on a batch of NHWC images x [batch, height, width, channels]: with OH = height - kernel + 1 and
    /// OW = width - kernel + 1, cols[(n OH + oy) OW + ox, (ky kernel + kx) channels + c] = x[n, oy + ky, ox + kx, c].
    /// A convolution is then one GEMM of cols (batch OH OW x kernel^2 channels) with the filters, and its output is
    /// again NHWC.
    /// </summary>
    public void Im2Col(DeviceBuffer<float> x, int batch, int height, int width, int channels, int kernel, DeviceBuffer<float> cols)
    {
        var (oh, ow) = ConvOutput(batch, height, width, channels, kernel);
        RequireLength(x, (long)batch * height * width * channels, nameof(x));
        RequireLength(cols, (long)batch * oh * ow * kernel * kernel * channels, nameof(cols));
        if (batch == 0 || channels == 0) return;
        Im2ColCore(x, batch, height, width, channels, kernel, cols);
    }

    /// <summary>
    /// The adjoint of <see cref="Im2Col"/> (the input gradient of a convolution): dx[n, iy, ix, c] = sum over ky, kx
    /// (in that order) of cols[(n, iy - ky, ix - kx), (ky, kx, c)] where the output position is inside the image;
    /// dx is overwritten.
    /// </summary>
    public void Col2Im(DeviceBuffer<float> cols, int batch, int height, int width, int channels, int kernel, DeviceBuffer<float> dx)
    {
        var (oh, ow) = ConvOutput(batch, height, width, channels, kernel);
        RequireLength(cols, (long)batch * oh * ow * kernel * kernel * channels, nameof(cols));
        RequireLength(dx, (long)batch * height * width * channels, nameof(dx));
        if (batch == 0 || channels == 0) return;
        Col2ImCore(cols, batch, height, width, channels, kernel, dx);
    }

    /// <summary>
    /// 2 x 2 max pooling, stride 2, of NHWC images [batch, height, width, channels] into y [batch, height / 2,
    /// width / 2, channels] (an odd last row or column is dropped, as Keras and PyTorch do): y = the first maximum of the
    /// window in the order (0,0), (0,1), (1,0), (1,1), and argmax = its position 0..3 in that order. With
    /// <paramref name="reluInput"/> (x is a ReLU's output), a window whose maximum is not positive records argmax -1
    /// instead, so that <see cref="MaxPool2x2Backward"/> yields the gradient through the ReLU as well and the caller
    /// skips the ReLU's backward (kernels' PoolGate says why that is exact).
    /// </summary>
    public void MaxPool2x2(DeviceBuffer<float> x, int batch, int height, int width, int channels,
        DeviceBuffer<float> y, DeviceBuffer<int> argmax, bool reluInput = false)
    {
        CheckPool(batch, height, width, channels);
        long outputs = (long)batch * (height / 2) * (width / 2) * channels;
        RequireLength(x, (long)batch * height * width * channels, nameof(x));
        RequireLength(y, outputs, nameof(y));
        RequireLength(argmax, outputs, nameof(argmax));
        if (outputs == 0) return;
        MaxPool2x2Core(x, batch, height, width, channels, y, argmax, reluInput);
    }

    /// <summary>
    /// The gradient of <see cref="MaxPool2x2"/>: dx[n, iy, ix, c] = dy[n, iy / 2, ix / 2, c] where (iy, ix) is the
    /// window's recorded argmax, else 0 (dropped rows and columns, and windows with argmax -1, too); dx is overwritten.
    /// </summary>
    public void MaxPool2x2Backward(DeviceBuffer<float> dy, DeviceBuffer<int> argmax, int batch, int height, int width,
        int channels, DeviceBuffer<float> dx)
    {
        CheckPool(batch, height, width, channels);
        long outputs = (long)batch * (height / 2) * (width / 2) * channels;
        RequireLength(dy, outputs, nameof(dy));
        RequireLength(argmax, outputs, nameof(argmax));
        RequireLength(dx, (long)batch * height * width * channels, nameof(dx));
        if ((long)batch * height * width * channels == 0) return;
        MaxPool2x2BackwardCore(dy, argmax, batch, height, width, channels, dx);
    }

    /// <summary>The output size of a valid, stride-1 convolution; refuses a filter larger than the image.</summary>
    public static (int Height, int Width) ConvOutput(int batch, int height, int width, int channels, int kernel)
    {
        if (batch < 0 || height < 1 || width < 1 || channels < 0)
            throw new ArgumentOutOfRangeException(nameof(height), $"Bad image batch shape ({batch}, {height}, {width}, {channels}).");
        if (kernel < 1) throw new ArgumentOutOfRangeException(nameof(kernel), $"A filter must be at least 1 x 1, got {kernel}.");
        if (kernel > height || kernel > width)
            throw new ArgumentException($"A {kernel} x {kernel} filter is wider than the {height} x {width} image it would slide over (valid padding).", nameof(kernel));
        return (height - kernel + 1, width - kernel + 1);
    }

    private static void CheckPool(int batch, int height, int width, int channels)
    {
        if (batch < 0 || height < 2 || width < 2 || channels < 0)
            throw new ArgumentOutOfRangeException(nameof(height), $"2 x 2 pooling needs images of at least 2 x 2, got ({batch}, {height}, {width}, {channels}).");
    }

    /// <summary>
    /// Sets <paramref name="count"/> elements from <paramref name="offset"/> (all of them from there when
    /// <paramref name="count"/> is -1) to <paramref name="value"/>. Like the other ops it runs in order with them
    /// and does not wait for them, unlike <see cref="DeviceBuffer{T}.CopyFromHost"/>, which may: this is how the host
    /// changes a value that a captured step reads (a batch position, a learning rate). Elements of 1, 2 or 4 bytes.
    /// </summary>
    public void Fill<T>(DeviceBuffer<T> buffer, T value, int offset = 0, int count = -1) where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (size is not (1 or 2 or 4))
            throw new ArgumentException($"Fill takes elements of 1, 2 or 4 bytes; {typeof(T).Name} has {size}.", nameof(value));
        RequireLength(buffer, 0, nameof(buffer));
        if (count == -1) count = buffer.Length - offset;
        if (offset < 0 || count < 0 || (long)offset + count > buffer.Length)
            throw new ArgumentOutOfRangeException(nameof(offset),
                $"Fill of {count} elements at offset {offset} does not fit a buffer of {buffer.Length}.");
        if (count == 0) return;
        FillCore(buffer, value, offset, count);
    }

    /// <summary>
    /// Records the ops that <paramref name="step"/> enqueues into a unit that <see cref="IReplayableStep.Replay"/>
    /// enqueues again, all at once, at a fraction of the launch cost (a CUDA graph). Returns null on a backend that
    /// cannot record (the CPU, OpenCL, ILGPU's CPU accelerator, or CUDA with recording switched off): the caller then simply runs the ops each time.
    /// <para>
    /// Recording does not run the ops. Every replay repeats them with the arguments they were recorded with, so what
    /// changes from one replay to the next must live in device memory and be changed with <see cref="Fill{T}"/>
    /// between replays (see the <c>GatherBatch</c> and optimizer overloads that read their start position or
    /// learning rate from a buffer). <paramref name="step"/> may only enqueue ops: no allocation, no host copy, no
    /// <see cref="Synchronize"/>.
    /// </para>
    /// </summary>
    public IReplayableStep? CaptureStep(Action step)
    {
        ArgumentNullException.ThrowIfNull(step);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return CaptureStepCore(step);
    }

    protected abstract DeviceBuffer<T> AllocateCore<T>(int length) where T : unmanaged;

    protected abstract void GemmCore(bool transA, bool transB, int m, int n, int k,
        float alpha, DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c,
        DeviceBuffer<float>? bias, Activation activation);

    protected abstract void BiasAddCore(DeviceBuffer<float> x, DeviceBuffer<float> bias, int rows, int cols);

    protected abstract void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count);

    protected abstract void ActivationBackwardCore(Activation activation, DeviceBuffer<float> y, DeviceBuffer<float> dy,
        DeviceBuffer<float> dx, int count);

    protected abstract void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels, int rows, int cols,
        DeviceBuffer<float> probabilities, DeviceBuffer<float>? gradient, float gradientScale, DeviceBuffer<float> stats);

    protected abstract void ColumnSumsCore(DeviceBuffer<float> x, int rows, int cols, DeviceBuffer<float> sums, float beta);

    protected abstract void GatherBatchCore(DeviceBuffer<byte> images, DeviceBuffer<byte> labels, DeviceBuffer<int> indices,
        DeviceBuffer<int> startAt, int count, int features, float mean, float invStd,
        DeviceBuffer<float> x, DeviceBuffer<int> batchLabels);

    protected abstract void Im2ColCore(DeviceBuffer<float> x, int batch, int height, int width, int channels, int kernel, DeviceBuffer<float> cols);

    protected abstract void Col2ImCore(DeviceBuffer<float> cols, int batch, int height, int width, int channels, int kernel, DeviceBuffer<float> dx);

    protected abstract void MaxPool2x2Core(DeviceBuffer<float> x, int batch, int height, int width, int channels,
        DeviceBuffer<float> y, DeviceBuffer<int> argmax, bool reluInput);

    protected abstract void MaxPool2x2BackwardCore(DeviceBuffer<float> dy, DeviceBuffer<int> argmax, int batch, int height,
        int width, int channels, DeviceBuffer<float> dx);

    /// <summary>Elements of 1, 2 or 4 bytes; the range is checked.</summary>
    protected abstract void FillCore<T>(DeviceBuffer<T> buffer, T value, int offset, int count) where T : unmanaged;

    /// <summary>Records <paramref name="step"/>, or returns null where the backend cannot (the default).</summary>
    protected virtual IReplayableStep? CaptureStepCore(Action step) => null;

    protected abstract void DisposeCore();

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        DisposeCore();
        GC.SuppressFinalize(this);
    }

    public override string ToString() => $"{Info.Id} ({Info.Name})";

    private static void CheckDims(int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"Negative dimension in ({m}, {n}, {k}).");
    }

    private static void CheckActivation(Activation activation)
    {
        if (!Enum.IsDefined(activation))
            throw new ArgumentOutOfRangeException(nameof(activation), $"Unknown activation {(int)activation}.");
    }

    private void RequireLength<T>(DeviceBuffer<T> buffer, long elements, string name) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer, name);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (!ReferenceEquals(buffer.Owner, this))
            throw new ArgumentException($"Buffer '{name}' belongs to {buffer.Owner.Info.Id}, not {Info.Id}.", name);
        ObjectDisposedException.ThrowIf(buffer.IsDisposed, buffer);
        if (buffer.Length < elements)
            throw new ArgumentException($"Buffer '{name}' holds {buffer.Length} elements; the op needs {elements}.", name);
    }
}
