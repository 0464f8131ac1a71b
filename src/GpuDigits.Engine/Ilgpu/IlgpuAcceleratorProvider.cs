using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace GpuDigits.Engine.Ilgpu;

/// <summary>
/// The devices of one ILGPU backend, as <c>cuda:N</c>, <c>opencl:N</c> (in ILGPU's order) or <c>ilgpu-cpu</c>.
/// Discovery never throws: when a backend has no usable device, <see cref="UnavailableReason"/> says why.
/// </summary>
public sealed class IlgpuAcceleratorProvider : IAcceleratorProvider
{
    private readonly object _gate = new();
    private IReadOnlyList<(AcceleratorInfo Info, Device Device)>? _devices;
    private string? _reason;

    /// <param name="kind">CUDA, OpenCL or ILGPU's CPU accelerator.</param>
    /// <param name="recordSteps">Whether CUDA accelerators it opens record training steps as CUDA graphs (the default).</param>
    public IlgpuAcceleratorProvider(AcceleratorKind kind, bool recordSteps = true)
    {
        if (kind == AcceleratorKind.Cpu) throw new ArgumentException("The managed CPU backend is not an ILGPU device.", nameof(kind));
        Kind = kind;
        _recordSteps = recordSteps;
    }

    private readonly bool _recordSteps;

    public AcceleratorKind Kind { get; }

    public string? UnavailableReason
    {
        get
        {
            Devices();
            return _reason;
        }
    }

    public IReadOnlyList<string> UnusableDevices =>
        Kind == AcceleratorKind.OpenCL && Devices().Count > 0 ? IlgpuRuntime.UnusableOpenClDevices : [];

    public IReadOnlyList<AcceleratorInfo> Discover() => Devices().Select(d => d.Info).ToArray();

    public Accelerator Create(AcceleratorInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var found = Devices().FirstOrDefault(d => d.Info.Id == info.Id);
        if (found.Device is null)
            throw new AcceleratorException($"No device '{info.Id}' on this machine ({_reason ?? "it was not discovered"}).");
        ILGPU.Runtime.Accelerator device;
        try
        {
            device = found.Device.CreateAccelerator(IlgpuRuntime.Context);
        }
        catch (Exception e) when (e is not AcceleratorException)
        {
            throw new AcceleratorException($"Opening {info.Id} ({info.Name}) failed: {e.Message}", e);
        }
        return new IlgpuAccelerator(info, device) { StepRecordingEnabled = info.Kind == AcceleratorKind.Cuda && _recordSteps };
    }

    private IReadOnlyList<(AcceleratorInfo Info, Device Device)> Devices()
    {
        lock (_gate)
        {
            if (_devices is not null) return _devices;
            try
            {
                (_devices, _reason) = Enumerate();
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException
                                          or InvalidOperationException or BadImageFormatException or NotSupportedException)
            {
                (_devices, _reason) = ([], $"ILGPU could not start its {Kind.DisplayName()} backend: {e.Message}");
            }
            return _devices;
        }
    }

    private (IReadOnlyList<(AcceleratorInfo Info, Device Device)>, string?) Enumerate()
    {
        var context = IlgpuRuntime.Context;
        switch (Kind)
        {
            case AcceleratorKind.Cuda:
            {
                var devices = context.Devices.OfType<CudaDevice>().Select((CudaDevice d, int i) => (Info: Describe(d, $"cuda:{i}"), Device: (Device)d)).ToArray();
                return devices.Length > 0 ? (devices, null)
                    : ([], "ILGPU finds no CUDA device (no NVIDIA driver, libcuda.so.1, or GPU on this machine)");
            }
            case AcceleratorKind.OpenCL:
            {
                var devices = context.Devices.OfType<CLDevice>().Select((CLDevice d, int i) => (Info: Describe(d, $"opencl:{i}"), Device: (Device)d)).ToArray();
                if (devices.Length > 0) return (devices, null);
                if (!IlgpuRuntime.OpenClLoaderPresent())
                    return ([], "no OpenCL loader (libOpenCL.so.1) on this machine; install an OpenCL driver such as PoCL 6 (ocl-icd-libopencl1 + pocl-opencl-icd)");
                var unusable = IlgpuRuntime.UnusableOpenClDevices;
                return ([], unusable.Count > 0
                    ? $"no OpenCL device ILGPU can use: {string.Join("; ", unusable)}"
                    : "the OpenCL loader lists no device (no ICD installed under /etc/OpenCL/vendors)");
            }
            default:
            {
                var cpu = context.Devices.OfType<CPUDevice>().FirstOrDefault();
                return cpu is null ? ([], "ILGPU's CPU accelerator is not registered")
                    : ([(Describe(cpu, "ilgpu-cpu"), cpu)], null);
            }
        }
    }

    private AcceleratorInfo Describe(Device device, string id)
    {
        string details = device switch
        {
            CudaDevice cuda => $"ILGPU CUDA, sm_{(int)cuda.Architecture!.Value.Major}{cuda.Architecture.Value.Minor}, " +
                               $"PTX ISA {cuda.InstructionSet}, driver {cuda.DriverVersion}",
            CLDevice cl => $"ILGPU OpenCL, {cl.PlatformName} {cl.PlatformVersion}, {cl.DeviceVersion}, OpenCL C {cl.CVersion}",
            CPUDevice c => $"ILGPU CPU accelerator (simulator: {c.WarpSize}-thread warps, groups of at most " +
                           $"{c.MaxNumThreadsPerGroup}, {c.NumMultiprocessors} multiprocessor(s)); for checking kernels, not for training",
            _ => $"ILGPU {device.AcceleratorType}",
        };
        bool isGpu = device switch
        {
            CudaDevice => true,
            CLDevice cl => cl.DeviceType.HasFlag(CLDeviceType.CL_DEVICE_TYPE_GPU),
            _ => false,
        };
        long memory = device is CPUDevice ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes : device.MemorySize;
        // ILGPU's CPU accelerator and an OpenCL CPU device (PoCL) allocate their buffers in host memory.
        bool sharesHost = device is CPUDevice || (device is CLDevice && !isGpu);
        return new AcceleratorInfo(Kind, id, device.Name, memory, device.NumMultiprocessors, details, isGpu, sharesHost);
    }
}
