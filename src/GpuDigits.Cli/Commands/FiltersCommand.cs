using System.CommandLine;
using GpuDigits.Reports.Plotting;

namespace GpuDigits.Cli.Commands;

/// <summary><c>gpudigits filters</c>: the first-layer filters of a CNN model and what they make of one test digit, as SVG.</summary>
public static class FiltersCommand
{
    private static readonly Option<string> ModelOpt = ModelOptions.Model();
    private static readonly Option<int> Index = new("--index", "-i") { Description = "The test image (0-based) whose feature maps are drawn.", DefaultValueFactory = _ => 0 };
    private static readonly Option<string> Out = new Option<string>("--out", "-o") { Description = "The SVG file to write.", Required = true }.NotEmptyPath();

    public static Command Create()
    {
        var command = new Command("filters", "Draw a CNN model's 32 first-layer filters and the feature map each makes of one test digit (SVG).")
        {
            ModelOpt, Index, Out, CommonOptions.Data, CommonOptions.DataSetOption,
        };
        command.SetAction((parse, cancellation) =>
        {
            string output = Path.GetFullPath(parse.GetValue(Out)!);
            if (!output.EndsWith(".svg", StringComparison.OrdinalIgnoreCase))
                throw new UsageException($"-o writes an SVG file; give it a name ending in .svg, got '{output}'.");
            int index = parse.GetValue(Index);
            if (index < 0) throw new UsageException($"--index must be 0 or more, got {index}.");
            string path = parse.GetValue(ModelOpt)!;
            OutputGuard.Refuse(output, "-o", new OutputGuard.Input(path, "--model"));
            var model = ModelOptions.Load(path);
            if (!model.Spec.IsConvolutional)
                throw new UsageException($"'{path}' is an MLP model ({model.Spec}); filters are drawn for a CNN (train --arch cnn).");
            var (_, test) = MnistLoader.LoadTest(parse.GetValue(CommonOptions.Data), CommonOptions.ChosenDataSet(parse, model), model, path,
                s => parse.InvocationConfiguration.Error.WriteLine(s), cancellation, [new(output, "-o")]);
            if (index >= test.Count) throw new UsageException($"--index must be below {test.Count:N0} (the number of test images), got {index}.");
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            FilterSheet.Write(output, model.Parameters[0], model.Parameters[1], Model.NetworkPlan.ConvKernel, test.Image(index),
                test.Rows, model.Normalization, $"{Path.GetFileName(path)}: first layer, test image {index} (label {test.Labels[index]})");
            parse.InvocationConfiguration.Output.WriteLine($"Wrote {output} ({model.Parameters[1].Length} filters, test image {index})");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
