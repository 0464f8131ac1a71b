using GpuDigits.Data;
using Spectre.Console;

namespace GpuDigits.Cli.Presentation;

/// <summary>What <c>predict</c> shows: the input, the top classes with probabilities, and optionally the 28 x 28 input as text.</summary>
public sealed class PredictionView(TextWriter output, TextWriter error)
{
    private readonly IAnsiConsole _out = ConsoleFactory.For(output);

    /// <summary>Ten levels from background to full ink.</summary>
    public const string Shades = " .:-=+*#%@";

    public void Status(string message) => error.WriteLine(message);

    public void Show(string source, IReadOnlyList<(int Class, float Probability)> top, int? label, string device, DataSet dataSet)
    {
        _out.MarkupLine($"{Markup.Escape(source)} [grey](on {Markup.Escape(device)})[/]");
        string Name(int c) => Markup.Escape(dataSet.Label(c));
        var table = new Table().AddColumns("rank", dataSet.ClassWord, "probability", "");
        table.Columns[2].RightAligned();
        for (int r = 0; r < top.Count; r++)
        {
            var (digit, p) = top[r];
            string bar = new string('#', (int)Math.Round(p * 30));
            string colour = label is null ? "blue" : digit == label ? "green" : "red";
            table.AddRow((r + 1).ToString(), $"[bold]{Name(digit)}[/]", $"{p * 100:F2} %", $"[{colour}]{bar}[/]");
        }
        _out.Write(table);
        if (label is { } l)
            _out.MarkupLine(top[0].Class == l ? $"[green]Right[/]: the label is {Name(l)}." : $"[red]Wrong[/]: the label is {Name(l)}.");
        else
            _out.MarkupLine($"Prediction: [bold]{Name(top[0].Class)}[/] ({top[0].Probability * 100:F2} %)");
    }

    /// <summary>The 28 x 28 input (0 background, 255 ink) as rows of characters, two per pixel.</summary>
    public void Picture(ReadOnlySpan<byte> pixels)
    {
        int side = (int)Math.Sqrt(pixels.Length);
        for (int y = 0; y < side; y++)
        {
            var line = new char[2 * side];
            for (int x = 0; x < side; x++)
            {
                char c = Shades[pixels[y * side + x] * (Shades.Length - 1) / 255];
                line[2 * x] = line[2 * x + 1] = c;
            }
            _out.WriteLine(new string(line).TrimEnd());
        }
    }
}
