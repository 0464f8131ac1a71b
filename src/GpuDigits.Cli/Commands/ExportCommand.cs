using System.CommandLine;
using GpuDigits.Reports.Export;

namespace GpuDigits.Cli.Commands;

/// <summary><c>gpudigits export</c>: writes a model (MLP or CNN, input normalization included) as ONNX.</summary>
public static class ExportCommand
{
    private static readonly Option<string> ModelOpt = ModelOptions.Model();
    private static readonly Option<string> Out = new Option<string>("--out", "-o") { Description = "The ONNX file to write.", Required = true }.NotEmptyPath();

    public static Command Create()
    {
        var command = new Command("export", "Write a model as ONNX (input 'pixels' [N, 784] in 0..1; outputs 'logits' and 'probabilities').")
        {
            ModelOpt, Out,
        };
        command.SetAction(parse =>
        {
            string output = Path.GetFullPath(parse.GetValue(Out)!);
            if (!output.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
                throw new UsageException($"-o writes an ONNX file; give it a name ending in .onnx, got '{output}'.");
            string modelPath = parse.GetValue(ModelOpt)!;
            OutputGuard.Refuse(output, "-o", new OutputGuard.Input(modelPath, "--model"));
            var model = ModelOptions.Load(modelPath);
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            OnnxExport.Write(model, output);
            parse.InvocationConfiguration.Output.WriteLine($"Wrote {output} ({model.Spec}, {model.Spec.ParameterCount:N0} parameters, ONNX opset 13)");
            return ExitCodes.Success;
        });
        return command;
    }
}
