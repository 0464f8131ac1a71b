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

/// <summary>Recording a training step (a CUDA graph) failed; launching the ops one by one would avoid it.</summary>
public sealed class StepRecordingException(string message) : AcceleratorException(message);

/// <summary>The device could not satisfy an allocation.</summary>
public sealed class DeviceOutOfMemoryException : AcceleratorException
{
    public DeviceOutOfMemoryException(string deviceId, long requestedBytes, string? detail = null, bool estimated = false)
        : base(estimated
            ? $"Out of memory on {deviceId}: {detail}."
            : $"Out of memory on {deviceId}: an allocation of {requestedBytes:N0} bytes failed" + (detail is null ? "." : $" ({detail})."))
    {
        DeviceId = deviceId;
        RequestedBytes = requestedBytes;
        Estimated = estimated;
    }

    /// <summary>True when the shortfall was estimated before allocating (the whole run), false for one failed allocation.</summary>
    public bool Estimated { get; }

    public string DeviceId { get; }
    public long RequestedBytes { get; }
}

/// <summary>A <c>--device</c> selector that names no backend (a usage error, not a missing driver).</summary>
public sealed class UnknownDeviceException(string message) : AcceleratorException(message);
