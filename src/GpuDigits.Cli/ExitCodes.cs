namespace GpuDigits.Cli;

/// <summary>Process exit codes of <c>gpudigits</c>.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>A run-time failure: data, device, file system, divergence.</summary>
    public const int Failure = 1;
    /// <summary>The command line is wrong (unknown option, value out of range, an option that conflicts with --resume).</summary>
    public const int Usage = 2;
    /// <summary>Interrupted by Ctrl-C (128 + SIGINT).</summary>
    public const int Interrupted = 130;
    /// <summary>Stopped by SIGTERM (128 + 15).</summary>
    public const int Terminated = 143;
}
