using System.Runtime.CompilerServices;
using GpuDigits.Engine.Cuda.Native;
using GpuDigits.Engine.Kernels;

namespace GpuDigits.Engine.Cuda;

/// <summary>
/// An NVIDIA GPU running the op set through the CUDA driver API. The accelerator uses the device's primary context
/// and one non-blocking stream: every op is enqueued on that stream in call order, <see cref="Synchronize"/> is a
/// stream synchronize, and host copies are synchronous (they wait for the stream). Each kernel file of
/// <c>kernels/</c> is compiled to PTX by NVRTC the first time one of its ops runs (the header's CUDA branch, the same
/// -D tunables as OpenCL; the PTX is cached on disk, see <see cref="PtxCache"/>), loaded as a module, and its
/// functions are kept. Launch shapes follow kernels/README.md: grid = work-groups, block = work-group size.
/// <see cref="Accelerator.CaptureStep"/> records a step as a CUDA graph (stream capture) unless
/// <see cref="GraphsEnabled"/> is off. Calls are serialized by a lock; the launchers of each op family live in the
/// <c>CudaAccelerator.*.cs</c> files beside this one.
/// </summary>
public sealed unsafe partial class CudaAccelerator : Accelerator
{
    /// <summary>GPUDIGITS_CUDA_GRAPHS: 0/off/false/no records no graphs (ops are launched one by one).</summary>
    public const string GraphsVariable = "GPUDIGITS_CUDA_GRAPHS";

    /// <summary>Largest block the 1-D and reduction launchers use.</summary>
    private const int PreferredBlock = 256;

    private readonly CudaDevice _device;
    private readonly object _sync = new();
    private readonly Dictionary<string, CudaModule> _modules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CudaFunction> _functions = new(StringComparer.Ordinal);
    private readonly HashSet<IDisposable> _liveBuffers = [];
    private readonly int _maxBlocks;
    private nint _context;
    private nint _stream;

    internal CudaAccelerator(CudaDevice device)
    {
        _device = device;
        _maxBlocks = Math.Max(1, device.Multiprocessors) * 8;
        GraphsEnabled = GraphsFromEnvironment();
        Cache = PtxCache.Default();
        nint context;
        CuResult.Check(Cu.cuDevicePrimaryCtxRetain(&context, device.Handle), "cuDevicePrimaryCtxRetain", device.Info.Id);
        _context = context;
        try
        {
            MakeCurrent();
            nint stream;
            CuResult.Check(Cu.cuStreamCreate(&stream, Cu.CU_STREAM_NON_BLOCKING), "cuStreamCreate", device.Info.Id);
            _stream = stream;
        }
        catch
        {
            Cu.cuDevicePrimaryCtxRelease_v2(device.Handle);
            _context = 0;
            throw;
        }
    }

    public override AcceleratorInfo Info => _device.Info;

    /// <summary>Compute capability, "8.9".</summary>
    public string ComputeCapability => $"{_device.Major}.{_device.Minor}";

    /// <summary>The virtual architecture the kernels are compiled for, "compute_89".</summary>
    public string PtxTarget => $"compute_{_device.PtxArchitecture}";

    /// <summary>The NVRTC in use.</summary>
    public NvrtcCompiler Compiler => _device.Compiler;

    /// <summary>The driver's CUDA version, "12.4".</summary>
    public string DriverVersion => CuResult.FormatVersion(_device.DriverVersion);

    /// <summary>Where compiled PTX is kept (and how often it was found there).</summary>
    public PtxCache Cache { get; }

    /// <summary>
    /// Whether <see cref="Accelerator.CaptureStep"/> records CUDA graphs (default: on, unless GPUDIGITS_CUDA_GRAPHS
    /// says 0/off). Off, it returns null and callers launch every op one by one.
    /// </summary>
    public bool GraphsEnabled { get; set; }

    /// <summary>Why the driver cannot record graphs, when it cannot (then <see cref="Accelerator.CaptureStep"/> returns null).</summary>
    public string? GraphsUnavailableReason { get; private set; }

