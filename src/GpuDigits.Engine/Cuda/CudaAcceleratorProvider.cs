using GpuDigits.Engine.Cuda.Native;

namespace GpuDigits.Engine.Cuda;

/// <summary>
/// Discovers the NVIDIA GPUs through the CUDA driver API and opens them as <c>cuda:0</c>, <c>cuda:1</c>, ... (driver
/// ordinals). A device is listed only when it can run the engine: the driver initializes and NVRTC, which compiles
/// the kernels, loads and can target it. Discovery never throws: otherwise it returns nothing and
/// <see cref="UnavailableReason"/> says why (no driver library, no device, no NVRTC, ...).
/// </summary>
public sealed class CudaAcceleratorProvider : IAcceleratorProvider
{
    private readonly IReadOnlyList<string>? _driverFiles;
    private readonly object _gate = new();
    private IReadOnlyList<CudaDevice>? _devices;
    private string? _reason;

    public CudaAcceleratorProvider() { }

    /// <summary>A provider that loads the driver from <paramref name="driverFiles"/> only; lets tests stand in for other machines.</summary>
    internal CudaAcceleratorProvider(IReadOnlyList<string> driverFiles) => _driverFiles = driverFiles;

    public AcceleratorKind Kind => AcceleratorKind.Cuda;

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
            ?? throw new AcceleratorException($"No CUDA device '{info.Id}' on this machine ({_reason ?? "it was not discovered"}).");
        return new CudaAccelerator(device);
    }

    private IReadOnlyList<CudaDevice> Devices()
    {
        lock (_gate)
        {
            if (_devices is not null) return _devices;
            (_devices, _reason) = Enumerate();
            return _devices;
        }
    }

    private unsafe (IReadOnlyList<CudaDevice>, string?) Enumerate()
    {
        try
        {
            if (!Cu.TryLoad(_driverFiles, out var missing))
                return ([], $"CUDA driver library unavailable: {missing} (install the NVIDIA driver)");

            int result = Cu.cuInit(0);
            if (result != Cu.CUDA_SUCCESS) return ([], InitFailure(result));

            int version, count;
            CuResult.Check(Cu.cuDriverGetVersion(&version), "cuDriverGetVersion");
            CuResult.Check(Cu.cuDeviceGetCount(&count), "cuDeviceGetCount");
            if (count == 0)
                return ([], $"the NVIDIA driver (CUDA {CuResult.FormatVersion(version)}) reports no device");

            var compiler = NvrtcCompiler.TryOpen(version, out var noCompiler);
            if (compiler is null)
                return ([], $"{count} NVIDIA GPU(s) found, but {noCompiler}");

            var found = new List<CudaDevice>();
            var skipped = new List<string>();
            for (int i = 0; i < count; i++)
            {
                var device = CudaDevice.Describe(i, version, compiler, out var whyNot);
                if (device is null) skipped.Add(whyNot!);
                else found.Add(device);
            }
            return found.Count == 0 ? ([], $"no usable CUDA device ({string.Join("; ", skipped)})") : (found, null);
        }
        catch (Exception e) when (e is AcceleratorException or DllNotFoundException or EntryPointNotFoundException
                                      or BadImageFormatException or InvalidOperationException)
        {
            return ([], $"CUDA discovery failed: {e.Message}");
        }
    }

    /// <summary>What a failed cuInit means for the user.</summary>
    internal static string InitFailure(int result) => result switch
    {
        CuResult.NoDevice => $"the NVIDIA driver is installed but finds no CUDA device (cuInit: {CuResult.Describe(result)})",
        CuResult.StubLibrary => $"{Cu.LoadedFrom ?? "libcuda"} is the CUDA toolkit's stub library, not the NVIDIA driver " +
                                $"(cuInit: {CuResult.Name(result)}); install the driver or take the stubs folder off the library path",
        _ => $"the CUDA driver failed to initialize (cuInit: {CuResult.Describe(result)}); check that the NVIDIA kernel " +
             "module is loaded and matches the driver (nvidia-smi should list the GPU)",
    };
}
