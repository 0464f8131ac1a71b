using System.CommandLine;

namespace GpuDigits.Cli.Commands;

/// <summary>Options shared by several commands.</summary>
public static class CommonOptions
{
    public static readonly Option<string> Device = new("--device", "-d")
    {
        Description = "Accelerator: auto (CUDA, then an OpenCL GPU, then the CPU), cpu (managed SIMD: trains), ilgpu-cpu (the ILGPU kernels on ILGPU's CPU simulator: checks kernels), opencl[:N] or cuda[:N]. 'gpudigits devices' lists them.",
        DefaultValueFactory = _ => "auto",
    };

    public static readonly Option<string> Data = new Option<string>("--data")
    {
        Description = "Folder holding (or to receive) the MNIST IDX files, raw or .gz. Default: $GPUDIGITS_DATA, else the user cache folder.",
    }.NotEmptyPath();

    /// <summary>An empty path (<c>--out ""</c>) is a usage error (exit 2, one line), not a failure deep in the work.</summary>
    public static Option<string> NotEmptyPath(this Option<string> option)
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
                result.AddError($"{option.Name} needs a path; it was given an empty one.");
        });
        return option;
    }
}
