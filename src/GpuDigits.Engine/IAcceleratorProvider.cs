namespace GpuDigits.Engine;

/// <summary>One backend family's discovery and construction (the managed CPU backend, and each ILGPU backend).</summary>
public interface IAcceleratorProvider
{
    AcceleratorKind Kind { get; }

    /// <summary>Devices of this backend on this machine; empty (never throws) when the driver is absent.</summary>
    IReadOnlyList<AcceleratorInfo> Discover();

    /// <summary>Why <see cref="Discover"/> found nothing (for example "libOpenCL.so.1 not found"), or null.</summary>
    string? UnavailableReason { get; }

    /// <summary>Devices of this backend that exist but cannot be used, each with the reason (shown by <c>devices</c>).</summary>
    IReadOnlyList<string> UnusableDevices => [];

    /// <summary>Opens the device described by <paramref name="info"/>, one that <see cref="Discover"/> returned.</summary>
    Accelerator Create(AcceleratorInfo info);
}
