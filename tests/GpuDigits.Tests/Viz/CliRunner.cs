using GpuDigits.Cli;

namespace GpuDigits.Tests.Viz;

/// <summary>Runs the gpudigits command line in process and captures its output.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.RunAsync(args, output, error).GetAwaiter().GetResult();
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The lines of standard error that gpudigits itself wrote (not the data fetcher's status lines).</summary>
    public static string[] ErrorLines(string err) =>
        err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith("gpudigits")).ToArray();
}
