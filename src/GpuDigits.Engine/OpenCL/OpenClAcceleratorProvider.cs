using GpuDigits.Engine.OpenCL.Native;

namespace GpuDigits.Engine.OpenCL;

/// <summary>
/// Discovers the OpenCL devices of every installed platform (through the ICD loader) and opens them. Devices are
/// numbered <c>opencl:0</c>, <c>opencl:1</c>, ... across platforms in enumeration order. Discovery never throws:
/// without a loader or a platform it returns nothing and <see cref="UnavailableReason"/> says why.
/// </summary>
public sealed class OpenClAcceleratorProvider : IAcceleratorProvider
{
    private readonly IReadOnlyList<string>? _requiredLibraries;
    private readonly object _gate = new();
    private IReadOnlyList<OpenClDevice>? _devices;
    private string? _reason;

    public OpenClAcceleratorProvider() { }

    /// <summary>
    /// A provider that first requires one of <paramref name="loaderFiles"/> to load (instead of the platform's usual
    /// loader names); lets tests stand in for a machine without OpenCL.
    /// </summary>
    internal OpenClAcceleratorProvider(IReadOnlyList<string> loaderFiles) => _requiredLibraries = loaderFiles;

    public AcceleratorKind Kind => AcceleratorKind.OpenCL;

    public string? UnavailableReason
    {
        get
        {
            Devices();
            return _reason;
        }
    }

    public IReadOnlyList<AcceleratorInfo> Discover() => Devices().Select(d => d.Info).ToArray();

    public Accelerator Create(AcceleratorInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var device = Devices().FirstOrDefault(d => d.Info.Id == info.Id)
            ?? throw new AcceleratorException($"No OpenCL device '{info.Id}' on this machine ({_reason ?? "it was not discovered"}).");
        return new OpenClAccelerator(device);
    }

    private IReadOnlyList<OpenClDevice> Devices()
    {
        lock (_gate)
        {
            if (_devices is not null) return _devices;
            (_devices, _reason) = Enumerate();
            return _devices;
        }
    }

    private (IReadOnlyList<OpenClDevice>, string?) Enumerate()
    {
        try
        {
            if (_requiredLibraries is not null &&
                !Interop.NativeLibraries.TryLoad(_requiredLibraries, out _, out var missing))
                return ([], $"OpenCL loader unavailable: {missing}");
            if (!Cl.TryLoad(out var reason))
                return ([], $"OpenCL loader unavailable: {reason} (install an OpenCL ICD loader and a driver, e.g. ocl-icd-libopencl1 + pocl-opencl-icd)");

            var platforms = ClQuery.Platforms();
            if (platforms.Length == 0)
                return ([], "the OpenCL loader found no platform (no vendor driver / ICD is installed)");

            var found = new List<OpenClDevice>();
            var skipped = new List<string>();
            foreach (var platform in platforms)
            {
                string platformName = ClQuery.PlatformString(platform, Cl.CL_PLATFORM_NAME);
                foreach (var device in ClQuery.Devices(platform))
                {
                    var described = OpenClDevice.Describe(platform, platformName, device, found.Count, out var whyNot);
                    if (described is null) skipped.Add(whyNot!);
                    else found.Add(described);
                }
            }
            if (found.Count == 0)
                return ([], skipped.Count == 0
                    ? $"the OpenCL platform(s) {string.Join(", ", platforms.Select(p => ClQuery.PlatformString(p, Cl.CL_PLATFORM_NAME)))} expose no device"
                    : $"no usable OpenCL device ({string.Join("; ", skipped)})");
            return (found, null);
        }
        catch (Exception e) when (e is AcceleratorException or DllNotFoundException or EntryPointNotFoundException
                                      or BadImageFormatException or InvalidOperationException)
        {
            return ([], $"OpenCL discovery failed: {e.Message}");
        }
    }
}