    /// <summary>Parses a GPUDIGITS_CUDA_GRAPHS value: null/empty = on; 1/on/true/yes, 0/off/false/no.</summary>
    public static bool ParseGraphsSetting(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "1" or "on" or "true" or "yes" => true,
        "0" or "off" or "false" or "no" => false,
        _ => throw new AcceleratorException($"{GraphsVariable}='{text}' is not one of on, off, 1, 0."),
    };

    private static bool GraphsFromEnvironment() => ParseGraphsSetting(Environment.GetEnvironmentVariable(GraphsVariable));

    /// <summary>Binds the context to the calling thread (cheap; done before every driver call sequence).</summary>
    private void MakeCurrent()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        CuResult.Check(Cu.cuCtxSetCurrent(_context), "cuCtxSetCurrent", Info.Id);
    }

    public override void Synchronize()
    {
        lock (_sync)
        {
            MakeCurrent();
            RefuseWhileCapturing("Synchronize");
            CuResult.Check(Cu.cuStreamSynchronize(_stream), "cuStreamSynchronize", Info.Id);
        }
    }

    /// <summary>
    /// Milliseconds the device spent on the ops <paramref name="enqueue"/> enqueues, measured with two events recorded
    /// around them on the stream (waits for them).
    /// </summary>
    public float MeasureMilliseconds(Action enqueue)
    {
        ArgumentNullException.ThrowIfNull(enqueue);
        lock (_sync)
        {
            MakeCurrent();
            nint start = 0, end = 0;
            try
            {
                CuResult.Check(Cu.cuEventCreate(&start, Cu.CU_EVENT_DEFAULT), "cuEventCreate");
                CuResult.Check(Cu.cuEventCreate(&end, Cu.CU_EVENT_DEFAULT), "cuEventCreate");
                CuResult.Check(Cu.cuEventRecord(start, _stream), "cuEventRecord");
                enqueue();
                MakeCurrent();
                CuResult.Check(Cu.cuEventRecord(end, _stream), "cuEventRecord");
                CuResult.Check(Cu.cuEventSynchronize(end), "cuEventSynchronize");
                float ms;
                CuResult.Check(Cu.cuEventElapsedTime(&ms, start, end), "cuEventElapsedTime");
                return ms;
            }
            finally
            {
                if (start != 0) Cu.cuEventDestroy_v2(start);
                if (end != 0) Cu.cuEventDestroy_v2(end);
            }
        }
    }

    protected override DeviceBuffer<T> AllocateCore<T>(int length)
    {
        long bytes = (long)length * Unsafe.SizeOf<T>();
        lock (_sync)
        {
            MakeCurrent();
            RefuseWhileCapturing("Allocate");
            ulong pointer = 0;
            if (bytes > 0)
            {
                int result = Cu.cuMemAlloc_v2(&pointer, (nuint)bytes);
                if (result == CuResult.OutOfMemory)
                {
                    nuint free = 0, total = 0;
                    string detail = Cu.cuMemGetInfo_v2(&free, &total) == Cu.CUDA_SUCCESS
                        ? $"cuMemAlloc: CUDA_ERROR_OUT_OF_MEMORY; {(ulong)free:N0} of {(ulong)total:N0} bytes free"
                        : "cuMemAlloc: CUDA_ERROR_OUT_OF_MEMORY";
                    throw new DeviceOutOfMemoryException(Info.Id, bytes, detail);
                }
                CuResult.Check(result, "cuMemAlloc_v2", $"{bytes:N0} bytes on {Info.Id}");
            }
            var buffer = new CudaBuffer<T>(this, length, pointer);
            _liveBuffers.Add(buffer);
            return buffer;
        }
    }

    internal void Write(ulong pointer, long offsetBytes, long bytes, void* source)
    {
        lock (_sync)
        {
            MakeCurrent();
            RefuseWhileCapturing("A copy to the device");
            CuResult.Check(Cu.cuMemcpyHtoDAsync_v2(pointer + (ulong)offsetBytes, source, (nuint)bytes, _stream), "cuMemcpyHtoDAsync_v2", Info.Id);
            // Synchronous to the host: the caller may reuse its memory as soon as this returns.
            CuResult.Check(Cu.cuStreamSynchronize(_stream), "cuStreamSynchronize", Info.Id);
        }
    }

    internal void Read(ulong pointer, long offsetBytes, long bytes, void* destination)
    {
        lock (_sync)
        {
            MakeCurrent();
            RefuseWhileCapturing("A copy to the host");
            CuResult.Check(Cu.cuMemcpyDtoHAsync_v2(destination, pointer + (ulong)offsetBytes, (nuint)bytes, _stream), "cuMemcpyDtoHAsync_v2", Info.Id);
            CuResult.Check(Cu.cuStreamSynchronize(_stream), "cuStreamSynchronize", Info.Id);
        }
    }

    protected override void FillCore<T>(DeviceBuffer<T> buffer, T value, int offset, int count)
    {
        int size = Unsafe.SizeOf<T>();
        ulong at = ((CudaBuffer<T>)buffer).Pointer + (ulong)((long)offset * size);
        lock (_sync)
        {
            MakeCurrent();
            int result = size switch
            {
                1 => Cu.cuMemsetD8Async(at, Unsafe.As<T, byte>(ref value), (nuint)count, _stream),
                2 => Cu.cuMemsetD16Async(at, Unsafe.As<T, ushort>(ref value), (nuint)count, _stream),
                _ => Cu.cuMemsetD32Async(at, Unsafe.As<T, uint>(ref value), (nuint)count, _stream),
            };
            CuResult.Check(result, $"cuMemsetD{size * 8}Async", Info.Id);
        }
    }

    /// <summary>Frees a buffer's memory (errors are ignored: this runs from Dispose).</summary>
    internal void Release(IDisposable buffer, ulong pointer)
    {
        lock (_sync)
        {
            _liveBuffers.Remove(buffer);
            if (pointer == 0 || _context == 0) return;
            if (Cu.cuCtxSetCurrent(_context) == Cu.CUDA_SUCCESS) Cu.cuMemFree_v2(pointer);
        }
    }

    /// <summary>
    /// Compiles (or takes from the PTX cache) and loads <paramref name="fileName"/>'s text with the given -D options.
    /// Every kernel file goes through here; tests also load deliberately broken sources through it.
    /// </summary>
    internal CudaModule LoadModule(string fileName, string source, IReadOnlyList<string> defines)
    {
        lock (_sync)
        {
            MakeCurrent();
            RefuseWhileCapturing("Loading a module");
            var composed = KernelSources.Compose(fileName, source);
            var options = NvrtcCompiler.Options(_device.PtxArchitecture, defines);
            var compiler = _device.Compiler;
            var ptx = Cache.GetOrCompile(fileName, composed, options, compiler.Version,
                () => compiler.CompileToPtx(fileName, composed, options));
            return CudaModule.Load(ptx, fileName, Info.Id, _device.DriverVersion, compiler.Version);
        }
    }

    /// <summary>The cached module of an embedded kernel file, loaded on first use. Call under the lock.</summary>
    private CudaModule Module(string fileName)
    {
        if (_modules.TryGetValue(fileName, out var module)) return module;
        module = LoadModule(fileName, KernelSources.Read(fileName), []);
        _modules[fileName] = module;
        return module;
    }

    /// <summary>The cached function <paramref name="name"/> of an embedded kernel file; binds the context. Call under the lock.</summary>
    private CudaFunction Function(string fileName, string name)
    {
        MakeCurrent();
        if (_functions.TryGetValue(name, out var function)) return function;
        function = Module(fileName).GetFunction(name);
        _functions[name] = function;
        return function;
    }

    /// <summary>Loads every kernel file now (a recorded step must not compile or load anything).</summary>
    private void LoadAllModules()
    {
        foreach (var file in KernelSources.KernelFiles)
            if (file != KernelSources.Gemm) Module(file);
        EnsureGemm();
    }

    private void RefuseWhileCapturing(string what)
    {
        if (_capturing)
            throw new InvalidOperationException($"{what} cannot be part of a captured step on {Info.Id}: a step may only enqueue ops.");
    }

    /// <summary>Block size for a 1-D launch: at most 256 threads, within the function's and the device's limits.</summary>
    private int Block1D(CudaFunction function) =>
        Math.Max(1, Math.Min(PreferredBlock, Math.Min(function.MaxThreadsPerBlock, _device.MaxBlockDimX)));

    private KernelArgs Args(CudaFunction function) => new(this, function);

    private void Launch(CudaFunction function, uint gridX, uint gridY, uint blockX, uint blockY, void** parameters, long bufferBytes)
    {
        int result = Cu.cuLaunchKernel(function.Handle, gridX, gridY, 1, blockX, blockY, 1, 0, _stream, parameters, null);
        if (result == CuResult.OutOfMemory)
            throw new DeviceOutOfMemoryException(Info.Id, bufferBytes, $"cuLaunchKernel({function.Name}) returned CUDA_ERROR_OUT_OF_MEMORY");
        CuResult.Check(result, "cuLaunchKernel", $"{function.Name} grid {gridX}x{gridY} block {blockX}x{blockY}");
    }

    /// <summary>Room for every kernel's arguments (the widest, gather_batch, takes 14).</summary>
    [InlineArray(16)]
    private struct ArgumentSlots
    {
        private ulong _first;
    }

    /// <summary>
    /// Collects kernel arguments in declaration order (each in an 8-byte slot, as cuLaunchKernel reads them through
    /// one pointer per argument) and launches; the byte total of the buffers passed goes into an out-of-memory report.
    /// </summary>
    private ref struct KernelArgs(CudaAccelerator owner, CudaFunction function)
    {
        private ArgumentSlots _slots;
        private int _count;
        private long _bytes;

        public KernelArgs Int(int value) => Set(value);

        public KernelArgs Float(float value) => Set(value);

        /// <summary>A buffer argument (its device pointer); null passes a null pointer (the kernel must not touch it).</summary>
        public KernelArgs Buffer<T>(DeviceBuffer<T>? buffer) where T : unmanaged
        {
            if (buffer is null) return Set(0UL);
            _bytes += buffer.SizeInBytes;
            return Set(((CudaBuffer<T>)buffer).Pointer);
        }

        private KernelArgs Set<TValue>(TValue value) where TValue : unmanaged
        {
            if (_count == 16) throw new InvalidOperationException($"Too many arguments for {function.Name}.");
            _slots[_count] = 0;
            Unsafe.As<ulong, TValue>(ref _slots[_count]) = value;
            _count++;
            return this;
        }

        /// <summary>1-D grid-stride launch over <paramref name="count"/> items: enough blocks to cover it, capped.</summary>
        public void RunGridStride(long count)
        {
            int block = owner.Block1D(function);
            long blocks = Math.Clamp((count + block - 1) / block, 1, owner._maxBlocks);
            Run((uint)blocks, 1, (uint)block, 1);
        }

        public void Run(uint gridX, uint gridY, uint blockX, uint blockY)
        {
            void** parameters = stackalloc void*[Math.Max(1, _count)];
            fixed (ulong* slots = &_slots[0])
            {
                for (int i = 0; i < _count; i++) parameters[i] = slots + i;
                owner.Launch(function, gridX, gridY, blockX, blockY, parameters, _bytes);
            }
        }
    }

    protected override void DisposeCore()
    {
        lock (_sync)
        {
            if (_context == 0) return;
            bool current = Cu.cuCtxSetCurrent(_context) == Cu.CUDA_SUCCESS;
            if (current && _stream != 0) Cu.cuStreamSynchronize(_stream);
            foreach (var graph in _liveGraphs.ToArray()) graph.Dispose();
            foreach (var buffer in _liveBuffers.ToArray()) buffer.Dispose();
            _liveBuffers.Clear();
            _functions.Clear();
            if (current)
            {
                foreach (var module in _modules.Values) module.Dispose();
                DisposeGemm();
                if (_stream != 0) Cu.cuStreamDestroy_v2(_stream);
            }
            _modules.Clear();
            _stream = 0;
            Cu.cuDevicePrimaryCtxRelease_v2(_device.Handle);
            _context = 0;
        }
    }
}
