using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Reports.Bench;
using Spectre.Console;

namespace GpuDigits.Cli.Presentation;

/// <summary>What <c>bench</c> shows: a header, progress on standard error, and one table of all results.</summary>
public sealed class BenchView(TextWriter output, TextWriter error)
{
    private readonly IAnsiConsole _out = ConsoleFactory.For(output);

    public void Status(string message) => error.WriteLine(message);

    public void Header(AcceleratorInfo device, int repeat)
    {
        _out.MarkupLine($"[bold]GpuDigits bench[/] on [bold]{Markup.Escape(device.Id)}[/] ({Markup.Escape(device.Name)}; {Markup.Escape(device.Details)})");
        _out.MarkupLine($"  {Phrase.Count(repeat, "timed repetition")} per op after a warm-up; times per call (per epoch for epoch rows)");
    }

    public void Results(IReadOnlyList<BenchRecord> records)
    {
        var table = new Table().AddColumns("op", "shape", "min", "median", "best rate", "median rate", "note");
        foreach (var c in table.Columns.Skip(2).Take(4)) c.RightAligned();
        string? category = null;
        foreach (var r in records)
        {
            if (category is not null && r.Category != category) table.AddEmptyRow();
            category = r.Category;
            table.AddRow(Markup.Escape(r.Op), Markup.Escape(r.Shape), Seconds(r.MinSeconds), Seconds(r.MedianSeconds),
                Rate(r.BestRate, r.Unit), Rate(r.MedianRate, r.Unit), Markup.Escape(r.Note));
        }
        _out.Write(table);
    }

    public void Written(string path) => _out.MarkupLine($"CSV: {Markup.Escape(path)}");

    internal static string Seconds(double s) =>
        s >= 1 ? $"{s:F3} s" : s >= 1e-3 ? $"{s * 1e3:F3} ms" : $"{s * 1e6:F2} µs";

    internal static string Rate(double value, string unit) =>
        unit == "images/s" ? $"{value:N0} {unit}" : $"{value:F1} {unit}";
}
