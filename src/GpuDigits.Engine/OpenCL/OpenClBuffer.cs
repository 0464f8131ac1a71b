using System.Runtime.CompilerServices;

namespace GpuDigits.Engine.OpenCL;

/// <summary>A device buffer of an <see cref="OpenClAccelerator"/>: one read-write cl_mem object. Copies are blocking.</summary>
public sealed unsafe class OpenClBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    private readonly OpenClAccelerator _owner;

    internal OpenClBuffer(OpenClAccelerator owner, int length, nint handle) : base(owner, length)
    {
        _owner = owner;
        Handle = handle;
    }

    /// <summary>The cl_mem handle.</summary>
    internal nint Handle { get; private set; }

    protected override void CopyFromHostCore(ReadOnlySpan<T> source, int offset)
    {
        if (source.IsEmpty) return;
        fixed (T* p = source)
            _owner.Write(Handle, (long)offset * Unsafe.SizeOf<T>(), (long)source.Length * Unsafe.SizeOf<T>(), p);
    }

    protected override void CopyToHostCore(Span<T> destination, int offset)
    {
        if (destination.IsEmpty)
        {
            _owner.Synchronize(); // a copy to the host waits for pending work, even an empty one
            return;
        }
        fixed (T* p = destination)
            _owner.Read(Handle, (long)offset * Unsafe.SizeOf<T>(), (long)destination.Length * Unsafe.SizeOf<T>(), p);
    }

    protected override void DisposeCore()
    {
        _owner.Release(this, Handle);
        Handle = 0;
    }
}
