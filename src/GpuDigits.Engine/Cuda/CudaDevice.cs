using System.Text;
using GpuDigits.Engine.Cuda.Native;

namespace GpuDigits.Engine.Cuda;

/// <summary>One discovered CUDA device: its ordinal, the limits the launchers respect, the PTX target, its description.</summary>
internal sealed record CudaDevice(
    int Handle,
    AcceleratorInfo Info,
    int Major,
    int Minor,
    int Multiprocessors,
    int MaxThreadsPerBlock,
    int MaxBlockDimX,
    int MaxBlockDimY,
    int MaxGridDimY,
    int SharedMemoryPerBlock,
    int DriverVersion,
    int PtxArchitecture,
    NvrtcCompiler Compiler)
{
    /// <summary>Compute capability as major * 10 + minor (8.9 = 89).</summary>
    public int Architecture => Major * 10 + Minor;

    private static unsafe int ReadAttribute(int device, string name, int attribute)
    {
        int value;
        CuResult.Check(Cu.cuDeviceGetAttribute(&value, attribute, device), "cuDeviceGetAttribute", $"{name} attribute {attribute}");
        return value;
    }

    /// <summary>Reads device <paramref name="ordinal"/>'s facts; null (with the reason) when NVRTC cannot target it.</summary>
    public static unsafe CudaDevice? Describe(int ordinal, int driverVersion, NvrtcCompiler compiler, out string? whyNot)
    {
        int handle;
        CuResult.Check(Cu.cuDeviceGet(&handle, ordinal), "cuDeviceGet", $"device {ordinal}");
        var nameBytes = stackalloc byte[256];
        CuResult.Check(Cu.cuDeviceGetName(nameBytes, 256, handle), "cuDeviceGetName", $"device {ordinal}");
        string name = new string((sbyte*)nameBytes, 0, new ReadOnlySpan<byte>(nameBytes, 256).IndexOf((byte)0) is var n and >= 0 ? n : 256, Encoding.UTF8).Trim();
        nuint memory;
        CuResult.Check(Cu.cuDeviceTotalMem_v2(&memory, handle), "cuDeviceTotalMem_v2", name);

        int device = handle;
        int Attribute(int attribute) => ReadAttribute(device, name, attribute);

        int major = Attribute(Cu.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        int minor = Attribute(Cu.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        int sms = Attribute(Cu.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        int maxThreads = Attribute(Cu.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
        int maxX = Attribute(Cu.CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X);
        int maxY = Attribute(Cu.CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y);
        int maxGridY = Attribute(Cu.CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y);
        int shared = Attribute(Cu.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK);
        bool integrated = Attribute(Cu.CU_DEVICE_ATTRIBUTE_INTEGRATED) != 0;

        int arch = major * 10 + minor;
        if (NvrtcCompiler.ChooseArchitecture(arch, compiler.SupportedArchitectures) is not { } ptxArch)
        {
            whyNot = $"{name} (compute capability {major}.{minor}) is older than every architecture NVRTC {compiler.Version} " +
                     $"targets (oldest compute_{compiler.SupportedArchitectures![0]}); use an older NVRTC";
            return null;
        }

        string details = $"compute capability {major}.{minor}, {sms} SMs, {maxThreads} threads/block, " +
                         $"{shared / 1024} KiB shared/block, {(integrated ? "integrated, " : "")}driver CUDA {CuResult.FormatVersion(driverVersion)}, " +
                         $"NVRTC {compiler.Version} -> PTX compute_{ptxArch}";
        var info = new AcceleratorInfo(AcceleratorKind.Cuda, $"cuda:{ordinal}", name, (long)memory, sms, details, IsGpu: true);
        whyNot = null;
        return new CudaDevice(handle, info, major, minor, sms, maxThreads, maxX, maxY, maxGridY, shared, driverVersion, ptxArch, compiler);
    }
}
