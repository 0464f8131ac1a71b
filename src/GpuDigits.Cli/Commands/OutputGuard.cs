using GpuDigits.Data;
using GpuDigits.Files;

namespace GpuDigits.Cli.Commands;

/// <summary>
/// No command writes over its own input. Names cannot tell (a hard link, a symbolic link, "./m.gdm" against
/// "m.gdm", a model file named .onnx), so files are compared by identity: device and inode.
/// </summary>
public static class OutputGuard
{
    /// <summary>An input of a command: the file and the option (or argument) that named it.</summary>
    public readonly record struct Input(string Path, string Option);

    /// <summary>A file a command is about to write, and the option that named it.</summary>
    public readonly record struct Output(string Path, string Option);

    /// <summary>The MNIST files in <paramref name="dataFolder"/>, as inputs named by --data.</summary>
    public static IEnumerable<Input> Data(string dataFolder) => MnistFiles.PathsIn(dataFolder).Select(p => new Input(p, "--data"));

    /// <summary>Throws a <see cref="UsageException"/> if any of <paramref name="outputs"/> is a data file in <paramref name="dataFolder"/>.</summary>
    public static void RefuseData(string dataFolder, IEnumerable<Output> outputs)
    {
        foreach (var output in outputs) Refuse(output.Path, output.Option, Data(dataFolder));
    }

    /// <summary>Throws a <see cref="UsageException"/> if <paramref name="output"/> is one of <paramref name="inputs"/>.</summary>
    public static void Refuse(string output, string outputOption, IEnumerable<Input> inputs)
    {
        foreach (var input in inputs)
            if (FileKind.SameFile(output, input.Path))
                throw new UsageException(
                    $"{outputOption} '{output}' is the same file as {input.Option} '{Path.GetFullPath(input.Path)}'; " +
                    "writing it would destroy the input. Write to another file.");
    }

    public static void Refuse(string output, string outputOption, params Input[] inputs) =>
        Refuse(output, outputOption, (IEnumerable<Input>)inputs);
}
