namespace GpuDigits.Engine;

/// <summary>
/// A failure a user can act on (no driver, no device, out of device memory, a kernel that does not build).
/// The message is complete on its own: the CLI prints it as one line, without a stack trace.
/// </summary>
public class AcceleratorException : Exception
{
    public AcceleratorException(string message) : base(message) { }
    public AcceleratorException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The device could not satisfy an allocation.</summary>
public sealed class DeviceOutOfMemoryException : AcceleratorException
{
    public DeviceOutOfMemoryException(string deviceId, long requestedBytes, string? detail = null, bool estimated = false)
        : base(estimated
            ? $"Out of memory on {deviceId}: {detail}. Try a smaller --batch, narrower --hidden layers or another --device."
            : $"Out of memory on {deviceId}: an allocation of {requestedBytes:N0} bytes failed" +
              (detail is null ? "." : $" ({detail}).") + " Try a smaller --batch or another --device.")
    {
        DeviceId = deviceId;
        RequestedBytes = requestedBytes;
    }

    public string DeviceId { get; }
    public long RequestedBytes { get; }
}

/// <summary>A <c>--device</c> selector that names no backend (a usage error, not a missing driver).</summary>
public sealed class UnknownDeviceException(string message) : AcceleratorException(message);
