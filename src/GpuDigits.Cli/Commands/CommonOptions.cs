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
        Description = "Folder holding (or to receive) the data set's four IDX files, raw or .gz. Default for MNIST: $GPUDIGITS_DATA, else the user cache folder; for Fashion-MNIST: the user cache folder (filled from Debian's dataset-fashion-mnist package or the web).",
    }.NotEmptyPath();

    public static readonly Option<string> DataSetOption = new Option<string>("--dataset")
    {
        Description = "Data set: mnist (handwritten digits) or fashion-mnist (clothing). Default: mnist to train; a model's own data set to evaluate or predict.",
    }.AcceptOnlyFromAmong([.. GpuDigits.Data.DataSet.Known.Select(d => d.Name)]);

    /// <summary>The data set --dataset names, else <paramref name="fallback"/>'s name (a model's), else MNIST.</summary>
    public static GpuDigits.Data.DataSet ChosenDataSet(ParseResult parse, string? fallback = null) =>
        GpuDigits.Data.DataSet.Find(parse.GetValue(DataSetOption) ?? fallback ?? GpuDigits.Data.DataSet.Mnist.Name)
        ?? throw new UsageException($"The model was trained on data set '{fallback}', which this build does not know; give --dataset.");

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
