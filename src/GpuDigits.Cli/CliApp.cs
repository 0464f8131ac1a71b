using System.CommandLine;
using GpuDigits.Cli.Commands;

namespace GpuDigits.Cli;

/// <summary>
/// The <c>gpudigits</c> command set. Parse errors and every failure a user can cause (missing data, unknown device,
/// bad option, unwritable folder) end as one line on standard error and a non-zero exit code; a stack trace is
/// printed only with <c>--verbose</c>.
/// </summary>
public static class CliApp
{
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Print stack traces for errors.",
        Recursive = true,
    };

    public static RootCommand Build()
    {
        var root = new RootCommand("GpuDigits: custom GPU kernels training an MNIST digit classifier, on CUDA, OpenCL or the CPU.")
        {
            TrainCommand.Create(),
            EvaluateCommand.Create(),
            PredictCommand.Create(),
            PlotCommand.Create(),
            FiltersCommand.Create(),
            DevicesCommand.Create(),
            VerifyCommand.Create(),
            BenchCommand.Create(),
            FuzzCommand.Create(),
        };
        root.Options.Add(Verbose);
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = Build();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var command = parse.CommandResult.Command;
            var name = command is RootCommand ? "gpudigits" : $"gpudigits {command.Name}";
            var message = string.Join(" ", parse.Errors[0].Message.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            error.WriteLine($"{name}: {message} (see '{name} --help')");
            return ExitCodes.Usage;
        }

        // ProcessTerminationTimeout = null: System.CommandLine does not handle Ctrl-C or SIGTERM itself (it would
        // race the train command's own handling, TerminationSignals, and force an exit after a timeout).
        var config = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };
        try
        {
            return await parse.InvokeAsync(config);
        }
        catch (Exception ex)
        {
            return Failure.Report(ex, error, parse.GetValue(Verbose));
        }
    }
}
