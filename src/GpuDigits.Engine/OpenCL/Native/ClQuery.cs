using System.Text;

namespace GpuDigits.Engine.OpenCL.Native;

/// <summary>Typed reads of clGet*Info values (strings, scalars, size_t arrays) and handle enumeration.</summary>
internal static unsafe class ClQuery
{
    public static nint[] Platforms()
    {
        uint count;
        int status = Cl.clGetPlatformIDs(0, null, &count);
        // The ICD loader reports "no vendor driver installed" as CL_PLATFORM_NOT_FOUND_KHR.
        if (status == -1001 || count == 0) return [];
        ClStatus.Check(status, "clGetPlatformIDs");
        var ids = new nint[count];
        fixed (nint* p = ids) ClStatus.Check(Cl.clGetPlatformIDs(count, p, null), "clGetPlatformIDs");
        return ids;
    }

    public static nint[] Devices(nint platform)
    {
        uint count;
        int status = Cl.clGetDeviceIDs(platform, Cl.CL_DEVICE_TYPE_ALL, 0, null, &count);
        if (status == -1 /* CL_DEVICE_NOT_FOUND */ || count == 0) return [];
        ClStatus.Check(status, "clGetDeviceIDs");
        var ids = new nint[count];
        fixed (nint* p = ids) ClStatus.Check(Cl.clGetDeviceIDs(platform, Cl.CL_DEVICE_TYPE_ALL, count, p, null), "clGetDeviceIDs");
        return ids;
    }

    public static string PlatformString(nint platform, uint param) =>
        ReadString((size, value, ret) => Cl.clGetPlatformInfo(platform, param, size, value, ret), "clGetPlatformInfo");

    public static string DeviceString(nint device, uint param) =>
        ReadString((size, value, ret) => Cl.clGetDeviceInfo(device, param, size, value, ret), "clGetDeviceInfo");

    public static T DeviceValue<T>(nint device, uint param) where T : unmanaged
    {
        T value;
        ClStatus.Check(Cl.clGetDeviceInfo(device, param, (nuint)sizeof(T), &value, null), "clGetDeviceInfo");
        return value;
    }

    public static nuint[] DeviceSizes(nint device, uint param)
    {
        nuint bytes;
        ClStatus.Check(Cl.clGetDeviceInfo(device, param, 0, null, &bytes), "clGetDeviceInfo");
        var values = new nuint[(int)bytes / sizeof(nuint)];
        fixed (nuint* p = values) ClStatus.Check(Cl.clGetDeviceInfo(device, param, bytes, p, null), "clGetDeviceInfo");
        return values;
    }

    public static string BuildLog(nint program, nint device) =>
        ReadString((size, value, ret) => Cl.clGetProgramBuildInfo(program, device, Cl.CL_PROGRAM_BUILD_LOG, size, value, ret),
            "clGetProgramBuildInfo");

    public static nuint KernelWorkGroupSize(nint kernel, nint device, string kernelName)
    {
        nuint value;
        ClStatus.Check(Cl.clGetKernelWorkGroupInfo(kernel, device, Cl.CL_KERNEL_WORK_GROUP_SIZE, (nuint)sizeof(nuint), &value, null),
            "clGetKernelWorkGroupInfo", kernelName);
        return value;
    }

    private delegate int InfoCall(nuint size, void* value, nuint* sizeRet);

    private static string ReadString(InfoCall call, string name)
    {
        nuint bytes;
        ClStatus.Check(call(0, null, &bytes), name);
        if (bytes == 0) return "";
        var buffer = new byte[(int)bytes];
        fixed (byte* p = buffer) ClStatus.Check(call(bytes, p, null), name);
        int length = Array.IndexOf(buffer, (byte)0);
        return Encoding.UTF8.GetString(buffer, 0, length < 0 ? buffer.Length : length).Trim();
    }
}
