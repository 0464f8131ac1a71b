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
    private readonly Dictionary<IAcceleratorProvider, AcceleratorInfo[]> _discovered = [];

    public AcceleratorCatalog(IEnumerable<IAcceleratorProvider> providers) => _providers = providers.ToArray();

    /// <summary>
    /// The catalog of every backend built into the engine, in <c>auto</c> preference order: the CPU backend with
    /// <paramref name="cpu"/> (default: what the machine supports), CUDA recording steps as graphs unless
    /// <paramref name="cudaGraphs"/> is false. The engine reads no environment; the CLI passes its settings here.
    /// </summary>
    public static AcceleratorCatalog Default(CpuAcceleratorOptions? cpu = null, bool cudaGraphs = true) => new(BuiltInProviders(cpu, cudaGraphs));

    public static IEnumerable<IAcceleratorProvider> BuiltInProviders(CpuAcceleratorOptions? cpu = null, bool cudaGraphs = true)
    {
        yield return new IlgpuAcceleratorProvider(AcceleratorKind.Cuda, cudaGraphs);
        yield return new IlgpuAcceleratorProvider(AcceleratorKind.OpenCL);
        yield return new CpuAcceleratorProvider(cpu);
        yield return new IlgpuAcceleratorProvider(AcceleratorKind.IlgpuCpu);
    }

    public IReadOnlyList<IAcceleratorProvider> Providers => _providers;

    public IReadOnlyList<AcceleratorInfo> Devices => Discovered().Select(d => d.Info).ToArray();

    private IReadOnlyList<(IAcceleratorProvider Provider, AcceleratorInfo Info)> Discovered() =>
        _providers.SelectMany(p => DiscoveredBy(p).Select(i => (p, i))).ToArray();

    /// <summary>
    /// The devices of one backend, asked once. Backends are asked only when a selector needs them: starting ILGPU's
    /// context to look for CUDA and OpenCL takes about 0.1 s, which <c>--device cpu</c> does not have to pay.
    /// </summary>
    private AcceleratorInfo[] DiscoveredBy(IAcceleratorProvider provider)
    {
        if (!_discovered.TryGetValue(provider, out var found))
            _discovered[provider] = found = provider.Discover().ToArray();
        return found;
    }

    private IEnumerable<(IAcceleratorProvider Provider, AcceleratorInfo Info)> OfKind(AcceleratorKind kind) =>
        _providers.Where(p => p.Kind == kind).SelectMany(p => DiscoveredBy(p).Select(i => (p, i)));

    /// <summary>Resolves a selector to a device, or throws <see cref="AcceleratorException"/> saying what exists.</summary>
    public AcceleratorInfo Resolve(string selector)
    {
        var text = (selector ?? "auto").Trim().ToLowerInvariant();
        if (text == "auto")
        {
            var pick = OfKind(AcceleratorKind.Cuda).FirstOrDefault().Info
                       ?? OfKind(AcceleratorKind.OpenCL).FirstOrDefault(d => d.Info.IsGpu).Info
                       ?? OfKind(AcceleratorKind.Cpu).FirstOrDefault().Info;
            return pick ?? throw new AcceleratorException("No accelerator found, not even the CPU.");
        }

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

        var ofKind = OfKind(kind.Value).ToArray();
        var exact = ofKind.FirstOrDefault(d => d.Info.Id == text).Info;
        if (exact is not null) return exact;
        if (ofKind.Length == 0)
        {
            var reason = _providers.FirstOrDefault(p => p.Kind == kind)?.UnavailableReason ?? "backend not built in";
            throw new AcceleratorException($"No {kind.Value.DisplayName()} device found for '{selector}': {reason}.");
        }
        if (!text.Contains(':')) return ofKind[0].Info;
        throw new AcceleratorException(
            $"No device '{selector}'. Available: {string.Join(", ", Discovered().Select(d => d.Info.Id))}.");
    }

    /// <summary>Resolves and opens a device.</summary>
    public Accelerator Open(string selector)
    {
        var info = Resolve(selector);
        var provider = _providers.First(p => _discovered.TryGetValue(p, out var found) && found.Contains(info));
        return provider.Create(info);
    }
}
