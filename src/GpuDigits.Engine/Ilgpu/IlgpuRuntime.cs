using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace GpuDigits.Engine.Ilgpu;

/// <summary>
/// The process's one ILGPU <see cref="Context"/> (device discovery, the IR, the compiled-kernel cache), created on
/// first use with every backend ILGPU has: CUDA, the OpenCL devices that can run ILGPU's kernels, and the CPU
/// accelerator. Also knows the OpenCL devices that exist but cannot be used, and why.
/// </summary>
public static class IlgpuRuntime
{
    /// <summary>
    /// The simulated CPU device: 4-thread warps, 4 warps per group (groups of at most 16 threads), one
    /// multiprocessor. Every simulated thread is an OS thread and a barrier costs milliseconds per extra thread, so
    /// small groups keep the kernel checks quick (about 1.5 ms per barrier at 32 threads, 10 ms at 128, measured here).
    /// </summary>
    public static CPUDevice SimulatedCpu { get; } = new(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 4, numMultiprocessors: 1);

    private static readonly Lazy<Context> SharedContext = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<IReadOnlyList<string>> Unusable = new(FindUnusableOpenClDevices);
    private static int _resolverInstalled;

    /// <summary>The shared context (created on first use; never disposed before the process ends).</summary>
    public static Context Context => SharedContext.Value;

    /// <summary>OpenCL devices present but unusable, each as "name (platform): reason".</summary>
    public static IReadOnlyList<string> UnusableOpenClDevices => Unusable.Value;

    private static Context Create()
    {
        InstallLibraryResolver();
        return Context.Create(builder => builder
            .Cuda()
            .OpenCL()
            .CPU(SimulatedCpu)
            .EnableAlgorithms()
            .Optimize(OptimizationLevel.O1));
    }

    /// <summary>
    /// ILGPU loads <c>libOpenCL.so</c> and <c>libcuda.so</c> by their unversioned names, which only the -dev packages
    /// install; the runtime packages ship <c>libOpenCL.so.1</c> and <c>libcuda.so.1</c>. When the default probe fails,
    /// this maps the name to the versioned file, so users need no -dev package. (ILGPU sets its own DllImport
    /// resolver on WSL, and an assembly has only one, so this hooks the load context instead.)
    /// </summary>
    internal static void InstallLibraryResolver()
    {
        if (Interlocked.Exchange(ref _resolverInstalled, 1) == 1) return;
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += ResolveVersioned;
    }

    private static nint ResolveVersioned(Assembly assembly, string name)
    {
        if (!OperatingSystem.IsLinux()) return 0;
        string? file = name.Contains("OpenCL", StringComparison.OrdinalIgnoreCase) ? "libOpenCL.so.1"
            : name.Contains("cuda", StringComparison.OrdinalIgnoreCase) && !name.Contains("cudart", StringComparison.OrdinalIgnoreCase) ? "libcuda.so.1"
            : null;
        return file is not null && NativeLibrary.TryLoad(file, out var handle) ? handle : 0;
    }

    /// <summary>Whether an OpenCL ICD loader is on this machine at all.</summary>
    internal static bool OpenClLoaderPresent()
    {
        InstallLibraryResolver();
        return NativeLibrary.TryLoad("libOpenCL.so.1", out _) || NativeLibrary.TryLoad("libOpenCL.so", out _)
               || NativeLibrary.TryLoad("OpenCL.dll", out _);
    }

    private static IReadOnlyList<string> FindUnusableOpenClDevices()
    {
        _ = Context; // installs the resolver and loads the ICD loader once
        var result = new List<string>();
        try
        {
            foreach (var device in CLDevice.GetDevices(_ => true).OfType<CLDevice>())
            {
                string? reason = null;
                if (!device.Capabilities.GenericAddressSpace)
                    reason = $"no generic address space ({device.DeviceVersion}); ILGPU needs it (OpenCL 2.0, or 3.0 with " +
                             "__opencl_c_generic_address_space: PoCL 6 has it, PoCL 3.1 does not; NVIDIA GPUs go through CUDA)";
                if (reason is not null) result.Add($"{device.Name} ({device.PlatformName}): {reason}");
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException
                                      or InvalidOperationException or CLException)
        {
            // No loader or a broken ICD: the provider's reason covers it.
        }
        return result;
    }
}
