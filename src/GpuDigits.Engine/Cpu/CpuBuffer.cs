namespace GpuDigits.Engine.Cpu;

/// <summary>A device buffer of the CPU accelerator: a managed array the kernels read through spans.</summary>
public sealed class CpuBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    internal CpuBuffer(Accelerator owner, int length) : base(owner, length) => Data = new T[length];

    /// <summary>The storage; the CPU kernels work on it directly.</summary>
    internal T[] Data { get; private set; }

    internal Span<T> Span => Data;

    protected override void CopyFromHostCore(ReadOnlySpan<T> source, int offset) => source.CopyTo(Data.AsSpan(offset));

    protected override void CopyToHostCore(Span<T> destination, int offset) =>
        Data.AsSpan(offset, destination.Length).CopyTo(destination);

    protected override void DisposeCore() => Data = [];
}
