using System.Runtime.CompilerServices;
using GpuDigits.Engine.Kernels;
using GpuDigits.Engine.OpenCL.Native;

namespace GpuDigits.Engine.OpenCL;

/// <summary>
/// An OpenCL device running the op set. One context and one in-order command queue per accelerator, so ops run in
/// the order they were enqueued and <see cref="Synchronize"/> is clFinish. Each kernel file of <c>kernels/</c> is
/// built into a program the first time one of its ops runs (the header prepended, tunables passed as -D options),
/// and its kernels are created once and reused. Host copies are blocking. Calls are serialized by a lock (kernel
/// arguments are set on shared kernel objects), so the accelerator may be used from several threads, in turn.
/// The launchers of each op family live in the <c>OpenClAccelerator.*.cs</c> files beside this one.
/// </summary>
public sealed unsafe partial class OpenClAccelerator : Accelerator
{
    /// <summary>Largest work-group the 1-D and reduction launchers use.</summary>
    private const int PreferredGroupSize = 256;

    private readonly OpenClDevice _device;
    private readonly object _sync = new();
    private readonly Dictionary<string, OpenClProgram> _programs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OpenClKernel> _kernels = new(StringComparer.Ordinal);
    private readonly HashSet<IDisposable> _liveBuffers = [];
    private readonly int _maxGroups;
    private nint _context;
    private nint _queue;

    internal OpenClAccelerator(OpenClDevice device)
    {
        _device = device;
        _maxGroups = Math.Max(1, device.Info.ComputeUnits) * 8;
        nint dev = device.Device;
        int status;
        _context = Cl.clCreateContext(null, 1, &dev, 0, 0, &status);
        ClStatus.Check(status, "clCreateContext", device.Info.Id);
        _queue = Cl.clCreateCommandQueue(_context, dev, 0, &status);
        if (status != Cl.CL_SUCCESS)
        {
            Cl.clReleaseContext(_context);
            _context = 0;
            ClStatus.Check(status, "clCreateCommandQueue", device.Info.Id);
        }
    }

    public override AcceleratorInfo Info => _device.Info;

    /// <summary>Name of the OpenCL platform the device belongs to.</summary>
    public string PlatformName => _device.PlatformName;

    /// <summary>CL_DEVICE_MAX_MEM_ALLOC_SIZE: the largest single buffer the device accepts.</summary>
    public long MaxAllocationBytes => _device.MaxAllocationBytes;

