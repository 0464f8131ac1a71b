using System.Text;
using GpuDigits.Engine.OpenCL.Native;

namespace GpuDigits.Engine.OpenCL;

/// <summary>A built OpenCL program (one kernel file plus the portability header) and the kernels created from it.</summary>
internal sealed unsafe class OpenClProgram : IDisposable
{
    private readonly nint _device;
    private readonly List<OpenClKernel> _kernels = [];

    private OpenClProgram(nint handle, nint device, string fileName)
    {
        Handle = handle;
        _device = device;
        FileName = fileName;
    }

    public nint Handle { get; private set; }

    public string FileName { get; }

    /// <summary>
    /// Compiles <paramref name="source"/> (already composed with the header) for one device. A compile error raises
    /// <see cref="OpenClBuildException"/> with <paramref name="fileName"/> and the build log.
    /// </summary>
    public static OpenClProgram Build(nint context, nint device, string deviceLabel, string fileName, string source, string options)
    {
        byte[] text = Encoding.UTF8.GetBytes(source);
        byte[] opts = Encoding.UTF8.GetBytes(options + "\0");
        nint program;
        int status;
        fixed (byte* p = text)
        {
            byte* strings = p;
            nuint length = (nuint)text.Length;
            program = Cl.clCreateProgramWithSource(context, 1, &strings, &length, &status);
        }
        ClStatus.Check(status, "clCreateProgramWithSource", fileName);

        fixed (byte* o = opts) status = Cl.clBuildProgram(program, 1, &device, o, 0, 0);
        if (status != Cl.CL_SUCCESS)
        {
            string log;
            try
            {
                log = ClQuery.BuildLog(program, device);
            }
            catch (OpenClException e)
            {
                log = $"(no build log: {e.Message})";
            }
            Cl.clReleaseProgram(program);
            throw new OpenClBuildException(fileName, deviceLabel, status, log);
        }
        return new OpenClProgram(program, device, fileName);
    }

    /// <summary>Creates (once per program) the kernel named <paramref name="name"/>.</summary>
    public OpenClKernel CreateKernel(string name)
    {
        ObjectDisposedException.ThrowIf(Handle == 0, this);
        byte[] bytes = Encoding.ASCII.GetBytes(name + "\0");
        int status;
        nint kernel;
        fixed (byte* n = bytes) kernel = Cl.clCreateKernel(Handle, n, &status);
        ClStatus.Check(status, "clCreateKernel", $"{name} in {FileName}");
        var result = new OpenClKernel(kernel, name, 0);
        try
        {
            result = new OpenClKernel(kernel, name, (int)Math.Min(int.MaxValue, (ulong)ClQuery.KernelWorkGroupSize(kernel, _device, name)));
        }
        catch
        {
            result.Release();
            throw;
        }
        _kernels.Add(result);
        return result;
    }

    public void Dispose()
    {
        foreach (var k in _kernels) k.Release();
        _kernels.Clear();
        if (Handle != 0) Cl.clReleaseProgram(Handle);
        Handle = 0;
    }
}

/// <summary>A kernel object and the largest work-group this device can run it with.</summary>
internal sealed class OpenClKernel(nint handle, string name, int maxWorkGroupSize)
{
    public nint Handle { get; private set; } = handle;

    public string Name { get; } = name;

    /// <summary>CL_KERNEL_WORK_GROUP_SIZE: may be below the device limit when the kernel needs many registers.</summary>
    public int MaxWorkGroupSize { get; } = maxWorkGroupSize;

    internal void Release()
    {
        if (Handle != 0) Cl.clReleaseKernel(Handle);
        Handle = 0;
    }
}
