using GpuDigits.Engine.OpenCL.Native;

namespace GpuDigits.Engine.OpenCL;

/// <summary>An OpenCL call failed; the message names the call and its status code by name.</summary>
public class OpenClException : AcceleratorException
{
    public OpenClException(string call, int status, string? subject = null)
        : this(call, status, subject, $"OpenCL call {call}{(subject is null ? "" : $" ({subject})")} failed with {ClStatus.Name(status)} ({status}).")
    {
    }

    protected OpenClException(string call, int status, string? subject, string message) : base(message)
    {
        Call = call;
        Status = status;
        Subject = subject;
    }

    /// <summary>The OpenCL function that failed, for example <c>clEnqueueNDRangeKernel</c>.</summary>
    public string Call { get; }

    /// <summary>The raw status code.</summary>
    public int Status { get; }

    /// <summary>The CL_* name of <see cref="Status"/>.</summary>
    public string StatusName => ClStatus.Name(Status);

    /// <summary>What the call was about (a kernel or program name), when known.</summary>
    public string? Subject { get; }
}

/// <summary>A kernel source did not compile: the message holds the file name and the compiler's build log.</summary>
public sealed class OpenClBuildException : OpenClException
{
    public OpenClBuildException(string fileName, string device, int status, string buildLog)
        : base("clBuildProgram", status, fileName,
            $"OpenCL kernel source {fileName} failed to build for {device} ({ClStatus.Name(status)}). Build log:{Environment.NewLine}" +
            (string.IsNullOrWhiteSpace(buildLog) ? "(the driver gave no build log)" : buildLog.TrimEnd()))
    {
        FileName = fileName;
        BuildLog = buildLog;
    }

    /// <summary>The kernel file that failed, for example <c>gemm.cl</c>.</summary>
    public string FileName { get; }

    public string BuildLog { get; }
}