    public override void Synchronize()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            ClStatus.Check(Cl.clFinish(_queue), "clFinish", Info.Id);
        }
    }

    protected override DeviceBuffer<T> AllocateCore<T>(int length)
    {
        long bytes = (long)length * Unsafe.SizeOf<T>();
        if (bytes > _device.MaxAllocationBytes)
            throw new DeviceOutOfMemoryException(Info.Id, bytes,
                $"the device's largest single allocation is {_device.MaxAllocationBytes:N0} bytes");
        lock (_sync)
        {
            int status;
            // OpenCL rejects empty buffers; a zero-length DeviceBuffer still gets a (never read) small one.
            nint memory = Cl.clCreateBuffer(_context, Cl.CL_MEM_READ_WRITE, (nuint)Math.Max(bytes, 4), null, &status);
            if (ClStatus.IsOutOfMemory(status) || status == -61 /* CL_INVALID_BUFFER_SIZE */)
                throw new DeviceOutOfMemoryException(Info.Id, bytes, $"clCreateBuffer returned {ClStatus.Name(status)}");
            ClStatus.Check(status, "clCreateBuffer", Info.Id);
            var buffer = new OpenClBuffer<T>(this, length, memory);
            _liveBuffers.Add(buffer);
            return buffer;
        }
    }

    internal void Write(nint memory, long offsetBytes, long bytes, void* source)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            int status = Cl.clEnqueueWriteBuffer(_queue, memory, Cl.CL_TRUE, (nuint)offsetBytes, (nuint)bytes, source, 0, null, null);
            if (status == -4 /* CL_MEM_OBJECT_ALLOCATION_FAILURE: drivers allocate lazily */)
                throw new DeviceOutOfMemoryException(Info.Id, bytes, "clEnqueueWriteBuffer returned CL_MEM_OBJECT_ALLOCATION_FAILURE");
            ClStatus.Check(status, "clEnqueueWriteBuffer", Info.Id);
        }
    }

    internal void Read(nint memory, long offsetBytes, long bytes, void* destination)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            int status = Cl.clEnqueueReadBuffer(_queue, memory, Cl.CL_TRUE, (nuint)offsetBytes, (nuint)bytes, destination, 0, null, null);
            if (status == -4)
                throw new DeviceOutOfMemoryException(Info.Id, bytes, "clEnqueueReadBuffer returned CL_MEM_OBJECT_ALLOCATION_FAILURE");
            ClStatus.Check(status, "clEnqueueReadBuffer", Info.Id);
        }
    }

    protected override void FillCore<T>(DeviceBuffer<T> buffer, T value, int offset, int count)
    {
        int size = Unsafe.SizeOf<T>();
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            int status = Cl.clEnqueueFillBuffer(_queue, ((OpenClBuffer<T>)buffer).Handle, &value, (nuint)size,
                (nuint)((long)offset * size), (nuint)((long)count * size), 0, null, null);
            ClStatus.Check(status, "clEnqueueFillBuffer", Info.Id);
        }
    }

    internal void Release(IDisposable buffer, nint memory)
    {
        lock (_sync)
        {
            _liveBuffers.Remove(buffer);
            if (memory != 0) Cl.clReleaseMemObject(memory);
        }
    }

    /// <summary>
    /// Builds <paramref name="source"/> (a kernel file's text; the portability header is prepended here) into a
    /// program for this device. The caller owns the result. Every kernel file goes through this method, so a source
    /// that does not compile raises <see cref="OpenClBuildException"/> naming <paramref name="fileName"/> with the log.
    /// </summary>
    internal OpenClProgram BuildProgram(string fileName, string source, string options = "")
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return OpenClProgram.Build(_context, _device.Device, $"{Info.Id} ({Info.Name})", fileName,
            KernelSources.Compose(fileName, source), options);
    }

    /// <summary>The cached program of an embedded kernel file, built on first use. Call under the lock.</summary>
    private OpenClProgram Program(string fileName, string options = "")
    {
        if (_programs.TryGetValue(fileName, out var program)) return program;
        program = BuildProgram(fileName, KernelSources.Read(fileName), options);
        _programs[fileName] = program;
        return program;
    }

    /// <summary>The cached kernel <paramref name="name"/> of an embedded kernel file. Call under the lock.</summary>
    private OpenClKernel Kernel(string fileName, string name)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (_kernels.TryGetValue(name, out var kernel)) return kernel;
        kernel = Program(fileName).CreateKernel(name);
        _kernels[name] = kernel;
        return kernel;
    }

    /// <summary>Starts setting the arguments of <paramref name="kernel"/>, in declaration order.</summary>
    private KernelArgs Args(OpenClKernel kernel) => new(this, kernel);

    /// <summary>Work-group size for a 1-D launch of <paramref name="kernel"/>: at most 256, within every device limit.</summary>
    private int GroupSize1D(OpenClKernel kernel) =>
        Math.Max(1, Math.Min(PreferredGroupSize, Math.Min(kernel.MaxWorkGroupSize, MaxItems(0))));

    private int MaxItems(int dimension) =>
        dimension < _device.MaxWorkItemSizes.Count ? _device.MaxWorkItemSizes[dimension] : 1;

    private void Enqueue(OpenClKernel kernel, uint dimensions, nuint* global, nuint* local, long bufferBytes)
    {
        int status = Cl.clEnqueueNDRangeKernel(_queue, kernel.Handle, dimensions, null, global, local, 0, null, null);
        if (status == -4 /* CL_MEM_OBJECT_ALLOCATION_FAILURE */)
            throw new DeviceOutOfMemoryException(Info.Id, bufferBytes,
                $"clEnqueueNDRangeKernel({kernel.Name}) returned CL_MEM_OBJECT_ALLOCATION_FAILURE");
        ClStatus.Check(status, "clEnqueueNDRangeKernel", kernel.Name);
    }

    /// <summary>
    /// Sets kernel arguments one after another (index counted here) and enqueues the launch; the byte total of the
    /// buffers passed goes into an out-of-memory report.
    /// </summary>
    private ref struct KernelArgs(OpenClAccelerator owner, OpenClKernel kernel)
    {
        private uint _index;
        private long _bytes;

        public KernelArgs Int(int value) => Set(value);

        public KernelArgs Float(float value) => Set(value);

        /// <summary>A buffer argument; null passes a NULL pointer (the kernel must not touch it).</summary>
        public KernelArgs Buffer<T>(DeviceBuffer<T>? buffer) where T : unmanaged
        {
            if (buffer is null) return Set((nint)0);
            _bytes += buffer.SizeInBytes;
            return Set(((OpenClBuffer<T>)buffer).Handle);
        }

        private KernelArgs Set<TValue>(TValue value) where TValue : unmanaged
        {
            ClStatus.Check(Cl.clSetKernelArg(kernel.Handle, _index, (nuint)sizeof(TValue), &value), "clSetKernelArg",
                $"{kernel.Name} argument {_index}");
            _index++;
            return this;
        }

        /// <summary>1-D grid-stride launch over <paramref name="count"/> items: enough groups to cover it, capped.</summary>
        public void RunGridStride(long count)
        {
            int local = owner.GroupSize1D(kernel);
            long groups = Math.Clamp((count + local - 1) / local, 1, owner._maxGroups);
            Run1D(groups * local, local);
        }

        public void Run1D(long global, int local)
        {
            nuint g = (nuint)global, l = (nuint)local;
            owner.Enqueue(kernel, 1, &g, &l, _bytes);
        }

        public void Run2D(long global0, long global1, int local0, int local1)
        {
            nuint* g = stackalloc nuint[2] { (nuint)global0, (nuint)global1 };
            nuint* l = stackalloc nuint[2] { (nuint)local0, (nuint)local1 };
            owner.Enqueue(kernel, 2, g, l, _bytes);
        }
    }

    protected override void DisposeCore()
    {
        lock (_sync)
        {
            if (_queue != 0) Cl.clFinish(_queue);
            foreach (var buffer in _liveBuffers.ToArray()) buffer.Dispose();
            _liveBuffers.Clear();
            _kernels.Clear();
            foreach (var program in _programs.Values) program.Dispose();
            _programs.Clear();
            DisposeGemm();
            if (_queue != 0) Cl.clReleaseCommandQueue(_queue);
            if (_context != 0) Cl.clReleaseContext(_context);
            _queue = 0;
            _context = 0;
        }
    }
}
