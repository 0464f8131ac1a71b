namespace GpuDigits.Engine;

/// <summary>
/// A typed array that lives in an accelerator's memory. Created by <see cref="Accelerator.Allocate{T}"/>,
/// it belongs to that accelerator and may only be passed to its ops.
/// </summary>
public abstract class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    protected DeviceBuffer(Accelerator owner, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Owner = owner;
        Length = length;
    }

    public Accelerator Owner { get; }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    public long SizeInBytes => (long)Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    public bool IsDisposed { get; private set; }

    /// <summary>Copies <paramref name="source"/> into this buffer starting at element <paramref name="offset"/>.</summary>
    public void CopyFromHost(ReadOnlySpan<T> source, int offset = 0)
    {
        CheckRange(offset, source.Length);
        CopyFromHostCore(source, offset);
    }

    /// <summary>Copies elements starting at <paramref name="offset"/> into <paramref name="destination"/>; waits for pending work.</summary>
    public void CopyToHost(Span<T> destination, int offset = 0)
    {
        CheckRange(offset, destination.Length);
        CopyToHostCore(destination, offset);
    }

    /// <summary>Reads the whole buffer into a new array.</summary>
    public T[] ToArray()
    {
        var result = new T[Length];
        CopyToHost(result);
        return result;
    }

    protected abstract void CopyFromHostCore(ReadOnlySpan<T> source, int offset);
    protected abstract void CopyToHostCore(Span<T> destination, int offset);
    protected abstract void DisposeCore();

    private void CheckRange(int offset, int count)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (offset < 0 || count < 0 || (long)offset + count > Length)
            throw new ArgumentOutOfRangeException(nameof(offset),
                $"Copy of {count} elements at offset {offset} does not fit a buffer of {Length}.");
    }

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        DisposeCore();
        GC.SuppressFinalize(this);
    }
}
