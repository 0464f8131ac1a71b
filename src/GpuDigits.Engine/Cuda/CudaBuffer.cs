using System.Runtime.CompilerServices;

namespace GpuDigits.Engine.Cuda;

/// <summary>A device buffer of a <see cref="CudaAccelerator"/>: one cuMemAlloc allocation. Copies are synchronous to the host.</summary>
public sealed unsafe class CudaBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    private readonly CudaAccelerator _owner;

    internal CudaBuffer(CudaAccelerator owner, int length, ulong pointer) : base(owner, length)
    {
        _owner = owner;
        Pointer = pointer;
    }

    /// <summary>The CUdeviceptr (0 for an empty buffer, which allocates nothing).</summary>
    internal ulong Pointer { get; private set; }

    protected override void CopyFromHostCore(ReadOnlySpan<T> source, int offset)
    {
        if (source.IsEmpty) return;
        fixed (T* p = source)
            _owner.Write(Pointer, (long)offset * Unsafe.SizeOf<T>(), (long)source.Length * Unsafe.SizeOf<T>(), p);
    }

    protected override void CopyToHostCore(Span<T> destination, int offset)
    {
        if (destination.IsEmpty)
        {
            _owner.Synchronize(); // a copy to the host waits for pending work, even an empty one
            return;
        }
        fixed (T* p = destination)
            _owner.Read(Pointer, (long)offset * Unsafe.SizeOf<T>(), (long)destination.Length * Unsafe.SizeOf<T>(), p);
    }

    protected override void DisposeCore()
    {
        _owner.Release(this, Pointer);
        Pointer = 0;
    }
}
