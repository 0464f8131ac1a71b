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

    public static readonly Option<string> Data = new("--data")
    {
        Description = "Folder holding (or to receive) the MNIST IDX files, raw or .gz. Default: $GPUDIGITS_DATA, else the user cache folder.",
    };
}
