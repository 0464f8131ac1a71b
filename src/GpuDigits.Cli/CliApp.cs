using System.CommandLine;
using System.CommandLine.Parsing;
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
            ExportCommand.Create(),
            DevicesCommand.Create(),
            VerifyCommand.Create(),
            BenchCommand.Create(),
            ServeCommand.Create(),
        };
        root.Options.Add(Verbose);
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = Build();
        if (args.Length == 0) args = ["--help"]; // no command: show what there is
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var command = parse.CommandResult.Command;
            var name = command is RootCommand ? "gpudigits" : $"gpudigits {command.Name}";
            // Every problem of the command line, each in words a user can act on, in one line.
            var errors = parse.Errors.ToList();
            if (command is RootCommand && errors.Any(e => e.Message.StartsWith("Required command was not provided", StringComparison.Ordinal)))
                errors = errors.Where(e => e.Message.StartsWith("Required command", StringComparison.Ordinal)).ToList(); // the unknown command says it all
            // The value after an unknown option is not a second problem.
            var afterUnknownOption = args.Where((a, i) => i > 0 && args[i - 1].StartsWith('-') &&
                errors.Any(e => e.Message == $"Unrecognized command or argument '{args[i - 1]}'.")).ToHashSet();
            errors = errors.Where(e => !afterUnknownOption.Any(v => e.Message == $"Unrecognized command or argument '{v}'.")).ToList();
            var messages = errors.Select(e => Explain(e.Message, command, args, e.SymbolResult)).Distinct().ToList();
            error.WriteLine($"{Failure.Prefix}{string.Join(" ", messages)} (see '{name} --help')");
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

    /// <summary>
    /// A parse error as a user reads it: an unknown command or option with the nearest known one suggested, a value of
    /// the wrong type described by what is expected rather than by a .NET type name.
    /// </summary>
    internal static string Explain(string message, Command command, IReadOnlyList<string> args, SymbolResult? symbol = null)
    {
        message = string.Join(" ", message.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (command is RootCommand && message.StartsWith("Required command was not provided", StringComparison.Ordinal))
        {
            var first = args.FirstOrDefault(a => !a.StartsWith('-'));
            if (first is null) return "Give a command: " + string.Join(", ", Visible(command.Subcommands)) + ".";
            var near = Nearest(first, Visible(command.Subcommands));
            return $"Unknown command '{first}'." + (near is null ? $" Commands: {string.Join(", ", Visible(command.Subcommands))}." : $" Did you mean '{near}'?");
        }
        var unrecognized = System.Text.RegularExpressions.Regex.Match(message, "^Unrecognized command or argument '(.*)'\\.$");
        if (unrecognized.Success)
        {
            string token = unrecognized.Groups[1].Value;
            var names = token.StartsWith('-')
                ? command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)).Append(Verbose.Name)
                : Visible(command.Subcommands);
            var near = Nearest(token, names.Distinct());
            return $"Unknown {(token.StartsWith('-') ? "option" : "argument")} '{token}'." + (near is null ? "" : $" Did you mean '{near}'?");
        }
        var option = (symbol as OptionResult)?.Option ?? (symbol?.Parent as OptionResult)?.Option;
        var notAmong = System.Text.RegularExpressions.Regex.Match(message, "^Argument '(.*)' not recognized\\. Must be one of:(.*)$");
        if (notAmong.Success)
        {
            var values = System.Text.RegularExpressions.Regex.Matches(notAmong.Groups[2].Value, "'([^']*)'").Select(m => m.Groups[1].Value);
            return $"{(option is null ? "The value" : OptionName(option))} must be one of {string.Join(", ", values)}; got '{notAmong.Groups[1].Value}'.";
        }
        var required = System.Text.RegularExpressions.Regex.Match(message, "^Option '(.*)' is required\\.$");
        if (required.Success && command.Options.FirstOrDefault(o => o.Name == required.Groups[1].Value) is { } missing)
            return $"{OptionName(missing)} is required.";
        var requiredArgument = System.Text.RegularExpressions.Regex.Match(message, "^Required argument '(.*)' missing for command: '.*'\\.$");
        if (requiredArgument.Success && command.Arguments.FirstOrDefault(a => a.Name == requiredArgument.Groups[1].Value) is { } argument)
            return $"<{argument.Name}> is required ({argument.Description?.TrimEnd('.')}).";
        if (message.StartsWith("Required argument missing for option:", StringComparison.Ordinal) && option is not null)
            return $"{OptionName(option)} needs a value.";
        var parseType = System.Text.RegularExpressions.Regex.Match(message, "^Cannot parse argument '(.*)' for option '(.*)' as expected type '(.*)'\\.$");
        if (parseType.Success)
        {
            string type = System.Text.RegularExpressions.Regex.Replace(parseType.Groups[3].Value, "^System\\.Nullable`1\\[(.*)\\]$", "$1");
            string expected = type switch
            {
                "System.Int32" or "System.Int64" or "System.UInt64" => "a whole number",
                "System.Single" or "System.Double" => "a number",
                "System.Boolean" => "true or false",
                var other => other.Replace("System.", ""),
            };
            return $"{(option is null ? parseType.Groups[2].Value : OptionName(option))} expects {expected}, got '{parseType.Groups[1].Value}'.";
        }
        return message;
    }

    /// <summary>An option as the user may have typed it: its short alias first ("-o/--out", "--lr").</summary>
    internal static string OptionName(Option option) =>
        string.Join("/", option.Aliases.Prepend(option.Name).Distinct().OrderBy(n => n.Length).ThenBy(n => n, StringComparer.Ordinal));

    private static IEnumerable<string> Visible(IEnumerable<Command> commands) => commands.Where(c => !c.Hidden).Select(c => c.Name);

    /// <summary>The known name within edit distance 2 (or a prefix match) of <paramref name="typed"/>, if any.</summary>
    internal static string? Nearest(string typed, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var name in known)
        {
            int d = name.StartsWith(typed, StringComparison.OrdinalIgnoreCase) ? 1 : Distance(typed.ToLowerInvariant(), name.ToLowerInvariant());
            if (d < bestDistance) (best, bestDistance) = (name, d);
        }
        return bestDistance <= 2 ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int previous = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int current = row[j];
                // Levenshtein with adjacent transpositions counted as one edit ("trian" -> "train").
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) row[j] = Math.Min(row[j], previous);
                previous = current;
            }
        }
        return row[b.Length];
    }
}
