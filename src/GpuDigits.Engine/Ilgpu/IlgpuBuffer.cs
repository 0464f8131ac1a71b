using ILGPU;
using ILGPU.Runtime;

namespace GpuDigits.Engine.Ilgpu;

/// <summary>
/// A device buffer of an <see cref="IlgpuAccelerator"/>: one ILGPU <see cref="MemoryBuffer1D{T, TStride}"/> (at least
/// one element, so an empty buffer still has a view to pass). Copies go through the accelerator's stream and wait
/// for it, so the caller may reuse host memory as soon as they return.
/// </summary>
public sealed class IlgpuBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    private readonly IlgpuAccelerator _owner;
    private MemoryBuffer1D<T, Stride1D.Dense>? _memory;

    internal IlgpuBuffer(IlgpuAccelerator owner, int length, MemoryBuffer1D<T, Stride1D.Dense> memory) : base(owner, length)
    {
        _owner = owner;
        _memory = memory;
    }

    /// <summary>The first <see cref="DeviceBuffer{T}.Length"/> elements, as kernels take them.</summary>
    internal ArrayView<T> View => Memory.View.SubView(0, Length);

    private MemoryBuffer1D<T, Stride1D.Dense> Memory => _memory ?? throw new ObjectDisposedException(GetType().Name);

    protected override void CopyFromHostCore(ReadOnlySpan<T> source, int offset) =>
        _owner.CopyIn(Memory.View.SubView(offset, source.Length), source);

    protected override void CopyToHostCore(Span<T> destination, int offset) =>
        _owner.CopyOut(Memory.View.SubView(offset, destination.Length), destination);

    protected override void DisposeCore()
    {
        var memory = _memory;
        _memory = null;
        if (memory is not null) _owner.Release(this, memory);
    }
}
