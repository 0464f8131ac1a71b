using Spectre.Console;

namespace GpuDigits.Cli.Presentation;

/// <summary>Spectre consoles bound to the invocation's writers: live widgets only on a real terminal.</summary>
public static class ConsoleFactory
{
    public static IAnsiConsole For(TextWriter writer)
    {
        bool terminal = ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal) console.Profile.Width = 400; // a log file or pipe: never wrap lines
        return console;
    }
}
