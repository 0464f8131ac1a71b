using System.Runtime.CompilerServices;
using GpuDigits.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDigits.Engine.Ilgpu;

using IlgpuDevice = ILGPU.Runtime.Accelerator;

/// <summary>
/// The op set on any ILGPU accelerator (CUDA, OpenCL, or ILGPU's CPU accelerator), running the C# kernels of
/// <c>kernels/</c>. Every op is launched on one stream the accelerator owns, in call order; host copies wait for it.
/// This class only picks launch shapes (<see cref="IlgpuTuning"/>) and passes views: the computing is in the kernels.
/// Calls are serialized by a lock. On CUDA, <see cref="Accelerator.CaptureStep"/> records a step as a CUDA graph
/// (<c>IlgpuAccelerator.Recording.cs</c>).
/// </summary>
public sealed partial class IlgpuAccelerator : Accelerator
{
    private readonly object _sync = new();
    private readonly IlgpuDevice _device;
    private readonly AcceleratorStream _stream;
    private readonly IlgpuKernels _kernels;
    private readonly HashSet<IDisposable> _liveBuffers = [];
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _noFloats;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _noInts;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _softmaxPartials;
    private readonly KernelAssertions? _assertions;

    internal IlgpuAccelerator(AcceleratorInfo info, IlgpuDevice device)
    {
        Info = info;
        _device = device;
        try
        {
            if (info.Kind == AcceleratorKind.IlgpuCpu) _assertions = KernelAssertions.Install();
            Tuning = IlgpuTuning.For(device);
            _stream = device.CreateStream();
            _kernels = new IlgpuKernels(device, Tuning.Gemm);
            _noFloats = device.Allocate1D<float>(1);
            _noInts = device.Allocate1D<int>(1);
            _softmaxPartials = device.Allocate1D<float>(2 * IlgpuTuning.MaxSoftmaxGroups);
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    public override AcceleratorInfo Info { get; }

    /// <summary>The launch shapes in use on this device.</summary>
    public IlgpuTuning Tuning { get; }

    public override string Description => $"ILGPU {_device.AcceleratorType} accelerator; {Tuning}";

    public override void Synchronize()
    {
        lock (_sync)
        {
            Enter("Synchronize");
            try
            {
                _stream.Synchronize();
            }
            catch (ILGPU.Runtime.AcceleratorException e)
            {
                throw new AcceleratorException($"{Info.Id} failed while running its ops: {Describe(e)}.", e);
            }
            CheckAssertions();
        }
    }

    /// <summary>Binds the device to this thread and refuses what a recorded step may not contain.</summary>
    private void Enter(string? forbiddenWhileRecording = null)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (forbiddenWhileRecording is not null && _recording)
            throw new InvalidOperationException($"{forbiddenWhileRecording} cannot be part of a recorded step on {Info.Id}: a step may only enqueue ops.");
        _device.Bind();
    }

    /// <summary>Turns an out-of-bounds access recorded by the CPU accelerator's checks into an exception.</summary>
    private void CheckAssertions()
    {
        if (_assertions is null) return;
        var failures = _assertions.Take();
        if (failures.Count > 0)
            throw new AcceleratorException(
                $"A kernel on {Info.Id} failed a bounds check ({failures.Count} time(s)); first: {failures[0]}");
    }

    protected override DeviceBuffer<T> AllocateCore<T>(int length)
    {
        long bytes = (long)length * Unsafe.SizeOf<T>();
        lock (_sync)
        {
            Enter("Allocate");
            if (bytes > _device.MemorySize)
                throw new DeviceOutOfMemoryException(Info.Id, bytes, $"the device has {_device.MemorySize:N0} bytes");
            MemoryBuffer1D<T, Stride1D.Dense> memory;
            try
            {
                memory = _device.Allocate1D<T>(Math.Max(1, length));
            }
            catch (Exception e) when (IsOutOfMemory(e))
            {
                throw new DeviceOutOfMemoryException(Info.Id, bytes, Describe(e));
            }
            catch (ILGPU.Runtime.AcceleratorException e)
            {
                throw new AcceleratorException($"Allocating {bytes:N0} bytes on {Info.Id} failed: {Describe(e)}.", e);
            }
            var buffer = new IlgpuBuffer<T>(this, length, memory);
            _liveBuffers.Add(buffer);
            return buffer;
        }
    }

    private static bool IsOutOfMemory(Exception e) => e switch
    {
        OutOfMemoryException => true,
        ILGPU.Runtime.Cuda.CudaException cuda => $"{cuda.Error}".Contains("OUT_OF_MEMORY", StringComparison.Ordinal),
        ILGPU.Runtime.OpenCL.CLException cl => cl.Error is ILGPU.Runtime.OpenCL.CLError.CL_MEM_OBJECT_ALLOCATION_FAILURE
            or ILGPU.Runtime.OpenCL.CLError.CL_OUT_OF_RESOURCES or ILGPU.Runtime.OpenCL.CLError.CL_OUT_OF_HOST_MEMORY
            or ILGPU.Runtime.OpenCL.CLError.CL_INVALID_BUFFER_SIZE,
        _ => false,
    };

    /// <summary>The driver's error name for an ILGPU exception (its message is often only the type name).</summary>
    private static string Describe(Exception e) => e switch
    {
        ILGPU.Runtime.Cuda.CudaException cuda => $"{cuda.Error}",
        ILGPU.Runtime.OpenCL.CLException cl => $"{cl.Error}",
        _ => e.Message,
    };

    internal void CopyIn<T>(ArrayView<T> destination, ReadOnlySpan<T> source) where T : unmanaged
    {
        lock (_sync)
        {
            Enter("A copy to the device");
            if (source.IsEmpty) return;
            try
            {
                destination.CopyFromCPU(_stream, source);
                _stream.Synchronize();
            }
            catch (ILGPU.Runtime.AcceleratorException e)
            {
                throw new AcceleratorException($"A copy to {Info.Id} failed: {Describe(e)}.", e);
            }
        }
    }

    internal void CopyOut<T>(ArrayView<T> source, Span<T> destination) where T : unmanaged
    {
        lock (_sync)
        {
            Enter("A copy to the host");
            try
            {
                if (!destination.IsEmpty) source.CopyToCPU(_stream, destination);
                _stream.Synchronize();
            }
            catch (ILGPU.Runtime.AcceleratorException e)
            {
                throw new AcceleratorException($"A copy from {Info.Id} failed (or an op before it): {Describe(e)}.", e);
            }
            CheckAssertions();
        }
    }

    internal void Release(IDisposable buffer, MemoryBuffer memory)
    {
        lock (_sync)
        {
            _liveBuffers.Remove(buffer);
            if (IsDisposed) return;
            _device.Bind();
            memory.Dispose();
        }
    }

    private static ArrayView<T> V<T>(DeviceBuffer<T> buffer) where T : unmanaged => ((IlgpuBuffer<T>)buffer).View;

    private ArrayView<float> V(DeviceBuffer<float>? buffer) => buffer is null ? _noFloats.View : ((IlgpuBuffer<float>)buffer).View;

    private ArrayView<int> V(DeviceBuffer<int>? buffer) => buffer is null ? _noInts.View : ((IlgpuBuffer<int>)buffer).View;

    private KernelConfig GridStride(long count) => new(Tuning.GridFor(count), Tuning.ElementwiseGroup);

    protected override void GemmCore(bool transA, bool transB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c,
        DeviceBuffer<float>? bias, Activation activation)
    {
        var tile = Tuning.Gemm;
        var config = new KernelConfig(
            new Index2D((n + tile.TileN - 1) / tile.TileN, (m + tile.TileM - 1) / tile.TileM),
            new Index2D(tile.ThreadsX, tile.ThreadsY));
        var args = new GemmArgs
        {
            M = m, N = n, K = k, Alpha = alpha, Beta = beta, HasBias = bias is null ? 0 : 1, Activation = (int)activation,
        };
        lock (_sync)
        {
            Enter();
            _kernels.Gemm(transA, transB)(_stream, config, args, V(a), V(b), V(c), V(bias));
        }
    }

    protected override void BiasAddCore(DeviceBuffer<float> x, DeviceBuffer<float> bias, int rows, int cols)
    {
        int count = rows * cols;
        lock (_sync)
        {
            Enter();
            _kernels.Get(KernelCatalog.BiasAdd)(_stream, GridStride(count), V(x), V(bias), count, cols);
        }
    }

    protected override void ActivationForwardCore(Activation activation, DeviceBuffer<float> x, DeviceBuffer<float> y, int count)
    {
        lock (_sync)
        {
            Enter();
            _kernels.Get(KernelCatalog.ActivationForward)(_stream, GridStride(count), V(x), V(y), count, (int)activation);
        }
    }

    protected override void ActivationBackwardCore(Activation activation, DeviceBuffer<float> y, DeviceBuffer<float> dy,
        DeviceBuffer<float> dx, int count)
    {
        lock (_sync)
        {
            Enter();
            _kernels.Get(KernelCatalog.ActivationBackward)(_stream, GridStride(count), V(y), V(dy), V(dx), count, (int)activation);
        }
    }

    protected override void SoftmaxCrossEntropyCore(DeviceBuffer<float> logits, DeviceBuffer<int> labels, int rows, int cols,
        DeviceBuffer<float> probabilities, DeviceBuffer<float>? gradient, float gradientScale, DeviceBuffer<float> stats)
    {
        int group = Tuning.SoftmaxGroup;
        int groups = Math.Clamp((rows + group - 1) / group, 1, IlgpuTuning.MaxSoftmaxGroups);
        var args = new SoftmaxArgs
        {
            Rows = rows, Cols = cols, HasGradient = gradient is null ? 0 : 1, GradientScale = gradientScale,
        };
        lock (_sync)
        {
            Enter();
            var partials = _softmaxPartials.View.SubView(0, 2 * groups);
            _kernels.Get(KernelCatalog.SoftmaxRows)(_stream, new KernelConfig(groups, group), args, V(logits), V(labels), V(probabilities),
                V(gradient), partials);
            _kernels.Get(KernelCatalog.SoftmaxTotals)(_stream, new KernelConfig(1, group), partials, groups, V(stats));
        }
    }

    protected override void ColumnSumsCore(DeviceBuffer<float> x, int rows, int cols, DeviceBuffer<float> sums, float beta)
    {
        var config = new KernelConfig(new Index2D((cols + Tuning.ColumnSumsX - 1) / Tuning.ColumnSumsX, 1),
            new Index2D(Tuning.ColumnSumsX, Tuning.ColumnSumsY));
        lock (_sync)
        {
            Enter();
            _kernels.Get(KernelCatalog.ColumnSums)(_stream, config, V(x), rows, cols, V(sums), beta);
        }
    }

    protected override void OptimizerStepCore<TRule>(TRule rule, DeviceBuffer<float> param, DeviceBuffer<float> grad,
        DeviceBuffer<float> s0, DeviceBuffer<float> s1, int count, DeviceBuffer<float> scalars)
    {
        lock (_sync)
        {
            Enter();
            _kernels.Get(KernelCatalog.OptimizerStep<TRule>())(_stream, GridStride(count), rule, count, V(param), V(grad), V(s0), V(s1), V(scalars));
        }
    }

    protected override void GatherBatchCore(DeviceBuffer<byte> images, DeviceBuffer<byte> labels, DeviceBuffer<int> indices,
        DeviceBuffer<int> startAt, int count, int features, float mean, float invStd,
        DeviceBuffer<float> x, DeviceBuffer<int> batchLabels)
    {
        int samples = features == 0 ? labels.Length : Math.Min(labels.Length, images.Length / features);
        var args = new GatherArgs
        {
            Samples = samples, IndexCount = indices.Length, Count = count, Features = features, Mean = mean, InvStd = invStd,
        };
        lock (_sync)
        {
            Enter();
            _kernels.Get(KernelCatalog.GatherBatch)(_stream, GridStride((long)count * Math.Max(1, features)), args, V(images), V(labels),
                V(indices), V(startAt), V(x), V(batchLabels));
        }
    }

    private static ImageArgs Image(int batch, int height, int width, int channels, int kernel = 0) =>
        new() { Batch = batch, Height = height, Width = width, Channels = channels, Kernel = kernel };

    protected override void Im2ColCore(DeviceBuffer<float> x, int batch, int height, int width, int channels, int kernel, DeviceBuffer<float> cols)
    {
        long count = (long)batch * (height - kernel + 1) * (width - kernel + 1) * kernel * kernel * channels;
        lock (_sync)
        {
            Enter();
            _kernels.Get(KernelCatalog.Im2Col)(_stream, GridStride(count), Image(batch, height, width, channels, kernel), V(x), V(cols));
        }
    }

    protected override void Col2ImCore(DeviceBuffer<float> cols, int batch, int height, int width, int channels, int kernel, DeviceBuffer<float> dx)
    {
        long count = (long)batch * height * width * channels;
        lock (_sync)
        {
            Enter();
            _kernels.Get(KernelCatalog.Col2Im)(_stream, GridStride(count), Image(batch, height, width, channels, kernel), V(cols), V(dx));
        }
    }

    protected override void MaxPool2x2Core(DeviceBuffer<float> x, int batch, int height, int width, int channels,
        DeviceBuffer<float> y, DeviceBuffer<int> argmax, bool reluInput)
    {
        long count = (long)batch * (height / 2) * (width / 2) * channels;
        lock (_sync)
        {
            Enter();
            _kernels.Get(KernelCatalog.MaxPool2x2)(_stream, GridStride(count), Image(batch, height, width, channels), V(x), V(y), V(argmax), reluInput ? 1 : 0);
        }
    }

    protected override void MaxPool2x2BackwardCore(DeviceBuffer<float> dy, DeviceBuffer<int> argmax, int batch, int height,
        int width, int channels, DeviceBuffer<float> dx)
    {
        long count = (long)batch * height * width * channels;
        lock (_sync)
        {
            Enter();
            _kernels.Get(KernelCatalog.MaxPool2x2Backward)(_stream, GridStride(count), Image(batch, height, width, channels), V(dy), V(argmax), V(dx));
        }
    }

    protected override void FillCore<T>(DeviceBuffer<T> buffer, T value, int offset, int count)
    {
        var view = ((IlgpuBuffer<T>)buffer).View.SubView(offset, count);
        var config = GridStride(count);
        lock (_sync)
        {
            Enter();
            switch (Unsafe.SizeOf<T>())
            {
                case 1: _kernels.Get(KernelCatalog.Fill8)(_stream, config, view.Cast<byte>(), Unsafe.As<T, byte>(ref value)); break;
                case 2: _kernels.Get(KernelCatalog.Fill16)(_stream, config, view.Cast<ushort>(), Unsafe.As<T, ushort>(ref value)); break;
                default: _kernels.Get(KernelCatalog.Fill32)(_stream, config, view.Cast<uint>(), Unsafe.As<T, uint>(ref value)); break;
            }
        }
    }

    /// <summary>Runs a launch of the caller's own kernel on this device's stream (tests of the bounds checks).</summary>
    internal void LaunchForTests(Action<IlgpuDevice, AcceleratorStream> launch)
    {
        lock (_sync)
        {
            Enter();
            launch(_device, _stream);
        }
    }

    /// <summary>The view a kernel gets for <paramref name="buffer"/> (tests of the bounds checks).</summary>
    internal ArrayView<T> ViewForTests<T>(DeviceBuffer<T> buffer) where T : unmanaged => V(buffer);

    protected override void DisposeCore()
    {
        lock (_sync)
        {
            _device.Bind();
            try { _stream.Synchronize(); } catch (Exception) { /* disposing: nothing to report to */ }
            DisposeRecordings();
            foreach (var buffer in _liveBuffers.ToArray()) buffer.Dispose();
            _liveBuffers.Clear();
            _noFloats.Dispose();
            _noInts.Dispose();
            _softmaxPartials.Dispose();
            _stream.Dispose();
            _device.Dispose();
        }
    }
}
