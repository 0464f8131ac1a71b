using GpuDigits.Engine.OpenCL.Native;

namespace GpuDigits.Engine.OpenCL;

/// <summary>One discovered OpenCL device: its driver handles, the limits the launchers respect, and its description.</summary>
internal sealed record OpenClDevice(
    nint Platform,
    nint Device,
    AcceleratorInfo Info,
    string PlatformName,
    int MaxWorkGroupSize,
    IReadOnlyList<int> MaxWorkItemSizes,
    long LocalMemoryBytes,
    long MaxAllocationBytes)
{
    /// <summary>Reads a device's facts; null (with the reason) when it cannot run the engine's kernels.</summary>
    public static OpenClDevice? Describe(nint platform, string platformName, nint device, int index, out string? whyNot)
    {
        string name = ClQuery.DeviceString(device, Cl.CL_DEVICE_NAME);
        if (ClQuery.DeviceValue<uint>(device, Cl.CL_DEVICE_AVAILABLE) == 0)
        {
            whyNot = $"{name} is not available";
            return null;
        }
        if (ClQuery.DeviceValue<uint>(device, Cl.CL_DEVICE_COMPILER_AVAILABLE) == 0)
        {
            whyNot = $"{name} has no OpenCL C compiler";
            return null;
        }

        ulong type = ClQuery.DeviceValue<ulong>(device, Cl.CL_DEVICE_TYPE);
        string version = ClQuery.DeviceString(device, Cl.CL_DEVICE_VERSION);
        string cVersion = ClQuery.DeviceString(device, Cl.CL_DEVICE_OPENCL_C_VERSION);
        string driver = ClQuery.DeviceString(device, Cl.CL_DRIVER_VERSION);
        long memory = (long)ClQuery.DeviceValue<ulong>(device, Cl.CL_DEVICE_GLOBAL_MEM_SIZE);
        long maxAlloc = (long)ClQuery.DeviceValue<ulong>(device, Cl.CL_DEVICE_MAX_MEM_ALLOC_SIZE);
        long local = (long)ClQuery.DeviceValue<ulong>(device, Cl.CL_DEVICE_LOCAL_MEM_SIZE);
        int units = (int)ClQuery.DeviceValue<uint>(device, Cl.CL_DEVICE_MAX_COMPUTE_UNITS);
        int maxGroup = (int)Math.Min(int.MaxValue, (ulong)ClQuery.DeviceValue<nuint>(device, Cl.CL_DEVICE_MAX_WORK_GROUP_SIZE));
        var itemSizes = ClQuery.DeviceSizes(device, Cl.CL_DEVICE_MAX_WORK_ITEM_SIZES)
            .Select(s => (int)Math.Min(int.MaxValue, (ulong)s)).ToArray();

        bool isGpu = (type & Cl.CL_DEVICE_TYPE_GPU) != 0;
        string details = $"platform {platformName}, {TypeName(type)}, {version}, {cVersion}, driver {driver}, " +
                         $"max work-group {maxGroup}, local memory {local / 1024} KiB, max allocation {maxAlloc / (1024 * 1024)} MiB";
        var info = new AcceleratorInfo(AcceleratorKind.OpenCL, $"opencl:{index}", name, memory, units, details, isGpu);
        whyNot = null;
        return new OpenClDevice(platform, device, info, platformName, maxGroup, itemSizes, local, maxAlloc);
    }

    public static string TypeName(ulong type)
    {
        var parts = new List<string>();
        if ((type & Cl.CL_DEVICE_TYPE_GPU) != 0) parts.Add("GPU");
        if ((type & Cl.CL_DEVICE_TYPE_CPU) != 0) parts.Add("CPU");
        if ((type & Cl.CL_DEVICE_TYPE_ACCELERATOR) != 0) parts.Add("accelerator");
        return parts.Count == 0 ? $"device type 0x{type:x}" : string.Join("+", parts);
    }
}
