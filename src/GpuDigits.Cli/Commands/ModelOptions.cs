using GpuDigits.Files;
using GpuDigits.Model.Runs;
using System.CommandLine;
using GpuDigits.Model.Persistence;

namespace GpuDigits.Cli.Commands;

/// <summary>The --model option of evaluate and predict, and loading what it names.</summary>
public static class ModelOptions
{
    public static Option<string> Model() => new Option<string>("--model", "-m")
    {
        Description = "Model file written by 'gpudigits train' (model.gdm or model-best.gdm in the run folder).",
        Required = true,
    }.NotEmptyPath();

    /// <summary>Loads and checks the model file: a missing file is an IOException, a bad one a ModelFormatException.</summary>
    public static ModelFile Load(string path)
    {
        if (Directory.Exists(path))
        {
            var inside = Path.Combine(path, RunModels.FinalName);
            throw new UsageException(File.Exists(inside)
                ? $"--model takes a model file; '{path}' is a run folder: use '{inside}' (or {RunModels.BestName} beside it)."
                : $"--model takes a model file; '{path}' is a folder. 'gpudigits train' writes model.gdm into its run folder.");
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file '{path}' does not exist. 'gpudigits train' writes model.gdm into its run folder.", path);
        Files.FileKind.RequireRegular(path, "Model file"); // a FIFO or device would block or never end
        var model = ModelFormat.Load(path);
        model.CheckMnistCompatible(path);
        return model;
    }
}
