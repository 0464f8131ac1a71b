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
        Description = "Folder holding (or to receive) the data set's four IDX files, raw or .gz. Default for MNIST: $GPUDIGITS_DATA, else the user cache folder; for Fashion-MNIST: the user cache folder (filled from Debian's dataset-fashion-mnist package or the web). A folder with a classes.txt is a data set of one's own (--dataset folder).",
    }.NotEmptyPath();

    public static readonly Option<string> DataSetOption = new Option<string>("--dataset")
    {
        Description = "Data set: mnist (handwritten digits), fashion-mnist (clothing) or folder (one's own: the IDX files in --data as they are, up to 256 classes, names from its classes.txt). Default: folder when --data holds a classes.txt, else mnist to train and a model's own data set to evaluate or predict.",
    }.AcceptOnlyFromAmong([.. GpuDigits.Data.DataSet.Known.Select(d => d.Name), GpuDigits.Data.DataSet.FolderName]);

    /// <summary>
    /// The data set --dataset names; else a data set of one's own when --data holds a classes.txt; else
    /// <paramref name="model"/>'s; else MNIST. A data set of one's own gets its class names when it is read.
    /// </summary>
    public static GpuDigits.Data.DataSet ChosenDataSet(ParseResult parse, Model.Persistence.ModelFile? model = null)
    {
        string? name = parse.GetValue(DataSetOption);
        if (name is null && parse.GetValue(Data) is { Length: > 0 } folder && GpuDigits.Data.FolderDataSet.HasClassesFile(folder))
            name = GpuDigits.Data.DataSet.FolderName;
        // One's own data set: the model's (with the names it recorded) until its folder is read, which names it anew.
        if (name == GpuDigits.Data.DataSet.FolderName)
            return model?.DataSet is { IsFolder: true } own ? own : GpuDigits.Data.DataSet.Folder("the data folder", []);
        if (name is not null) return GpuDigits.Data.DataSet.Find(name)!; // the option accepts only known names
        if (model is null) return GpuDigits.Data.DataSet.Mnist;
        return model.DataSet
            ?? throw new UsageException($"The model was trained on data set '{model.DataSetName}', which this build does not know; give --dataset.");
    }

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
