using GpuDigits.Engine.Cpu;
using GpuDigits.Engine.Ilgpu;

namespace GpuDigits.Engine;

/// <summary>
/// Every accelerator this machine offers, across backends, and the <c>--device</c> selector grammar:
/// <c>auto</c> | <c>cpu</c> | <c>ilgpu-cpu</c> | <c>opencl</c>[:N] | <c>cuda</c>[:N]. <c>auto</c> prefers CUDA, then an
/// OpenCL GPU, then the managed CPU backend (an OpenCL CPU device such as PoCL, and ILGPU's CPU accelerator, only
/// when asked for by name).
/// </summary>
public sealed class AcceleratorCatalog
{
    private readonly IReadOnlyList<IAcceleratorProvider> _providers;
    private IReadOnlyList<(IAcceleratorProvider Provider, AcceleratorInfo Info)>? _devices;

    public AcceleratorCatalog(IEnumerable<IAcceleratorProvider> providers) => _providers = providers.ToArray();

    /// <summary>The catalog of every backend built into the engine, in <c>auto</c> preference order.</summary>
    public static AcceleratorCatalog Default() => new(BuiltInProviders());

    public static IEnumerable<IAcceleratorProvider> BuiltInProviders()
    {
        yield return new IlgpuAcceleratorProvider(AcceleratorKind.Cuda);
        yield return new IlgpuAcceleratorProvider(AcceleratorKind.OpenCL);
        yield return new CpuAcceleratorProvider();
        yield return new IlgpuAcceleratorProvider(AcceleratorKind.IlgpuCpu);
    }

    public IReadOnlyList<IAcceleratorProvider> Providers => _providers;

    public IReadOnlyList<AcceleratorInfo> Devices => Discovered().Select(d => d.Info).ToArray();

    private IReadOnlyList<(IAcceleratorProvider Provider, AcceleratorInfo Info)> Discovered() =>
        _devices ??= _providers.SelectMany(p => p.Discover().Select(i => (p, i))).ToArray();

    /// <summary>Resolves a selector to a device, or throws <see cref="AcceleratorException"/> saying what exists.</summary>
    public AcceleratorInfo Resolve(string selector)
    {
        var text = (selector ?? "auto").Trim().ToLowerInvariant();
        var all = Discovered();
        if (text == "auto")
        {
            var pick = all.FirstOrDefault(d => d.Info.Kind == AcceleratorKind.Cuda).Info
                       ?? all.FirstOrDefault(d => d.Info.Kind == AcceleratorKind.OpenCL && d.Info.IsGpu).Info
                       ?? all.FirstOrDefault(d => d.Info.Kind == AcceleratorKind.Cpu).Info;
            return pick ?? throw new AcceleratorException("No accelerator found, not even the CPU.");
        }

        var exact = all.FirstOrDefault(d => d.Info.Id == text).Info;
        if (exact is not null) return exact;

        var family = text.Split(':')[0];
        AcceleratorKind? kind = family switch
        {
            "cpu" => AcceleratorKind.Cpu,
            "ilgpu-cpu" => AcceleratorKind.IlgpuCpu,
            "opencl" or "ocl" => AcceleratorKind.OpenCL,
            "cuda" => AcceleratorKind.Cuda,
            _ => null,
        };
        if (kind is null)
            throw new UnknownDeviceException(
                $"Unknown device '{selector}'. Use auto, cpu, ilgpu-cpu, opencl[:N] or cuda[:N]; 'gpudigits devices' lists them.");

        var ofKind = all.Where(d => d.Info.Kind == kind).ToArray();
        if (ofKind.Length == 0)
        {
            var reason = _providers.FirstOrDefault(p => p.Kind == kind)?.UnavailableReason ?? "backend not built in";
            throw new AcceleratorException($"No {kind.Value.DisplayName()} device found for '{selector}': {reason}.");
        }
        if (!text.Contains(':')) return ofKind[0].Info;
        throw new AcceleratorException(
            $"No device '{selector}'. Available: {string.Join(", ", all.Select(d => d.Info.Id))}.");
    }

    /// <summary>Resolves and opens a device.</summary>
    public Accelerator Open(string selector)
    {
        var info = Resolve(selector);
        var provider = Discovered().First(d => d.Info == info).Provider;
        return provider.Create(info);
    }
}
